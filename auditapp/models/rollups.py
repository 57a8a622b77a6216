"""Totals kept beside the audits so that the insight pages count days and months, not
item rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.extensions import db


class _ItemCounts:
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    critical: Mapped[bool]
    rows: Mapped[int]  # item rows counted, so that a period's edges can be taken away
    asked: Mapped[int]  # scored or N/A
    scored: Mapped[int]
    met: Mapped[int]
    na: Mapped[int]
    critical_failed: Mapped[int]


class ItemDayTotal(_ItemCounts, db.Model):
    """One item's counts over the submitted audits of one day, checklist and channel.

    Kept up to date on every submit and amendment (rollups.record_changes), and rebuilt from
    the item rows, never edited by hand: a row can always be recomputed from audit_items.
    """

    __tablename__ = "item_day_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ItemMonthTotal(_ItemCounts, db.Model):
    """The same counts over a calendar month (`month` is its first day), summed from the
    day totals, so that the whole months of a period are read as one row per item."""

    __tablename__ = "item_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)


# Month totals of the audits themselves, one table per insight. Each is recomputed from the
# audit rows for the (month, checklist, channel) or (month, checklist, staff member) groups
# a write touched (services/month_totals.py). `rows` counts the rows summed, so that
# a group whose rows were all taken away by a period's edges can be told from an empty one.


class InteractionMonthTotal(db.Model):
    """Audits of a month by checklist, channel, customer type, outcome and score band."""

    __tablename__ = "interaction_month_totals"
    __table_args__ = (
        Index("ix_interaction_month_totals_group", "month", "checklist_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    checklist_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    customer_type: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    # The audit's band: a label of its checklist's own bands; None unscored or no bands.
    band: Mapped[str | None] = mapped_column(String(100))
    rows: Mapped[int]
    duration_sum: Mapped[float]
    duration_n: Mapped[int]
    value_sum: Mapped[float]
    value_n: Mapped[int]
    leads: Mapped[int]


class RaterMonthTotal(db.Model):
    """Audits of a month by checklist, channel and supervisor, with the sums of scores."""

    __tablename__ = "rater_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(primary_key=True)
    rows: Mapped[int]
    scored: Mapped[int]
    overall_sum: Mapped[float]
    overall_squares: Mapped[float]
    passed: Mapped[int]
    pass_n: Mapped[int]
    critical_failed: Mapped[int]  # critical items failed, summed over the audits


class SectionMonthTotal(db.Model):
    """One staff member's section percentages over a month of one checklist."""

    __tablename__ = "section_month_totals"
    __table_args__ = (
        # A person's (or a team's) months: the staff page reads them over open periods.
        Index(
            "ix_section_month_totals_staff",
            "staff_member_id",
            "month",
            "checklist_id",
            postgresql_include=["section_id", "rows", "scored", "percentage_sum"],
        ),
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    rows: Mapped[int]
    scored: Mapped[int]
    percentage_sum: Mapped[float]


# The item totals' counts: both indexes of the table below carry them, so that the pages
# read them from the index alone on PostgreSQL.
_ITEM_COUNTS = ["kind", "critical", "rows", "asked", "scored", "met", "na", "critical_failed"]


class StaffItemMonthTotal(db.Model):
    """One staff member's item counts over a month of one checklist (the team pages)."""

    __tablename__ = "staff_item_month_totals"
    __table_args__ = (
        # A team's (or a person's) months from the index alone on PostgreSQL (migration 0010).
        Index(
            "ix_staff_item_month_totals_cover",
            "staff_member_id",
            "month",
            "checklist_id",
            postgresql_include=["item_id", *_ITEM_COUNTS],
        ),
        # Everyone's months of one checklist (who missed what on /insights' heat map
        # checklist) from the index alone, not a scan of every checklist (migration 0016).
        Index(
            "ix_staff_item_month_totals_checklist",
            "checklist_id",
            "month",
            postgresql_include=["staff_member_id", "item_id", *_ITEM_COUNTS],
        ),
    )

    # Led by the staff member: a team's page reads its members' months, a range each.
    staff_member_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    critical: Mapped[int]  # 0/1, so that max() works on both databases
    rows: Mapped[int]
    asked: Mapped[int]
    scored: Mapped[int]
    met: Mapped[int]
    na: Mapped[int]
    critical_failed: Mapped[int]


# The same interaction and rater totals by staff member, for one team's pages: the tables by
# channel hold no staff member, and a team is its members' audits (a staff member who
# changes teams takes their audits along). Recomputed per (month, checklist, staff member)
# group, as the section and item totals by staff member are.


class StaffInteractionMonthTotal(db.Model):
    """One staff member's audits of a month by checklist, channel, customer type, outcome
    and score band."""

    __tablename__ = "staff_interaction_month_totals"
    __table_args__ = (
        # Led by the staff member: a team's page reads its members' months, a range each,
        # from the index alone on PostgreSQL (the other columns are included in it): the
        # rows of one member are spread over the whole table.
        Index(
            "ix_staff_interaction_month_totals_group",
            "staff_member_id",
            "month",
            "checklist_id",
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
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int]
    month: Mapped[date] = mapped_column(Date)
    checklist_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    customer_type: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    band: Mapped[str | None] = mapped_column(String(100))
    rows: Mapped[int]
    duration_sum: Mapped[float]
    duration_n: Mapped[int]
    value_sum: Mapped[float]
    value_n: Mapped[int]
    leads: Mapped[int]


class StaffRaterMonthTotal(db.Model):
    """One staff member's audits of a month by checklist, channel and supervisor, with the
    sums of scores."""

    __tablename__ = "staff_rater_month_totals"
    __table_args__ = (
        # A team's members' months from the index alone on PostgreSQL, as above.
        Index(
            "ix_staff_rater_month_totals_cover",
            "staff_member_id",
            "month",
            "checklist_id",
            postgresql_include=[
                "channel",
                "supervisor_id",
                "rows",
                "scored",
                "overall_sum",
                "overall_squares",
                "passed",
                "pass_n",
                "critical_failed",
            ],
        ),
    )

    staff_member_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(primary_key=True)
    rows: Mapped[int]
    scored: Mapped[int]
    overall_sum: Mapped[float]
    overall_squares: Mapped[float]
    passed: Mapped[int]
    pass_n: Mapped[int]
    critical_failed: Mapped[int]  # critical items failed, summed over the audits
