"""A staff member's progress: scores over time and the items they miss most (SQL counts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, ChecklistVersion, StaffMember


@dataclass(frozen=True)
class MissedItem:
    checklist_id: str
    item_id: str
    text: str
    missed: int
    scored: int

    @property
    def rate(self) -> float:
        return 100 * self.missed / self.scored if self.scored else 0.0


@dataclass(frozen=True)
class ChecklistSummary:
    checklist_id: str
    title: str
    audits: int
    mean: float | None
    passed: int
    last_observed: object


def checklist_summaries(staff: StaffMember) -> list[ChecklistSummary]:
    """Per checklist: number of submitted audits, mean score, passes, last observation."""
    latest_title = (
        select(ChecklistVersion.title)
        .where(ChecklistVersion.checklist_id == Audit.checklist_id)
        .order_by(ChecklistVersion.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Audit.checklist_id,
            latest_title,
            func.count(Audit.id),
            func.avg(Audit.overall),
            func.sum(case((Audit.passed.is_(True), 1), else_=0).cast(Integer)),
            func.max(Audit.observed_at),
        )
        .where(Audit.staff_member_id == staff.id, Audit.status == "submitted")
        .group_by(Audit.checklist_id)
        .order_by(Audit.checklist_id)
    ).all()
    return [ChecklistSummary(r[0], r[1], r[2], r[3], r[4] or 0, r[5]) for r in rows]


def most_missed(staff: StaffMember, limit: int = 10) -> list[MissedItem]:
    """Items this person most often did not meet in submitted audits, by count of misses."""
    missed = func.sum(case((AuditItem.met.is_(False), 1), else_=0))
    rows = db.session.execute(
        select(
            Audit.checklist_id,
            AuditItem.item_id,
            missed.label("missed"),
            func.count(AuditItem.id).label("scored"),
            func.max(Audit.checklist_version_id),
        )
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(
            Audit.staff_member_id == staff.id,
            Audit.status == "submitted",
            AuditItem.status == "scored",
        )
        .group_by(Audit.checklist_id, AuditItem.item_id)
        .having(missed > 0)
        .order_by(missed.desc(), AuditItem.item_id)
        .limit(limit)
    ).all()
    texts = _item_texts({r[4] for r in rows})
    return [
        MissedItem(r[0], r[1], texts.get((r[4], r[1]), r[1]), int(r[2]), int(r[3])) for r in rows
    ]


def _item_texts(version_ids: set[int]) -> dict[tuple[int, str], str]:
    """Item wording from a few stored checklist versions (not from every audit)."""
    texts: dict[tuple[int, str], str] = {}
    if not version_ids:
        return texts
    for version in db.session.execute(
        select(ChecklistVersion).where(ChecklistVersion.id.in_(version_ids))
    ).scalars():
        for section in version.content["sections"]:
            for item in section["items"]:
                texts[(version.id, item["id"])] = item["text"]
    return texts


def score_history(staff: StaffMember, limit: int = 200) -> list[tuple]:
    """(observed_at, checklist id, overall, passed, audit id) of recent submitted audits."""
    return db.session.execute(
        select(Audit.observed_at, Audit.checklist_id, Audit.overall, Audit.passed, Audit.id)
        .where(Audit.staff_member_id == staff.id, Audit.status == "submitted")
        .order_by(Audit.observed_at.desc())
        .limit(limit)
    ).all()
