"""The checklists the app offers, read from the configured folder, and their stored versions."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from auditapp.checklists import Checklist, Problem
from auditapp.checklists.loader import checklist_files, load_each
from auditapp.extensions import db
from auditapp.models import ChecklistVersion, User
from auditapp.models._time import utcnow

from . import event_log


@dataclass(frozen=True)
class Registry:
    """The valid checklists by id, and the problems of files that are not valid."""

    checklists: dict[str, Checklist] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


_cache: dict[str, tuple[tuple, Registry]] = {}
_checked: dict[str, float] = {}  # folder -> when its files were last looked at (monotonic)
_lock = threading.Lock()


def _signature(folder: Path) -> tuple:
    files = checklist_files(folder) if folder.is_dir() else []
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def registry() -> Registry:
    """Checklists of the configured folder, re-read only when a file there changes.

    The files are looked at (listed and stat'ed) at most once every CHECKLISTS_RECHECK_SECONDS:
    doing it on every request was a tenth of what the scoring form's page cost. An edited
    checklist is offered that much later at most.
    """
    config = current_app.config  # one proxy lookup, not three: this runs on every form page
    key = config["CHECKLISTS_DIR"]
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and now - _checked.get(key, -math.inf) < config["CHECKLISTS_RECHECK_SECONDS"]:
        return cached[1]
    folder = Path(key)
    signature = _signature(folder)
    _checked[key] = now
    if cached and cached[0] == signature:
        return cached[1]
    with _lock:
        result = Registry(*load_each(checklist_files(folder) if folder.is_dir() else []))
        _cache[key] = (signature, result)
        return result


def available() -> dict[str, Checklist]:
    return registry().checklists


def stored_version(checklist: Checklist, *, by: User | None) -> ChecklistVersion:
    """The stored copy of exactly this checklist content, added on first use.

    INSERT ... ON CONFLICT DO NOTHING, because two supervisors may submit the first audits
    of a new checklist version at the same moment; both then use the one row.
    """
    query = select(ChecklistVersion).filter_by(fingerprint=checklist.fingerprint)
    row = db.session.execute(query).scalar_one_or_none()
    if row is None:
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        inserted = db.session.execute(
            insert(ChecklistVersion)
            .values(
                checklist_id=checklist.id,
                version=checklist.version,
                fingerprint=checklist.fingerprint,
                title=checklist.title,
                content=checklist.to_snapshot(),
                first_used_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["fingerprint"])
            .returning(ChecklistVersion.id)
        ).scalar_one_or_none()
        row = db.session.execute(query).scalar_one()
        if inserted is not None:  # not when a concurrent first audit stored it
            event_log.record(
                "checklist_version_stored",
                by,
                row,
                checklist=checklist.id,
                version=checklist.version,
                fingerprint=checklist.fingerprint,
            )
    return row


def version_conflicts() -> list[tuple[str, int, int]]:
    """(checklist id, version, number of different contents) where a file changed without
    its version being bumped; the audits still score against what they stored."""
    rows = db.session.execute(
        select(
            ChecklistVersion.checklist_id,
            ChecklistVersion.version,
            func.count(ChecklistVersion.id),
        )
        .group_by(ChecklistVersion.checklist_id, ChecklistVersion.version)
        .having(func.count(ChecklistVersion.id) > 1)
    ).all()
    current = available()
    found = [(r[0], r[1], r[2]) for r in rows]
    for checklist in current.values():
        clash = db.session.execute(
            select(func.count(ChecklistVersion.id)).where(
                ChecklistVersion.checklist_id == checklist.id,
                ChecklistVersion.version == checklist.version,
                ChecklistVersion.fingerprint != checklist.fingerprint,
            )
        ).scalar_one()
        if clash and not any(f[0] == checklist.id and f[1] == checklist.version for f in found):
            found.append((checklist.id, checklist.version, clash + 1))
    return sorted(found)


@dataclass(frozen=True)
class StoredVersion:
    """A stored checklist version as plain data: id, title and the validated content."""

    id: int
    checklist_id: str
    version: int
    title: str
    content: dict[str, Any]


# A stored version's content never changes once written, and its fingerprint names that
# content, so the parsed content is kept for the life of the process by fingerprint (not
# by id: another database, or a restored one, may reuse an id for other content).
_contents: dict[str, dict[str, Any]] = {}


def newest_versions(checklist_ids: set[str]) -> dict[str, StoredVersion]:
    """The newest stored version of each checklist, for titles and item wording."""
    if not checklist_ids:
        return {}
    newest = (
        select(func.max(ChecklistVersion.id))
        .where(ChecklistVersion.checklist_id.in_(checklist_ids))
        .group_by(ChecklistVersion.checklist_id)
    )
    v = ChecklistVersion
    rows = db.session.execute(
        select(v.id, v.checklist_id, v.version, v.title, v.fingerprint).where(v.id.in_(newest))
    ).all()
    missing = [r.id for r in rows if r.fingerprint not in _contents]
    if missing:
        loaded = db.session.execute(select(v.fingerprint, v.content).where(v.id.in_(missing)))
        _contents.update(dict(loaded.all()))
    return {
        r.checklist_id: StoredVersion(
            r.id, r.checklist_id, r.version, r.title, _contents[r.fingerprint]
        )
        for r in rows
    }
