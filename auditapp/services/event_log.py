"""The event log: who did what to which record, and when.

Every write of the services ends in `commit()` here: `record` notes an event in the current
transaction, and `commit` writes the entries and the change they describe together (both
are stored or neither), and refuses a change that recorded nothing.
Each entry holds the SHA-256 of its own fields and of the entry before it, so `verify`
finds the first entry that was changed, or after which one was removed.

The chain stays a single line however many requests commit at once: the previous hash is
read only once this transaction is the only one that can append. On PostgreSQL an
advisory lock gives that; on SQLite, the write lock that the transaction's first write
takes (Python's sqlite3 driver begins the transaction at the first INSERT or UPDATE and
not before), so the new entry is inserted first and the hash before it read afterwards.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from auditapp.extensions import db
from auditapp.models import LogEntry, User
from auditapp.models._time import utcnow
from auditapp.models.event_log import ACTIONS

GENESIS = "0" * 64  # the prev_hash of the first entry
BATCH = 2000  # entries read at a time by verify()
_PENDING = "auditapp.event_log"
# PostgreSQL advisory lock (namespace, key) held from reading the newest hash to commit.
# Its own namespace: services/rollups.py locks (7301, group) keys.
_LOCK = {"namespace": 7302, "key": 1}
_SUBJECT_NAMES = {
    "audits": "audit",
    "users": "user",
    "staff_members": "staff member",
    "teams": "team",
    "coaching_actions": "coaching action",
    "checklist_versions": "checklist version",
    "calibration_sessions": "calibration session",
    "jobs": "job",
    "mail_messages": "email",
    "observation_plans": "observation plan",
}


@dataclass(frozen=True)
class _Pending:
    user_id: int | None
    actor: str
    action: str
    subject: Any
    details: dict[str, Any]


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold, and why."""

    id: int
    at: datetime
    action: str
    problem: str


class UnloggedWrite(RuntimeError):
    """A service tried to commit a change without saying in the log what it was."""


