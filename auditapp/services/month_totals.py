"""Month totals of the audits for the insight pages, and reading them over any period.

Six tables, each the GROUP BY of one insight over a month of audit rows:

- interactions: by checklist, channel, customer type, outcome and score band (the
  label of the checklist's own band the audit scored in);
- raters: by checklist, channel and supervisor;
- sections: by checklist, staff member and section (the heat map, the staff page);
- staff items: by checklist, staff member and item (a team's item analysis, the staff
  page's most-missed items);
- staff interactions and staff raters: the first two by staff member as well (a team's
  interaction and rater tables).

The first two are recomputed per (month, checklist, channel) group, the last four per
(month, checklist, staff member), from the audit rows themselves, by rollups.record_changes, which
every service that writes an audit calls before it commits; a group can never drift from
the rows it counts. A period is read from them by period_totals.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import (
    Date,
    Float,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from auditapp.models import (
    Audit,
    AuditItem,
    AuditSection,
    InteractionMonthTotal,
    RaterMonthTotal,
    SectionMonthTotal,
    StaffInteractionMonthTotal,
    StaffItemMonthTotal,
    StaffRaterMonthTotal,
)

from .periods import month_end


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Rollup:
    """One month-total table: its key columns, what is summed (or max'ed) over the audit
    rows, and the rows it reads."""

    table: type
    group: str  # besides month and checklist, what a recompute is keyed by
    key_columns: Callable[[], list]  # (name, expression over the rows)
    value_columns: Callable[[], list]  # (name, aggregate over the rows, "sum" or "max")
    source: Callable[[Select], Select]  # joins beyond the audits

    # The expressions are built once per table: SQL expressions are immutable and may be
    # shared between statements, and building them anew cost a page 10 ms of Python.
    @cached_property
    def keys(self) -> list:
        return self.key_columns()

    @cached_property
    def values(self) -> list:
        return self.value_columns()

    def names(self) -> list[str]:
        return [n for n, _ in self.keys] + [n for n, _, _ in self.values]


def _interaction_values() -> list:
    return [
        ("rows", func.count(Audit.id), "sum"),
        ("duration_sum", cast(func.coalesce(func.sum(Audit.duration_minutes), 0), Float), "sum"),
        ("duration_n", func.count(Audit.duration_minutes), "sum"),
        ("value_sum", func.coalesce(cast(func.sum(Audit.monetary_value), Float), 0.0), "sum"),
        ("value_n", func.count(Audit.monetary_value), "sum"),
        ("leads", _count_if(Audit.lead_captured.is_(True)), "sum"),
    ]


def _interaction_keys() -> list:
    return [
        ("channel", Audit.channel),
        ("customer_type", Audit.customer_type),
        ("outcome", Audit.outcome),
        # The label of the audit's own checklist band, given by scoring when it was scored:
        # each checklist has its own bands, so no thresholds are written here.
        ("band", Audit.band),
    ]


def _rater_values() -> list:
    return [
        ("rows", func.count(Audit.id), "sum"),
        ("scored", func.count(Audit.overall), "sum"),
        ("overall_sum", func.coalesce(func.sum(Audit.overall), 0.0), "sum"),
        ("overall_squares", func.coalesce(func.sum(Audit.overall * Audit.overall), 0.0), "sum"),
        ("passed", _count_if(Audit.passed.is_(True)), "sum"),
        ("pass_n", func.count(Audit.passed), "sum"),
        # Each audit's failed critical items are listed on the audit row itself, so the
        # headline's count needs no item rows.
        (
            "critical_failed",
            func.coalesce(func.sum(func.json_array_length(Audit.critical_failures)), 0),
            "sum",
        ),
    ]


INTERACTIONS = Rollup(
    InteractionMonthTotal,
    "channel",
    lambda: [("checklist_id", Audit.checklist_id), *_interaction_keys()],
    _interaction_values,
    lambda query: query,
)

RATERS = Rollup(
    RaterMonthTotal,
    "channel",
    lambda: [
        ("checklist_id", Audit.checklist_id),
        ("channel", Audit.channel),
        ("supervisor_id", Audit.supervisor_id),
    ],
    _rater_values,
    lambda query: query,
)

# The same two by staff member, for a team's pages (the tables by channel hold no team).
STAFF_INTERACTIONS = Rollup(
    StaffInteractionMonthTotal,
    "staff_member_id",
    lambda: [
        ("checklist_id", Audit.checklist_id),
        ("staff_member_id", Audit.staff_member_id),
        *_interaction_keys(),
    ],
    _interaction_values,
    lambda query: query,
)

STAFF_RATERS = Rollup(
    StaffRaterMonthTotal,
    "staff_member_id",
    lambda: [
        ("checklist_id", Audit.checklist_id),
        ("staff_member_id", Audit.staff_member_id),
        ("channel", Audit.channel),
        ("supervisor_id", Audit.supervisor_id),
    ],
    _rater_values,
    lambda query: query,
)

SECTIONS = Rollup(
    SectionMonthTotal,
    "staff_member_id",
    lambda: [
        ("checklist_id", Audit.checklist_id),
        ("staff_member_id", Audit.staff_member_id),
        ("section_id", AuditSection.section_id),
    ],
    lambda: [
        ("rows", func.count(AuditSection.audit_id), "sum"),
        ("scored", func.count(AuditSection.percentage), "sum"),
        ("percentage_sum", func.coalesce(func.sum(AuditSection.percentage), 0.0), "sum"),
    ],
    lambda query: query.select_from(AuditSection).join(Audit, Audit.id == AuditSection.audit_id),
)

STAFF_ITEMS = Rollup(
    StaffItemMonthTotal,
    "staff_member_id",
    lambda: [
        ("checklist_id", Audit.checklist_id),
        ("staff_member_id", Audit.staff_member_id),
        ("item_id", AuditItem.item_id),
    ],
    lambda: [
        ("kind", func.max(AuditItem.kind), "max"),
        ("critical", func.max(case((AuditItem.critical.is_(True), 1), else_=0)), "max"),
        ("rows", func.count(AuditItem.audit_id), "sum"),
        ("asked", _count_if(AuditItem.status.in_(("scored", "na"))), "sum"),
        ("scored", _count_if(AuditItem.status == "scored"), "sum"),
        ("met", _count_if(AuditItem.met.is_(True)), "sum"),
        ("na", _count_if(AuditItem.status == "na"), "sum"),
        ("critical_failed", _count_if(AuditItem.critical_failed.is_(True)), "sum"),
    ],
    lambda query: query.select_from(AuditItem).join(Audit, Audit.id == AuditItem.audit_id),
)

BY_CHANNEL = (INTERACTIONS, RATERS)
BY_STAFF = (SECTIONS, STAFF_ITEMS, STAFF_INTERACTIONS, STAFF_RATERS)
ALL = (*BY_CHANNEL, *BY_STAFF)


def observed_between(first: date, last: date) -> list:
    return [
        Audit.observed_at >= datetime.combine(first, time.min),
        Audit.observed_at < datetime.combine(last + timedelta(days=1), time.min),
    ]


def from_rows(
    rollup: Rollup,
    conditions: list,
    lead: list,
    sign: int = 1,
    *,
    group_lead: bool = True,
    keys: list[str] | None = None,
) -> Select:
    """The rollup's GROUP BY over submitted audit rows, led by `lead` columns (a month),
    with its sums multiplied by `sign`; by all its key columns, or only by `keys`."""
    keys = [e for n, e in rollup.keys if keys is None or n in keys]
    values = [
        expr * literal_column(str(sign)) if sign != 1 and how == "sum" else expr
        for _, expr, how in rollup.values
    ]
    return (
        rollup.source(select(*lead, *keys, *values))
        .where(Audit.status == "submitted", *conditions)
        .group_by(*(lead if group_lead else []), *keys)
    )


def recompute(session: Session, rollup: Rollup, month: date, checklist_id: str, value) -> None:
    """Rebuild one (month, checklist, channel or staff member) group from the audit rows."""
    t = rollup.table
    group_column = getattr(t, rollup.group)
    session.execute(
        delete(t).where(t.month == month, t.checklist_id == checklist_id, group_column == value)
    )
    conditions = [
        *observed_between(month, month_end(month)),
        Audit.checklist_id == checklist_id,
        getattr(Audit, rollup.group) == value,
    ]
    query = from_rows(rollup, conditions, [literal(month, Date)], group_lead=False)
    session.execute(
        insert(t).from_select(["month", *rollup.names()], query, include_defaults=False)
    )


def rebuild(session: Session) -> None:
    """Rebuild every month total from the audit rows (after a bulk load or a restore)."""
    if session.get_bind().dialect.name == "postgresql":
        month = cast(func.date_trunc(literal_column("'month'"), Audit.observed_at), Date)
    else:
        month = func.date(Audit.observed_at, literal_column("'start of month'"))
    for rollup in ALL:
        session.execute(delete(rollup.table))
        query = from_rows(rollup, [], [month])
        session.execute(
            insert(rollup.table).from_select(
                ["month", *rollup.names()], query, include_defaults=False
            )
        )
