"""month totals of interactions and raters by staff member, for a team's pages; indexes
led by the staff member that hold every column of the staff totals on PostgreSQL; the item
rows' covering index holds every column the item totals count

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 21:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


ITEMS_COVER_0003 = ["audit_id", "status", "met", "item_id"]
ITEMS_COVER = [*ITEMS_COVER_0003, "kind", "critical", "critical_failed"]


def upgrade():
    # The item counts of a period's edge days (a team's page, recomputing a group's totals)
    # then read the index alone instead of each audit's page of item rows.
    with op.batch_alter_table("audit_items", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_items_audit_status_met")
        batch_op.create_index("ix_audit_items_audit_status_met", ITEMS_COVER, unique=False)
    op.create_table(
        "staff_interaction_month_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("customer_type", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("band", sa.String(length=100), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("duration_sum", sa.Float(), nullable=False),
        sa.Column("duration_n", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.Column("value_n", sa.Integer(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_interaction_month_totals")),
    )
    op.create_index(
        "ix_staff_interaction_month_totals_group",
        "staff_interaction_month_totals",
        ["staff_member_id", "month", "checklist_id"],
        postgresql_include=[
            "channel",
            "customer_type",
            "outcome",
            "band",
            "rows",
            "duration_sum",
            "duration_n",
            "value_sum",
            "value_n",
            "leads",
        ],
    )
    op.create_table(
        "staff_rater_month_totals",
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("overall_sum", sa.Float(), nullable=False),
        sa.Column("overall_squares", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("pass_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "staff_member_id",
            "month",
            "checklist_id",
            "channel",
            "supervisor_id",
            name=op.f("pk_staff_rater_month_totals"),
        ),
    )
    # A team's members' months are read from these indexes alone on PostgreSQL: one
    # member's rows are spread over the whole table, a heap page each.
    op.create_index(
        "ix_staff_rater_month_totals_cover",
        "staff_rater_month_totals",
        ["staff_member_id", "month", "checklist_id"],
        postgresql_include=[
            "channel",
            "supervisor_id",
            "rows",
            "scored",
            "overall_sum",
            "overall_squares",
            "passed",
            "pass_n",
        ],
    )
    op.create_index(
        "ix_staff_item_month_totals_cover",
        "staff_item_month_totals",
        ["staff_member_id", "month", "checklist_id"],
        postgresql_include=[
            "item_id",
            "kind",
            "critical",
            "rows",
            "asked",
            "scored",
            "met",
            "na",
            "critical_failed",
        ],
    )
    # The staff page reads one person's (and their team's) section totals over every month.
    op.create_index(
        "ix_section_month_totals_staff",
        "section_month_totals",
        ["staff_member_id", "month", "checklist_id"],
        postgresql_include=["section_id", "rows", "scored", "percentage_sum"],
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    month = (
        "CAST(date_trunc('month', a.observed_at) AS DATE)"
        if postgres
        else "date(a.observed_at, 'start of month')"
    )
    true = "true" if postgres else "1"
    # Written out here rather than imported from the app, so that this step stays what it
    # was when later versions of the app change.
    op.execute(
        f"""
        INSERT INTO staff_interaction_month_totals (month, checklist_id, staff_member_id,
            channel, customer_type, outcome, band, rows, duration_sum, duration_n, value_sum,
            value_n, leads)
        SELECT {month}, a.checklist_id, a.staff_member_id, a.channel, a.customer_type,
               a.outcome, a.band, count(a.id),
               CAST(coalesce(sum(a.duration_minutes), 0) AS FLOAT), count(a.duration_minutes),
               coalesce(CAST(sum(a.monetary_value) AS FLOAT), 0), count(a.monetary_value),
               coalesce(sum(CASE WHEN a.lead_captured = {true} THEN 1 ELSE 0 END), 0)
        FROM audits a WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.staff_member_id, a.channel, a.customer_type,
                 a.outcome, a.band
        """
    )
    op.execute(
        f"""
        INSERT INTO staff_rater_month_totals (month, checklist_id, staff_member_id, channel,
            supervisor_id, rows, scored, overall_sum, overall_squares, passed, pass_n)
        SELECT {month}, a.checklist_id, a.staff_member_id, a.channel, a.supervisor_id,
               count(a.id), count(a.overall), coalesce(sum(a.overall), 0),
               coalesce(sum(a.overall * a.overall), 0),
               coalesce(sum(CASE WHEN a.passed = {true} THEN 1 ELSE 0 END), 0), count(a.passed)
        FROM audits a WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.staff_member_id, a.channel, a.supervisor_id
        """
    )


def downgrade():
    with op.batch_alter_table("audit_items", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_items_audit_status_met")
        batch_op.create_index("ix_audit_items_audit_status_met", ITEMS_COVER_0003, unique=False)
    op.drop_index("ix_section_month_totals_staff", table_name="section_month_totals")
    op.drop_index("ix_staff_item_month_totals_cover", table_name="staff_item_month_totals")
    op.drop_index("ix_staff_rater_month_totals_cover", table_name="staff_rater_month_totals")
    op.drop_table("staff_rater_month_totals")
    op.drop_index(
        "ix_staff_interaction_month_totals_group", table_name="staff_interaction_month_totals"
    )
    op.drop_table("staff_interaction_month_totals")
