"""per-day and per-month item totals and a covering index for the insight pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Every column the interaction and rater tables read, after the (status, observed_at) range,
# so that a period's audits are counted from the index alone.
COVER = [
    "status",
    "observed_at",
    "checklist_id",
    "channel",
    "customer_type",
    "outcome",
    "overall",
    "passed",
    "supervisor_id",
    "staff_member_id",
    "duration_minutes",
    "monetary_value",
    "lead_captured",
    "id",  # PostgreSQL indexes hold no row id of their own; joins to the audit need it
]


def upgrade():
    for table, period in (("item_day_totals", "day"), ("item_month_totals", "month")):
        op.create_table(
            table,
            sa.Column(period, sa.Date(), nullable=False),
            sa.Column("checklist_id", sa.String(length=100), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("item_id", sa.String(length=100), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("critical", sa.Boolean(), nullable=False),
            sa.Column("asked", sa.Integer(), nullable=False),
            sa.Column("scored", sa.Integer(), nullable=False),
            sa.Column("met", sa.Integer(), nullable=False),
            sa.Column("na", sa.Integer(), nullable=False),
            sa.Column("critical_failed", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(
                period, "checklist_id", "channel", "item_id", name=op.f(f"pk_{table}")
            ),
        )
    day, month = "date(a.observed_at)", "date(d.day, 'start of month')"
    if op.get_bind().dialect.name == "postgresql":
        day, month = "CAST(a.observed_at AS DATE)", "CAST(date_trunc('month', d.day) AS DATE)"
    # Written out here rather than imported from the app, so that this step stays what it
    # was when later versions of the app change.
    op.execute(
        f"""
        INSERT INTO item_day_totals (day, checklist_id, channel, item_id, kind, critical,
                                     asked, scored, met, na, critical_failed)
        SELECT {day}, a.checklist_id, a.channel, i.item_id, max(i.kind),
               max(CASE WHEN i.critical THEN 1 ELSE 0 END) = 1,
               coalesce(sum(CASE WHEN i.status IN ('scored', 'na') THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.status = 'scored' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.met THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.status = 'na' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.critical_failed THEN 1 ELSE 0 END), 0)
        FROM audit_items i JOIN audits a ON a.id = i.audit_id
        WHERE a.status = 'submitted'
        GROUP BY {day}, a.checklist_id, a.channel, i.item_id
        """
    )
    op.execute(
        f"""
        INSERT INTO item_month_totals (month, checklist_id, channel, item_id, kind, critical,
                                       asked, scored, met, na, critical_failed)
        SELECT {month}, d.checklist_id, d.channel, d.item_id, max(d.kind),
               max(CASE WHEN d.critical THEN 1 ELSE 0 END) = 1,
               sum(d.asked), sum(d.scored), sum(d.met), sum(d.na), sum(d.critical_failed)
        FROM item_day_totals d
        GROUP BY {month}, d.checklist_id, d.channel, d.item_id
        """
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index("ix_audits_insights_cover", COVER, unique=False)
        batch_op.drop_index("ix_audits_status_observed")
    with op.batch_alter_table("audit_sections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_sections_audit_cover", ["audit_id", "section_id", "percentage"]
        )
        batch_op.drop_index("ix_audit_sections_audit_id")


def downgrade():
    with op.batch_alter_table("audit_sections", schema=None) as batch_op:
        batch_op.create_index("ix_audit_sections_audit_id", ["audit_id"], unique=False)
        batch_op.drop_index("ix_audit_sections_audit_cover")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index("ix_audits_status_observed", ["status", "observed_at"], unique=False)
        batch_op.drop_index("ix_audits_insights_cover")
    op.drop_table("item_month_totals")
    op.drop_table("item_day_totals")
