"""an index of the item totals by staff member led by the checklist and month: /insights
sums everyone's months of its heat map's checklist from the index alone, where it scanned
the whole table (45 of /insights' 190 ms at 1,000,000 audits on PostgreSQL)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 23:15:00

"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INCLUDED = [
    "staff_member_id",
    "item_id",
    "kind",
    "critical",
    "rows",
    "asked",
    "scored",
    "met",
    "na",
    "critical_failed",
]


def upgrade():
    op.create_index(
        "ix_staff_item_month_totals_checklist",
        "staff_item_month_totals",
        ["checklist_id", "month"],
        postgresql_include=INCLUDED,
    )


def downgrade():
    op.drop_index("ix_staff_item_month_totals_checklist", table_name="staff_item_month_totals")
