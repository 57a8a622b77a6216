"""calibration sessions: the sessions, their invited raters and each rater's answers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, **kwargs) -> sa.ForeignKeyConstraint:
    name = f"fk_{table}_{column}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column], [target], name=op.f(name), **kwargs)


def upgrade():
    t = "calibration_sessions"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("checklist_version_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("material_kind", sa.String(length=10), nullable=False),
        sa.Column("material_text", sa.Text(), nullable=False),
        sa.Column("upload_name", sa.String(length=200), nullable=True),
        sa.Column("upload_file", sa.String(length=64), nullable=True),
        sa.Column("upload_type", sa.String(length=100), nullable=True),
        sa.Column("upload_size", sa.Integer(), nullable=True),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("hide_staff_name", sa.Boolean(), nullable=False),
        sa.Column("lead_rater_id", sa.Integer(), nullable=True),
        sa.Column("reference_mode", sa.String(length=10), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _fk(t, "checklist_version_id", "checklist_versions.id"),
        _fk(t, "created_by_id", "users.id"),
        _fk(t, "expert_id", "users.id"),
        _fk(t, "lead_rater_id", "users.id"),
        _fk(t, "staff_member_id", "staff_members.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_sessions")),
    )
    op.create_index(
        "ix_calibration_sessions_checklist", t, ["checklist_id", "created_at"], unique=False
    )

    t = "calibration_raters"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk(t, "session_id", "calibration_sessions.id", ondelete="CASCADE"),
        _fk(t, "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_raters")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_calibration_raters_session_id")),
    )
    op.create_index(op.f("ix_calibration_raters_user_id"), t, ["user_id"], unique=False)

    t = "calibration_answers"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("overall", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("band", sa.String(length=100), nullable=True),
        sa.Column("critical_failures", sa.JSON(), nullable=False),
        sa.Column("interaction", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        _fk(t, "session_id", "calibration_sessions.id", ondelete="CASCADE"),
        _fk(t, "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_answers")),
        sa.UniqueConstraint("form_token", name=op.f("uq_calibration_answers_form_token")),
        sa.UniqueConstraint(
            "session_id", "kind", "user_id", name=op.f("uq_calibration_answers_session_id")
        ),
    )
    op.create_index(op.f("ix_calibration_answers_session_id"), t, ["session_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_calibration_answers_session_id"), table_name="calibration_answers")
    op.drop_table("calibration_answers")
    op.drop_index(op.f("ix_calibration_raters_user_id"), table_name="calibration_raters")
    op.drop_table("calibration_raters")
    op.drop_index("ix_calibration_sessions_checklist", table_name="calibration_sessions")
    op.drop_table("calibration_sessions")
