"""Per-day item totals (item_day_totals), kept in step with the audits they count.

The all-teams insight page would otherwise group every item row of its period: about
280,000 rows for 90 days at 100,000 audits a year. The totals hold one row per day,
checklist, channel and item, so the same figures come from a few thousand rows.

Every service that writes an audit calls `record_changes` last before it commits, in the
same transaction: it recomputes the totals of the groups the audit counts in now and
counted in before the change, from the rows themselves. Recomputing rather than adding
deltas means a group cannot drift from the rows it counts. The same call keeps the month
totals of month_totals.py: per (month, checklist, channel) and per (month, checklist,
staff member) group. Bulk loads and restores call `rebuild_all` instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    Integer,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, ItemDayTotal, ItemMonthTotal

from . import event_log, month_totals, periods

Key = tuple[date, str, str]  # (day, checklist id, channel)
Group = tuple[date, str, str, int]  # (day, checklist id, channel, staff member id)

# PostgreSQL advisory locks (namespace, key) that serialise recomputing one group: two
# transactions rebuilding the same group would otherwise both insert its rows. The event
# log takes (7302, 1) in services/event_log.py.
_LOCK_NAMESPACE = 7301  # (month, checklist, channel)
_STAFF_LOCK_NAMESPACE = 7303  # (month, checklist, staff member)


def groups_of(audit: Audit) -> frozenset[Group]:
    """The groups of the totals that `audit` counts in as it stands: none for a draft.

    A service that may move a submitted audit to another day, channel, checklist or staff
    member takes these before changing it and hands them to `record_changes`.
    """
    if audit.status != "submitted":
        return frozenset()
    staff_id = audit.staff_member_id
    if staff_id is None and audit.staff_member is not None:
        staff_id = audit.staff_member.id
    return frozenset({(audit.observed_at.date(), audit.checklist_id, audit.channel, staff_id)})


def record_changes(audit: Audit, before: Iterable[Group] = ()) -> None:
    """Bring every total in step with `audit` in the current transaction: the groups it
    counts in now and the groups it counted in `before` this transaction changed it.

    Each service that writes an audit calls this last, right before its commit, so that
    the totals commit with the audit or not at all. It does not commit.
    """
    db.session.flush()  # the audit's rows, and a new audit's staff member id
    _refresh(db.session, set(before) | groups_of(audit))


def _refresh(session: Session, groups: Iterable[Group]) -> None:
    """Recompute the totals of these groups from the rows, in the session's transaction."""
    groups = set(groups)
    if not groups:
        return
    by_channel = {(day, c, channel) for day, c, channel, _ in groups}
    by_staff = {(day.replace(day=1), c, s) for day, c, _, s in groups}
    if session.get_bind().dialect.name == "postgresql":
        _lock(session, by_channel, by_staff)
    _recompute_by_channel(session, by_channel)
    _recompute_by_staff(session, by_staff)


def _lock(session: Session, by_channel: set[Key], by_staff: set[tuple[date, str, int]]) -> None:
    # Every lock this transaction needs, taken here, all at once, in ascending (namespace,
    # key) order, and held to commit. Two transactions that share groups therefore take
    # the shared locks in the same order, so neither can hold one the other waits for
    # while waiting for one the other holds; two groups whose keys collide share one lock
    # and stay in that order too. Taken after the service's own writes (the audit's row
    # and unique-token locks come first) and before the event log's lock, which the log
    # takes when the session commits, after this.
    keys = {(_LOCK_NAMESPACE, _lock_key(d.replace(day=1), c, ch)) for d, c, ch in by_channel}
    keys |= {(_STAFF_LOCK_NAMESPACE, _lock_key(m, c, str(s))) for m, c, s in by_staff}
    for namespace, key in sorted(keys):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": namespace, "key": key},
        )


def _recompute_by_channel(session: Session, keys: Iterable[Key]) -> None:
    """Rebuild the totals of these (day, checklist, channel) groups from the item rows, the
    month item totals they sum into, and the month totals by channel of those months.
    On PostgreSQL the caller holds the groups' locks (`_refresh`)."""
    months: dict[tuple[date, str, str], set[date]] = {}
    for day, checklist_id, channel in keys:
        months.setdefault((day.replace(day=1), checklist_id, channel), set()).add(day)
    for month, checklist_id, channel in sorted(months):
        for day in sorted(months[(month, checklist_id, channel)]):
            _recompute_day(session, day, checklist_id, channel)
        _recompute_month(session, month, checklist_id, channel)
        for rollup in month_totals.BY_CHANNEL:
            month_totals.recompute(session, rollup, month, checklist_id, channel)


def _recompute_by_staff(session: Session, keys: Iterable[tuple[date, str, int]]) -> None:
    """Rebuild the month totals by staff member of these (month, checklist, staff) groups.
    On PostgreSQL the caller holds the groups' locks (`_refresh`)."""
    for month, checklist_id, staff_id in sorted(keys):
        for rollup in month_totals.BY_STAFF:
            month_totals.recompute(session, rollup, month, checklist_id, staff_id)


def _recompute_day(session: Session, day: date, checklist_id: str, channel: str) -> None:
    t = ItemDayTotal
    session.execute(
        delete(t).where(t.day == day, t.checklist_id == checklist_id, t.channel == channel)
    )
    start = datetime.combine(day, time.min)
    query = _from_item_rows(literal(day, Date)).where(
        Audit.observed_at >= start,
        Audit.observed_at < start + timedelta(days=1),
        Audit.checklist_id == checklist_id,
        Audit.channel == channel,
    )
    session.execute(insert(t).from_select(["day", *COLUMNS], query, include_defaults=False))


