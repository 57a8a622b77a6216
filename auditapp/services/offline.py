"""The server's side of scoring offline (issue 19): what a supervisor's device keeps, and
the audits it sends back.

The device keeps the current version of each checklist in use and the roster of staff
members who can be observed, as of `refreshed_at`. Every checklist version handed out is
stored here first (`checklists.stored_version`), so an audit scored against it on the
device is scored here against exactly that version when it arrives, even if the YAML
changed in between. The server always scores; a score worked out on the device is never
trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp import clock
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import Audit, ChecklistVersion, StaffMember, User

from . import checklists, choices, event_log


@dataclass(frozen=True)
class Package:
    """What a supervisor's device keeps to score offline."""

    refreshed_at: datetime
    checklists: list[Checklist]  # each stored here, so it can be pinned by its fingerprint
    staff: list[tuple[int, str]]  # (id, "name (team)") of the staff members who can be observed


def package(user: User) -> Package:
    """What `user`'s device keeps to score offline; the checklist versions it names are
    stored here first."""
    current = sorted(checklists.available().values(), key=lambda c: c.title.casefold())
    known = set(
        db.session.scalars(
            select(ChecklistVersion.fingerprint).where(
                ChecklistVersion.fingerprint.in_([c.fingerprint for c in current])
            )
        )
    )
    new = [c for c in current if c.fingerprint not in known]
    for checklist in new:
        checklists.stored_version(checklist, by=user)  # logs checklist_version_stored
    if new:
        event_log.commit()
    return Package(clock.local_now(), current, choices.active_staff())


def pinned_checklist(fingerprint: str) -> Checklist | None:
    """The stored checklist version with this fingerprint, as the device's form showed it."""
    content = db.session.scalar(
        select(ChecklistVersion.content).where(ChecklistVersion.fingerprint == fingerprint)
    )
    return None if content is None else Checklist.from_snapshot(content)


def staff_member(staff_id: int) -> StaffMember | None:
    """The staff member a device names, active or not (start() refuses an inactive one with
    a message the device shows)."""
    return db.session.get(StaffMember, staff_id)


@dataclass(frozen=True)
class Earlier:
    """What is already stored under a form token the device sends."""

    audit: Audit
    same: bool  # the device's copy says what is stored: a repeated send


def earlier(token: str, user: User, answers: dict[str, str], staff_id: int) -> Earlier | None:
    """The audit stored under `token`, if any, compared with the device's copy."""
    audit = db.session.scalar(select(Audit).where(Audit.form_token == token))
    if audit is None:
        return None
    same = (
        audit.supervisor_id == user.id
        and audit.staff_member_id == staff_id
        and audit.status == "submitted"
        and audit.amended_at is None
        and dict(audit.answers) == answers
    )
    return Earlier(audit, same)
