"""month totals of interactions, raters, sections and items per staff member, and an index
of the critical failures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "interaction_month_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("customer_type", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("band", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("duration_sum", sa.Float(), nullable=False),
        sa.Column("duration_n", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.Column("value_n", sa.Integer(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_month_totals")),
    )
    op.create_index(
        "ix_interaction_month_totals_group",
        "interaction_month_totals",
        ["month", "checklist_id", "channel"],
    )
    op.create_table(
        "rater_month_totals",
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
            "month",
            "checklist_id",
            "channel",
            "supervisor_id",
            name=op.f("pk_rater_month_totals"),
        ),
    )
    op.create_table(
        "section_month_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.String(length=100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("percentage_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "checklist_id",
            "staff_member_id",
            "section_id",
            name=op.f("pk_section_month_totals"),
        ),
    )
    op.create_table(
        "staff_item_month_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("critical", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("na", sa.Integer(), nullable=False),
        sa.Column("critical_failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "staff_member_id",
            "month",
            "checklist_id",
            "item_id",
            name=op.f("pk_staff_item_month_totals"),
        ),
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
        INSERT INTO interaction_month_totals (month, checklist_id, channel, customer_type,
            outcome, band, rows, duration_sum, duration_n, value_sum, value_n, leads)
        SELECT {month}, a.checklist_id, a.channel, a.customer_type, a.outcome,
               CASE WHEN a.overall IS NULL THEN NULL WHEN a.overall < 60 THEN 0
                    WHEN a.overall < 80 THEN 1 ELSE 2 END,
               count(a.id), CAST(coalesce(sum(a.duration_minutes), 0) AS FLOAT),
               count(a.duration_minutes), coalesce(CAST(sum(a.monetary_value) AS FLOAT), 0),
               count(a.monetary_value),
               coalesce(sum(CASE WHEN a.lead_captured = {true} THEN 1 ELSE 0 END), 0)
        FROM audits a WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.channel, a.customer_type, a.outcome,
                 CASE WHEN a.overall IS NULL THEN NULL WHEN a.overall < 60 THEN 0
                      WHEN a.overall < 80 THEN 1 ELSE 2 END
        """
    )
    op.execute(
        f"""
        INSERT INTO rater_month_totals (month, checklist_id, channel, supervisor_id, rows,
            scored, overall_sum, overall_squares, passed, pass_n)
        SELECT {month}, a.checklist_id, a.channel, a.supervisor_id, count(a.id),
               count(a.overall), coalesce(sum(a.overall), 0),
               coalesce(sum(a.overall * a.overall), 0),
               coalesce(sum(CASE WHEN a.passed = {true} THEN 1 ELSE 0 END), 0), count(a.passed)
        FROM audits a WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.channel, a.supervisor_id
        """
    )
    op.execute(
        f"""
        INSERT INTO section_month_totals (month, checklist_id, staff_member_id, section_id,
            rows, scored, percentage_sum)
        SELECT {month}, a.checklist_id, a.staff_member_id, s.section_id, count(s.audit_id),
               count(s.percentage), coalesce(sum(s.percentage), 0)
        FROM audit_sections s JOIN audits a ON a.id = s.audit_id
        WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.staff_member_id, s.section_id
        """
    )
    op.execute(
        f"""
        INSERT INTO staff_item_month_totals (month, checklist_id, staff_member_id, item_id,
            kind, critical, rows, asked, scored, met, na, critical_failed)
        SELECT {month}, a.checklist_id, a.staff_member_id, i.item_id, max(i.kind),
               max(CASE WHEN i.critical = {true} THEN 1 ELSE 0 END), count(i.audit_id),
               coalesce(sum(CASE WHEN i.status IN ('scored', 'na') THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.status = 'scored' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.met = {true} THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.status = 'na' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN i.critical_failed = {true} THEN 1 ELSE 0 END), 0)
        FROM audit_items i JOIN audits a ON a.id = i.audit_id
        WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.staff_member_id, i.item_id
        """
    )
    # The item totals count their rows too, so that a month less some days is exact; they
    # are filled again from the item rows, as migration 0004 first filled them.
    for table in ("item_day_totals", "item_month_totals"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("rows", sa.Integer(), nullable=False, server_default="0"))
    day = "CAST(a.observed_at AS DATE)" if postgres else "date(a.observed_at)"
    month_of_day = (
        "CAST(date_trunc('month', d.day) AS DATE)" if postgres else "date(d.day, 'start of month')"
    )
    op.execute("DELETE FROM item_month_totals")
    op.execute("DELETE FROM item_day_totals")
    op.execute(
        f"""
        INSERT INTO item_day_totals (day, checklist_id, channel, item_id, kind, critical, rows,
                                     asked, scored, met, na, critical_failed)
        SELECT {day}, a.checklist_id, a.channel, i.item_id, max(i.kind),
               max(CASE WHEN i.critical THEN 1 ELSE 0 END) = 1, count(i.audit_id),
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
                                       rows, asked, scored, met, na, critical_failed)
        SELECT {month_of_day}, d.checklist_id, d.channel, d.item_id, max(d.kind),
               max(CASE WHEN d.critical THEN 1 ELSE 0 END) = 1, sum(d.rows),
               sum(d.asked), sum(d.scored), sum(d.met), sum(d.na), sum(d.critical_failed)
        FROM item_day_totals d
        GROUP BY {month_of_day}, d.checklist_id, d.channel, d.item_id
        """
    )
    op.create_index(
        "ix_audit_items_critical_failed",
        "audit_items",
        ["audit_id", "item_id"],
        sqlite_where=sa.text("critical_failed IS 1"),
        postgresql_where=sa.text("critical_failed IS true"),
    )


def downgrade():
    op.drop_index("ix_audit_items_critical_failed", table_name="audit_items")
    for table in ("item_month_totals", "item_day_totals"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("rows")
    op.drop_table("staff_item_month_totals")
    op.drop_table("section_month_totals")
    op.drop_table("rater_month_totals")
    op.drop_index("ix_interaction_month_totals_group", table_name="interaction_month_totals")
    op.drop_table("interaction_month_totals")
