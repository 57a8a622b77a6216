"""The choices forms offer and the lists pages show: plain (value, label) pairs and rows,
so that views parse, call and render, and never query."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from auditapp.extensions import db
from auditapp.models import Audit, ChecklistVersion, StaffMember, Team, User

from .checklists import available, newest_versions

Pairs = list[tuple[int, str]]


def active_staff() -> Pairs:
    """Staff members who can be observed, as "Name (Team)"."""
    rows = db.session.execute(
        select(StaffMember.id, StaffMember.name, Team.name)
        .outerjoin(Team, StaffMember.team_id == Team.id)
        .where(StaffMember.active.is_(True))
        .order_by(StaffMember.name)
    ).all()
    return [(i, f"{name} ({team})" if team else name) for i, name, team in rows]


def staff_names() -> Pairs:
    return [
        tuple(r)
        for r in db.session.execute(
            select(StaffMember.id, StaffMember.name).order_by(StaffMember.name)
        )
    ]


def team_names() -> Pairs:
    return [tuple(r) for r in db.session.execute(select(Team.id, Team.name).order_by(Team.name))]


def supervisor_names() -> Pairs:
    query = select(User.id, User.name).where(User.role == "supervisor").order_by(User.name)
    return [tuple(r) for r in db.session.execute(query)]


def user_emails() -> Pairs:
    return [tuple(r) for r in db.session.execute(select(User.id, User.email).order_by(User.email))]


def unlinked_staff() -> Pairs:
    """Staff members without a login of their own (a staff login may be linked to them)."""
    linked = select(User.staff_member_id).where(User.staff_member_id.is_not(None))
    query = (
        select(StaffMember.id, StaffMember.name)
        .where(StaffMember.id.not_in(linked))
        .order_by(StaffMember.name)
    )
    return [tuple(r) for r in db.session.execute(query)]


def checklists_in_use() -> list[tuple[str, str]]:
    """Every checklist offered now or with stored audits, by title.

    The checklists with audits are read from the stored versions, a few rows, rather than
    from every audit: a version is stored only by the audit that first uses it, in that
    audit's transaction (audits.start), every audit keeps its version, and audits are never
    deleted, so the checklists of the versions are exactly those of the audits.
    """
    titles = {c.id: c.title for c in available().values()}
    stored = set(db.session.execute(select(ChecklistVersion.checklist_id).distinct()).scalars())
    gone = newest_versions(stored - set(titles))
    titles.update({i: v.title for i, v in gone.items()})
    return sorted(titles.items(), key=lambda pair: (pair[1].casefold(), pair[0]))


def staff_page(page: int, per_page: int = 50):
    """One page of staff members (active first), and their submitted audits' counts."""
    query = (
        select(StaffMember)
        .options(joinedload(StaffMember.team))
        .order_by(StaffMember.active.desc(), StaffMember.name)
    )
    found = db.paginate(query, page=page, per_page=per_page)
    counts = dict(
        db.session.execute(
            select(Audit.staff_member_id, func.count(Audit.id))
            .where(Audit.status == "submitted")
            .where(Audit.staff_member_id.in_([s.id for s in found.items]))
            .group_by(Audit.staff_member_id)
        ).all()
    )
    return found, counts


def teams_with_sizes() -> list[tuple[Team, int]]:
    """Every team, with its number of active staff members."""
    query = (
        select(Team, func.count(StaffMember.id))
        .outerjoin(StaffMember, (StaffMember.team_id == Team.id) & StaffMember.active)
        .group_by(Team.id)
        .order_by(Team.name)
    )
    return [tuple(r) for r in db.session.execute(query)]
