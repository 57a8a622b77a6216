"""the failed critical items of each group of audits in the rater totals (by channel and by
staff member), so that a period's headline counts them from the audit totals instead of
the item rows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COVER = ["channel", "supervisor_id", "rows", "scored", "overall_sum", "overall_squares"]
COVER_0010 = [*COVER, "passed", "pass_n"]


def _cover(include: list[str]) -> None:
    op.drop_index("ix_staff_rater_month_totals_cover", table_name="staff_rater_month_totals")
    op.create_index(
        "ix_staff_rater_month_totals_cover",
        "staff_rater_month_totals",
        ["staff_member_id", "month", "checklist_id"],
        postgresql_include=include,
    )


INSIGHTS_COVER = [
    "status",
    "observed_at",
    "checklist_id",
    "channel",
    "customer_type",
    "outcome",
    "band",
    "overall",
    "passed",
    "supervisor_id",
    "staff_member_id",
    "duration_minutes",
    "monetary_value",
    "lead_captured",
    "id",
]


def _insights_cover(include: list[str]) -> None:
    # PostgreSQL only: elsewhere the index has no included columns, and stays as it is.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_audits_insights_cover", table_name="audits")
    op.create_index(
        "ix_audits_insights_cover", "audits", INSIGHTS_COVER, postgresql_include=include
    )


def upgrade():
    # A period's edge days are counted from the audit rows: with each audit's list of
    # failed critical items in the index, still from the index alone.
    _insights_cover(["critical_failures"])
    for table in ("rater_month_totals", "staff_rater_month_totals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("critical_failed", sa.Integer(), nullable=False, server_default="0")
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("critical_failed", server_default=None)
    postgres = op.get_bind().dialect.name == "postgresql"
    month = (
        "CAST(date_trunc('month', a.observed_at) AS DATE)"
        if postgres
        else "date(a.observed_at, 'start of month')"
    )
    true = "true" if postgres else "1"
    # Both tables made again from the audit rows, written out here rather than imported
    # from the app, so that this step stays what it was when later versions change.
    values = f"""count(a.id), count(a.overall), coalesce(sum(a.overall), 0),
        coalesce(sum(a.overall * a.overall), 0),
        coalesce(sum(CASE WHEN a.passed = {true} THEN 1 ELSE 0 END), 0), count(a.passed),
        coalesce(sum(json_array_length(a.critical_failures)), 0)"""
    names = "rows, scored, overall_sum, overall_squares, passed, pass_n, critical_failed"
    for table, keys in (
        ("rater_month_totals", "a.checklist_id, a.channel, a.supervisor_id"),
        (
            "staff_rater_month_totals",
            "a.checklist_id, a.staff_member_id, a.channel, a.supervisor_id",
        ),
    ):
        op.execute(f"DELETE FROM {table}")
        op.execute(
            f"""
            INSERT INTO {table} (month, {keys.replace("a.", "")}, {names})
            SELECT {month}, {keys}, {values}
            FROM audits a WHERE a.status = 'submitted'
            GROUP BY {month}, {keys}
            """
        )
    _cover([*COVER_0010, "critical_failed"])


def downgrade():
    _insights_cover([])
    _cover(COVER_0010)
    for table in ("rater_month_totals", "staff_rater_month_totals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("critical_failed")
