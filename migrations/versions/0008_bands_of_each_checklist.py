"""interaction month totals by each checklist's own band label, not by fixed 60/80 cut-offs;
the band in the audits' covering index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# As in 0004, with the band after the outcome: the interaction totals' rows for a period's
# edge days are then read from the index alone, as before.
COVER = [
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
COVER_0004 = [c for c in COVER if c != "band"]


def _interaction_totals(band_type) -> None:
    op.create_table(
        "interaction_month_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("customer_type", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("band", band_type, nullable=True),
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


def _fill_interaction_totals(band: str) -> None:
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
        SELECT {month}, a.checklist_id, a.channel, a.customer_type, a.outcome, {band},
               count(a.id), CAST(coalesce(sum(a.duration_minutes), 0) AS FLOAT),
               count(a.duration_minutes), coalesce(CAST(sum(a.monetary_value) AS FLOAT), 0),
               count(a.monetary_value),
               coalesce(sum(CASE WHEN a.lead_captured = {true} THEN 1 ELSE 0 END), 0)
        FROM audits a WHERE a.status = 'submitted'
        GROUP BY {month}, a.checklist_id, a.channel, a.customer_type, a.outcome, {band}
        """
    )


def upgrade():
    # Every submitted audit has held its band's label, from its own checklist's bands, since
    # the first schema (services/audits.py stores scoring's result): the totals are
    # regrouped by it. The table is made anew: its key column changes type.
    op.drop_index("ix_interaction_month_totals_group", table_name="interaction_month_totals")
    op.drop_table("interaction_month_totals")
    _interaction_totals(sa.String(length=100))
    _fill_interaction_totals("a.band")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index("ix_audits_insights_cover")
        batch_op.create_index("ix_audits_insights_cover", COVER, unique=False)


def downgrade():
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index("ix_audits_insights_cover")
        batch_op.create_index("ix_audits_insights_cover", COVER_0004, unique=False)
    op.drop_index("ix_interaction_month_totals_group", table_name="interaction_month_totals")
    op.drop_table("interaction_month_totals")
    _interaction_totals(sa.Integer())
    # What 0006 stored: the fixed cut-offs of the app before this revision.
    _fill_interaction_totals(
        "CASE WHEN a.overall IS NULL THEN NULL WHEN a.overall < 60 THEN 0 "
        "WHEN a.overall < 80 THEN 1 ELSE 2 END"
    )
