"""The staff member's side of an audit: acknowledging it, disputing it, and a supervisor
rejecting the dispute. Every step is kept in the audit's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent, ChecklistVersion, StaffMember, User
from auditapp.models._time import utcnow

from . import audit_history, event_log, mail, notifications

MAX_TEXT = 2000


class ResponseError(ValueError):
    """A refused step; `field` names the form field the message belongs next to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message, self.field = message, field
        super().__init__(message)


@dataclass(frozen=True)
class ResponseState:
    """Plain data for the page: where the staff member's response stands."""

    acknowledged_at: datetime | None
    dispute_status: str | None
    comment: str | None  # the latest dispute's comment
    rejection: str | None  # the latest rejection's reason
    can_acknowledge: bool
    can_dispute: bool
    can_reject: bool


@dataclass(frozen=True)
class OpenDispute:
    """One row of the supervisors' list of disputes waiting for an answer."""

    audit_id: int
    staff_name: str
    checklist_title: str
    comment: str
    disputed_at: datetime


def is_own(user: User, audit: Audit) -> bool:
    """The user is the staff login linked to the audit's staff member."""
    return (
        user.role == "staff"
        and user.staff_member_id is not None
        and user.staff_member_id == audit.staff_member_id
    )


def state_of(audit: Audit, user: User) -> ResponseState:
    """Where the response stands and which steps `user` may take now."""
    reasons = audit_history.latest_reasons(audit.id, ("disputed", "dispute_rejected"))
    comment, rejection = reasons["disputed"], reasons["dispute_rejected"]
    submitted = audit.status == "submitted"
    open_ = audit.dispute_status == "open"
    own = submitted and is_own(user, audit)
    return ResponseState(
        acknowledged_at=audit.acknowledged_at,
        dispute_status=audit.dispute_status,
        comment=comment,
        rejection=rejection,
        can_acknowledge=own and audit.acknowledged_at is None and not open_,
        can_dispute=own and audit.acknowledged_at is None and not open_,
        can_reject=submitted and open_ and user.role == "supervisor",
    )


def _check_own_submitted(audit: Audit, user: User) -> None:
    if not is_own(user, audit):
        raise ResponseError("Only the staff member the audit is about can respond to it.")
    if audit.status != "submitted":
        raise ResponseError("Only a submitted audit can be acknowledged or disputed.")


def _record(audit: Audit, user: User, action: str, reason: str | None = None, notify=None) -> None:
    """Store a step; `notify()` adds the emails it causes, sent after the commit."""
    audit_history.add(audit, user, action, reason=reason)
    event_log.record(action, user, audit)
    # Set explicitly, not left to onupdate: the PDF cache key reads it, and a step must
    # give the report a new key even when no other column of the audit changes.
    audit.updated_at = utcnow()
    messages = notify() if notify else []
    event_log.commit()
    mail.enqueue(messages)


def _text(value: str | None, what: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ResponseError(f"Write {what}.", field)
    if len(value) > MAX_TEXT:
        raise ResponseError(f"Keep it under {MAX_TEXT} characters.", field)
    return value


def acknowledge(audit: Audit, user: User) -> Audit:
    """The staff member confirms they have seen the audit."""
    _check_own_submitted(audit, user)
    if audit.dispute_status == "open":
        raise ResponseError(
            "Your dispute is still open: a supervisor has to answer it before you can "
            "acknowledge this audit."
        )
    if audit.acknowledged_at is not None:
        raise ResponseError(
            f"You already acknowledged this audit on {audit.acknowledged_at:%d %b %Y}."
        )
    audit.acknowledged_at = utcnow()
    _record(audit, user, "acknowledged")
    return audit


def dispute(audit: Audit, user: User, comment: str | None) -> Audit:
    """The staff member disagrees with the audit and says why; a supervisor answers."""
    _check_own_submitted(audit, user)
    if audit.dispute_status == "open":
        raise ResponseError("You already disputed this audit; a supervisor has yet to answer.")
    if audit.acknowledged_at is not None:
        raise ResponseError(
            "You acknowledged this audit, so it can no longer be disputed. "
            "Ask a supervisor if something in it is wrong."
        )
    comment = _text(comment, "what you disagree with", "comment")
    audit.dispute_status = "open"
    _record(audit, user, "disputed", comment, lambda: notifications.dispute_opened(audit, comment))
    return audit


def reject_dispute(audit: Audit, user: User, reason: str | None) -> Audit:
    """A supervisor keeps the audit as it is and says why the dispute is rejected."""
    if user.role != "supervisor":
        raise ResponseError("Only a supervisor can reject a dispute.")
    if audit.status != "submitted" or audit.dispute_status != "open":
        raise ResponseError("This audit has no open dispute to reject.")
    reason = _text(reason, "why the dispute is rejected", "reason")
    audit.dispute_status = "rejected"
    _record(
        audit,
        user,
        "dispute_rejected",
        reason,
        lambda: notifications.dispute_rejected(audit, reason),
    )
    return audit


def after_amendment(audit: Audit, user: User) -> None:
    """Called by `audits.amend` before it commits: an amendment resolves an open dispute, and
    the staff member acknowledges the changed audit again."""
    if audit.dispute_status == "open":
        audit.dispute_status = "amended"
        audit_history.add(
            audit,
            user,
            "dispute_resolved",
            reason=f"The amendment (revision {audit.revision}) resolved the dispute.",
        )
    if audit.acknowledged_at is not None:
        audit.acknowledged_at = None
        audit_history.add(
            audit,
            user,
            "acknowledgement_cleared",
            reason="The audit changed, so the staff member is asked to acknowledge it again.",
        )


def open_disputes(limit: int = 20) -> list[OpenDispute]:
    """Audits with an open dispute, most recently disputed first."""
    latest = (
        select(AuditEvent.audit_id, func.max(AuditEvent.id).label("event_id"))
        .where(AuditEvent.action == "disputed")
        .group_by(AuditEvent.audit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Audit.id,
            StaffMember.name,
            ChecklistVersion.title,
            AuditEvent.reason,
            AuditEvent.created_at,
        )
        .join(latest, latest.c.audit_id == Audit.id)
        .join(AuditEvent, AuditEvent.id == latest.c.event_id)
        .join(StaffMember, StaffMember.id == Audit.staff_member_id)
        .join(ChecklistVersion, ChecklistVersion.id == Audit.checklist_version_id)
        .where(Audit.status == "submitted", Audit.dispute_status == "open")
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [OpenDispute(*row) for row in rows]