def _recompute_month(session: Session, month: date, checklist_id: str, channel: str) -> None:
    m = ItemMonthTotal
    session.execute(
        delete(m).where(m.month == month, m.checklist_id == checklist_id, m.channel == channel)
    )
    next_month = (month + timedelta(days=32)).replace(day=1)
    query = _from_day_totals(literal(month, Date)).where(
        ItemDayTotal.day >= month,
        ItemDayTotal.day < next_month,
        ItemDayTotal.checklist_id == checklist_id,
        ItemDayTotal.channel == channel,
    )
    session.execute(insert(m).from_select(["month", *COLUMNS], query, include_defaults=False))


def rebuild_all(session: Session) -> None:
    """Rebuild every total from the audit and item rows (after a bulk load or a restore),
    in the caller's transaction."""
    event_log.record("totals_rebuilt", None, "the day and month totals")
    postgres = session.get_bind().dialect.name == "postgresql"
    day = cast(Audit.observed_at, Date) if postgres else func.date(Audit.observed_at)
    session.execute(delete(ItemMonthTotal))
    session.execute(delete(ItemDayTotal))
    by_day = _from_item_rows(day).group_by(day)
    session.execute(
        insert(ItemDayTotal).from_select(["day", *COLUMNS], by_day, include_defaults=False)
    )
    month = (
        cast(func.date_trunc("month", ItemDayTotal.day), Date)
        if postgres
        else func.date(ItemDayTotal.day, "start of month")
    )
    by_month = _from_day_totals(month).group_by(month)
    session.execute(
        insert(ItemMonthTotal).from_select(["month", *COLUMNS], by_month, include_defaults=False)
    )
    month_totals.rebuild(session)


def item_counts(
    start: date,
    end: date,
    checklist_id: str | None,
    channel: str | None,
):
    """Per (checklist, item) over the days start..end, both included: kind, critical (0/1),
    asked, scored, met, N/A and critical failures. Whole calendar months are read from the
    month totals, plus or minus the days at the period's edges from the day totals
    (periods.plan)."""
    plan = periods.plan(start, end)
    d, m = ItemDayTotal, ItemMonthTotal
    parts = []
    if plan.first_month is not None:
        parts.append(
            _sums(
                m,
                m.month >= plan.first_month,
                m.month <= plan.last_month,
                checklist_id,
                channel,
            )
        )
    for span in plan.days:
        parts.append(
            _sums(
                d,
                d.day >= span.first,
                d.day <= span.last,
                checklist_id,
                channel,
                span.sign,
            )
        )
    if not parts:
        return []
    rows = union_all(*parts).subquery()
    return db.session.execute(
        select(
            rows.c.checklist_id,
            rows.c.item_id,
            func.max(rows.c.kind),
            func.max(rows.c.critical),
            *(func.sum(rows.c[name]).cast(Integer) for name in COUNTS),
        )
        .group_by(rows.c.checklist_id, rows.c.item_id)
        .having(func.sum(rows.c.rows) > 0)
        .order_by(rows.c.checklist_id, rows.c.item_id)
    ).all()


def _sums(
    table,
    after,
    before,
    checklist_id: str | None,
    channel: str | None,
    sign: int = 1,
):
    conditions = [after, before]
    if checklist_id:
        conditions.append(table.checklist_id == checklist_id)
    if channel:
        conditions.append(table.channel == channel)
    signed = literal_column(str(sign))
    return select(
        table.checklist_id,
        table.item_id,
        table.kind,
        case((table.critical.is_(True), 1), else_=0).label("critical"),
        *((getattr(table, name) * signed).label(name) for name in ("rows", *COUNTS)),
    ).where(*conditions)


COUNTS = ("asked", "scored", "met", "na", "critical_failed")
COLUMNS = ["checklist_id", "channel", "item_id", "kind", "critical", "rows", *COUNTS]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def item_count_columns() -> list:
    """Aggregates over item rows: kind, critical (0/1), asked, scored, met, N/A and
    critical failures; the day totals and the team pages count with the same ones."""
    return [
        func.max(AuditItem.kind),
        func.max(case((AuditItem.critical.is_(True), 1), else_=0)),
        _count_if(AuditItem.status.in_(("scored", "na"))),
        _count_if(AuditItem.status == "scored"),
        _count_if(AuditItem.met.is_(True)),
        _count_if(AuditItem.status == "na"),
        _count_if(AuditItem.critical_failed.is_(True)),
    ]


def _from_item_rows(day):
    """Item counts of submitted audits by checklist, channel and item, led by `day`."""
    kind, critical, *counts = item_count_columns()
    return (
        select(
            day,
            Audit.checklist_id,
            Audit.channel,
            AuditItem.item_id,
            kind,
            critical == 1,
            func.count(AuditItem.audit_id),
            *counts,
        )
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(Audit.status == "submitted")
        .group_by(Audit.checklist_id, Audit.channel, AuditItem.item_id)
    )


def _from_day_totals(month):
    """Day totals summed by checklist, channel and item, led by `month`."""
    d = ItemDayTotal
    return select(
        month,
        d.checklist_id,
        d.channel,
        d.item_id,
        func.max(d.kind),
        func.max(case((d.critical.is_(True), 1), else_=0)) == 1,
        *(func.sum(getattr(d, name)) for name in ("rows", *COUNTS)),
    ).group_by(d.checklist_id, d.channel, d.item_id)


def _lock_key(day: date, checklist_id: str, channel: str) -> int:
    value = zlib.crc32(f"{day.isoformat()}|{checklist_id}|{channel}".encode())
    return value - 2**32 if value >= 2**31 else value  # PostgreSQL's int4 is signed
