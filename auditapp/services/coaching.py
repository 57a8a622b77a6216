"""Coaching actions: what a trainer asks a staff member to work on, closed by re-observation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from auditapp import clock
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, CoachingAction, StaffMember, User
from auditapp.models._time import utcnow
from auditapp.scoring import ScoreResult

from . import event_log


class CoachingError(ValueError):
    """Input that cannot be saved; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Target:
    """What an action asks for: some items of a checklist, or a whole section."""

    checklist: Checklist
    item_ids: tuple[str, ...]
    section_id: str | None = None


def record(
    *,
    trainer: User,
    staff: StaffMember,
    target: Target,
    note: str,
    follow_up_on: date,
    audit: Audit | None = None,
    today: date | None = None,
) -> CoachingAction:
    """Store a coaching action for a staff member, linked to the audit that showed the need."""
    known_items = {item.id for _, item in target.checklist.iter_items()}
    known_sections = {s.id for s in target.checklist.sections}
    if not target.item_ids and not target.section_id:
        raise CoachingError("Choose the items or the section to work on.", "item_ids")
    unknown = [i for i in target.item_ids if i not in known_items]
    if unknown:
        raise CoachingError(f"Not items of this checklist: {', '.join(unknown)}.", "item_ids")
    if target.section_id and target.section_id not in known_sections:
        raise CoachingError("Not a section of this checklist.", "section_id")
    if follow_up_on < (today or clock.today()):
        raise CoachingError("The follow-up date is in the past.", "follow_up_on")
    if audit is not None and (
        audit.staff_member_id != staff.id or audit.checklist_id != target.checklist.id
    ):
        raise CoachingError("That audit is of another person or checklist.", "audit_id")
    action = CoachingAction(
        staff_member=staff,
        checklist_id=target.checklist.id,
        item_ids=list(target.item_ids),
        section_id=target.section_id,
        audit_id=audit.id if audit else None,
        note=note.strip(),
        follow_up_on=follow_up_on,
        created_by_id=trainer.id,
    )
    db.session.add(action)
    db.session.flush()  # the id the log entry names
    event_log.record(
        "coaching_recorded",
        trainer,
        action,
        staff_member=staff.id,
        checklist=target.checklist.id,
        items=list(target.item_ids),
        section=target.section_id,
        follow_up_on=follow_up_on,
    )
    event_log.commit()
    return action


def close_met_actions(audit: Audit, result: ScoreResult, *, by: User) -> list[CoachingAction]:
    """Close the open actions of this person and checklist that this audit meets.

    Called when an audit is submitted or amended, inside its transaction. An action is met
    when every item it names was scored and met in an audit observed after the action was
    recorded (N/A proves nothing, so it closes nothing); a section is met when every item
    of it that was scored was met.
    """
    # No autoflush: a new audit must reach the database only at its own commit, where a
    # double submit is caught.
    with db.session.no_autoflush:
        open_actions = (
            db.session.execute(
                select(CoachingAction).where(
                    CoachingAction.staff_member_id == audit.staff_member.id,
                    CoachingAction.checklist_id == audit.checklist_id,
                    CoachingAction.closed_at.is_(None),
                    CoachingAction.created_at < audit.observed_at,
                )
            )
            .scalars()
            .all()
        )
    scored = {r.item_id: r for r in result.items.values() if r.status == "scored"}
    closed = []
    for action in open_actions:
        if action.section_id:
            wanted = [r.item_id for r in scored.values() if r.section_id == action.section_id]
        else:
            wanted = list(action.item_ids)
        if wanted and all(i in scored and scored[i].met for i in wanted):
            action.closed_at = utcnow()
            action.closed_by_audit = audit
            closed.append(action)
            event_log.record("coaching_closed", by, action, audit=audit, met=wanted)
    return closed


def actions(
    *, staff_id: int | None = None, open_only: bool = True, limit: int = 200
) -> list[CoachingAction]:
    """Coaching actions, open ones first by follow-up date; closed ones newest first."""
    query = select(CoachingAction).options(
        joinedload(CoachingAction.staff_member),
        joinedload(CoachingAction.created_by),
        joinedload(CoachingAction.closed_by_audit),
    )
    if staff_id is not None:
        query = query.where(CoachingAction.staff_member_id == staff_id)
    if open_only:
        query = query.where(CoachingAction.closed_at.is_(None)).order_by(
            CoachingAction.follow_up_on, CoachingAction.id
        )
    else:
        query = query.where(CoachingAction.closed_at.is_not(None)).order_by(
            CoachingAction.closed_at.desc()
        )
    return list(db.session.execute(query.limit(limit)).scalars())


def is_overdue(action: CoachingAction, today: date | None = None) -> bool:
    return action.closed_at is None and action.follow_up_on < (today or clock.today())


def missed_in(audit: Audit) -> list[str]:
    """The items this audit found not met: the natural things to coach."""
    return [
        row.item_id
        for row in db.session.execute(
            select(AuditItem).where(AuditItem.audit_id == audit.id, AuditItem.met.is_(False))
        ).scalars()
    ]