def record(action: str, user: User | None, subject: Any, **details: Any) -> None:
    """Log `action` on `subject` by `user`; written by this transaction's `commit()`.

    `user` is who acted, passed by the caller (a service never looks for the request's
    user); None means the command line. `subject` is text, or a record named after the
    commit gives it an id. For an edit, pass what changed as `changes={field: [old, new]}`.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown event log action {action!r}")
    user_id, actor = _actor(user)
    _pending().append(_Pending(user_id, actor, action, subject, details))


def _pending() -> list[_Pending]:
    """This transaction's entries. Kept with the transaction they belong to, so that after a
    rollback (anywhere: a service, a view's error handler) they are never written by the
    next transaction's commit."""
    session = db.session()
    transaction = session.get_transaction() or session.begin()
    kept = session.info.get(_PENDING)
    if kept is None or kept[0] is not transaction:
        kept = session.info[_PENDING] = (transaction, [])
    return kept[1]


def commit() -> None:
    """Commit the services' writes with their log entries: the one way a write is stored.

    Raises UnloggedWrite, and stores nothing, if nothing was recorded for this transaction:
    a new write path cannot forget the log without failing the first time it runs.
    """
    session = db.session()
    pending = _pending()
    if not pending:
        session.rollback()
        raise UnloggedWrite("a write was committed without an event log entry saying what it was")
    session.info.pop(_PENDING, None)
    _append(session, pending)
    session.commit()


def rollback() -> None:
    """Undo this transaction's writes and forget its entries."""
    db.session.rollback()


def record_now(action: str, user: User | None, subject: Any, **details: Any) -> None:
    """Log an event that changes nothing else (a download) and commit it at once, so
    that nothing is handed out unless the log holds it."""
    record(action, user, subject, **details)
    session = db.session()
    # The records already loaded for the download are left as they are: this commit
    # changed none of them, and reloading each would cost a query apiece.
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        commit()
    finally:
        session.expire_on_commit = keep


def _append(session: Session, pending: list[_Pending]) -> None:
    # The change itself first: its row locks are taken before the log's lock, never while
    # holding it, so two transactions cannot wait for each other.
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"), _LOCK)
    for p in pending:
        entry = LogEntry(
            at=utcnow(),
            user_id=p.user_id,
            actor=p.actor,
            action=p.action,
            subject=_subject(p.subject),
            details=_plain(p.details),  # after the flush: records named in them have ids
            prev_hash="",
            hash="",
        )
        session.add(entry)
        session.flush()  # from here on (SQLite: this write lock) no other entry can commit
        prev = session.scalar(
            select(LogEntry.hash)
            .where(LogEntry.id < entry.id)
            .order_by(LogEntry.id.desc())
            .limit(1)
        )
        entry.prev_hash = prev or GENESIS
        entry.hash = entry_hash(
            entry.id,
            entry.at,
            entry.user_id,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_hash,
        )


def entry_hash(id, at, user_id, actor, action, subject, details, prev_hash) -> str:
    """SHA-256 (hex) of one entry's fields, as canonical JSON, and the hash before it."""
    fields = {
        "id": id,
        "at": at.isoformat(timespec="microseconds"),
        "user_id": user_id,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify() -> Break | None:
    """The first entry where the chain breaks, or None when every entry holds; read in
    batches, oldest first, never the whole log at once."""
    rows = db.session.execute(
        select(
            LogEntry.id,
            LogEntry.at,
            LogEntry.user_id,
            LogEntry.actor,
            LogEntry.action,
            LogEntry.subject,
            LogEntry.details,
            LogEntry.prev_hash,
            LogEntry.hash,
        )
        .order_by(LogEntry.id)
        .execution_options(yield_per=BATCH)
    )
    try:
        expected, before = GENESIS, None
        for row in rows:
            problem = None
            if entry_hash(*row[:8]) != row.hash:
                problem = "its content does not match its hash: it was changed after it was written"
            elif row.prev_hash != expected and before is None:
                problem = (
                    "it links to an entry before it, but it is the first entry: "
                    "the entries before it were removed"
                )
            elif row.prev_hash != expected:
                problem = (
                    f"its link to entry #{before} does not match: an entry between them was "
                    f"removed, or #{before} was changed and its hash written anew"
                )
            if problem:
                return Break(row.id, row.at, row.action, problem)
            expected, before = row.hash, row.id
    finally:
        rows.close()
    return None


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(LogEntry))


def newest(limit: int) -> list[LogEntry]:
    """The last `limit` entries, oldest of them first."""
    entries = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc()).limit(limit))
    return list(entries)[::-1]


def entries_page(action: str | None, user: str | None, page: int, per_page: int):
    """One page of the log, newest first; `user` is a user id, or "cli" for the command
    line. 404 for a page number that does not exist."""
    query = select(LogEntry).order_by(LogEntry.id.desc())
    if action:
        query = query.where(LogEntry.action == action)
    if user == "cli":
        query = query.where(LogEntry.user_id.is_(None))
    elif user:
        query = query.where(LogEntry.user_id == int(user))
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100)


def _actor(user: User | None) -> tuple[int | None, str]:
    if user is not None:
        return user.id, user.email
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the password file
        name = "unknown"
    return None, f"command line ({name})"


def _subject(subject: Any) -> str:
    if isinstance(subject, str):
        return subject[:200]
    name = _SUBJECT_NAMES.get(subject.__tablename__, subject.__tablename__)
    return f"{name} {subject.id}"


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """The details as JSON gives them back: what is hashed is exactly what is read later.
    Filter dataclasses keep only the filters in use."""

    def default(value: Any) -> Any:
        if hasattr(value, "__tablename__"):
            return _subject(value)
        if dataclasses.is_dataclass(value):
            return {k: v for k, v in dataclasses.asdict(value).items() if v not in (None, "")}
        if isinstance(value, date | datetime):
            return value.isoformat()
        return str(value)

    return json.loads(json.dumps(details, default=default, sort_keys=True))
