"""Per-day item totals (item_day_totals), kept in step with the audits they count.

The all-teams insight page would otherwise group every item row of its period: about
280,000 rows for 90 days at 100,000 audits a year. The totals hold one row per day,
checklist, channel and item, so the same figures come from a few thousand rows.

Every transaction that touches a submitted audit recomputes the totals of the (day,
checklist, channel) groups it touched, old and new, from the item rows themselves, just
before it commits. Recomputing rather than adding deltas means a group can never drift
from the rows it counts, whatever path changed the audit.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from itertools import chain

from sqlalchemy import (
    Date,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from auditapp.models import Audit, AuditItem, ItemDayTotal

Key = tuple[date, str, str]  # (day, checklist id, channel)

_PENDING = "auditapp.rollup_keys"
# PostgreSQL advisory locks of this namespace serialise recomputing one group: two
# transactions rebuilding the same day would otherwise both insert its rows.
_LOCK_NAMESPACE = 7301


def keep_totals(session_target) -> None:
    """Recompute the touched groups in every commit of sessions made by `session_target`."""
    if not event.contains(session_target, "before_flush", _collect):
        event.listen(session_target, "before_flush", _collect)
        event.listen(session_target, "before_commit", _recompute_pending)
        event.listen(session_target, "after_rollback", _forget)


def _collect(session: Session, _context, _instances) -> None:
    keys = session.info.setdefault(_PENDING, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Audit):
            keys.update(_keys_of(obj))


def _keys_of(audit: Audit) -> set[Key]:
    """The groups the audit counts in now and counted in before this transaction."""
    state = inspect(audit)

    def now_and_before(name: str) -> list:
        history = state.attrs[name].history
        values = [*history.added, *history.unchanged, *history.deleted]
        return [v for v in values if v is not None] or [getattr(audit, name)]

    if "submitted" not in now_and_before("status"):
        return set()  # drafts are not counted, before or after
    return {
        (when.date(), checklist_id, channel)
        for when in now_and_before("observed_at")
        for checklist_id in now_and_before("checklist_id")
        for channel in now_and_before("channel")
        if when is not None and checklist_id and channel
    }


def _recompute_pending(session: Session) -> None:
    session.flush()
    keys = session.info.pop(_PENDING, set())
    if keys:
        recompute(session, keys)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def recompute(session: Session, keys: Iterable[Key]) -> None:
    """Rebuild the totals of these (day, checklist, channel) groups from the item rows."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for day, checklist_id, channel in sorted(keys):  # one order, so locks cannot deadlock
        if postgres:
            session.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": _LOCK_NAMESPACE, "key": _lock_key(day, checklist_id, channel)},
            )
        session.execute(
            delete(ItemDayTotal).where(
                ItemDayTotal.day == day,
                ItemDayTotal.checklist_id == checklist_id,
                ItemDayTotal.channel == channel,
            )
        )
        start = datetime.combine(day, time.min)
        session.execute(
            insert(ItemDayTotal).from_select(
                COLUMNS,
                _totals_query(literal(day, Date)).where(
                    Audit.observed_at >= start,
                    Audit.observed_at < start + timedelta(days=1),
                    Audit.checklist_id == checklist_id,
                    Audit.channel == channel,
                ),
                include_defaults=False,
            )
        )


def rebuild_all(session: Session) -> None:
    """Rebuild every total from the item rows (after a bulk load or a restore)."""
    day = func.date(Audit.observed_at)
    if session.get_bind().dialect.name == "postgresql":
        day = cast(Audit.observed_at, Date)
    session.execute(delete(ItemDayTotal))
    query = _totals_query(day).group_by(day)
    session.execute(insert(ItemDayTotal).from_select(COLUMNS, query, include_defaults=False))


COLUMNS = [
    "day",
    "checklist_id",
    "channel",
    "item_id",
    "kind",
    "critical",
    "asked",
    "scored",
    "met",
    "na",
    "critical_failed",
]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _totals_query(day):
    """Item counts of submitted audits by checklist, channel and item, labelled `day`."""
    return (
        select(
            day,
            Audit.checklist_id,
            Audit.channel,
            AuditItem.item_id,
            func.max(AuditItem.kind),
            func.max(case((AuditItem.critical.is_(True), 1), else_=0)) == 1,
            _count_if(AuditItem.status.in_(("scored", "na"))),
            _count_if(AuditItem.status == "scored"),
            _count_if(AuditItem.met.is_(True)),
            _count_if(AuditItem.status == "na"),
            _count_if(AuditItem.critical_failed.is_(True)),
        )
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(Audit.status == "submitted")
        .group_by(Audit.checklist_id, Audit.channel, AuditItem.item_id)
    )


def _lock_key(day: date, checklist_id: str, channel: str) -> int:
    value = zlib.crc32(f"{day.isoformat()}|{checklist_id}|{channel}".encode())
    return value - 2**32 if value >= 2**31 else value  # PostgreSQL's int4 is signed
