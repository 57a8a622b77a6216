"""an index of the audits by checklist, status and time observed (with the score on
PostgreSQL), in place of the index of the checklist alone: the trend of one checklist's
audits over a period reads a tight range of it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 16:40:00

"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_audits_checklist_observed",
        "audits",
        ["checklist_id", "status", "observed_at"],
        postgresql_include=["overall"],
    )
    # Led by the checklist as well, the new index serves every look-up the old one did.
    op.drop_index("ix_audits_checklist_id", table_name="audits")


def downgrade():
    op.create_index("ix_audits_checklist_id", "audits", ["checklist_id"])
    op.drop_index("ix_audits_checklist_observed", table_name="audits")
