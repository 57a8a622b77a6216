"""observation plans: audits per week or month per team (or staff member) and checklist

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

T = "observation_plans"


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    name = f"fk_{T}_{column}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column], [target], name=op.f(name))


def upgrade():
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("audits_per_period", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("spread_supervisors", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("audits_per_period BETWEEN 1 AND 50", name=op.f(f"ck_{T}_per_period")),
        sa.CheckConstraint("period IN ('week', 'month')", name=op.f(f"ck_{T}_period")),
        _fk("team_id", "teams.id"),
        _fk("staff_member_id", "staff_members.id"),
        _fk("created_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
    )
    op.create_index("ix_observation_plans_team_active", T, ["team_id", "active"], unique=False)
    op.create_index(
        op.f("ix_observation_plans_staff_member_id"), T, ["staff_member_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_observation_plans_staff_member_id"), table_name=T)
    op.drop_index("ix_observation_plans_team_active", table_name=T)
    op.drop_table(T)
