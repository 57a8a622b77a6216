"""An audit's history: written one step at a time, read newest first and a page at a time.

An audit may be amended thousands of times; nothing here reads its whole history, so its
page, its PDF and the next amendment cost the same whether it holds ten steps or ten
thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..checklists import Checklist
from ..extensions import db
from ..models import Audit, AuditEvent, User

SHOWN = 10  # the newest steps on the audit's page and in its PDF
# What an amendment's changed fields are called on the page (stored by their names).
MEASURE_LABELS = {
    "channel": "Channel",
    "observed_at": "When it happened",
    "customer_type": "Customer type",
    "duration_minutes": "Duration (minutes)",
    "outcome": "Outcome",
    "monetary_value": "Monetary value",
    "lead_captured": "Lead or referral captured",
    "notes": "Notes",
}
PER_PAGE = 50  # steps a page on the full history


@dataclass(frozen=True)
class Latest:
    """The newest steps of an audit and how many came before them."""

    entries: list[AuditEvent]
    total: int

    @property
    def earlier(self) -> int:
        return self.total - len(self.entries)


def add(
    audit: Audit,
    user: User,
    action: str,
    *,
    reason: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> AuditEvent:
    """Add one step to the audit's history, in the caller's transaction."""
    # Set from the step's side: appending to `audit.events` would first load every step.
    event = AuditEvent(audit=audit, user_id=user.id, action=action, reason=reason)
    if changes is not None:
        event.changes = changes
    db.session.add(event)
    return event


def field_labels(audit: Audit) -> dict[str, str]:
    """The words for each field an amendment of this audit may change: its measures, and
    the answer and comment of each item of the checklist it was scored against."""
    checklist = Checklist.from_snapshot(audit.checklist_version.content)
    labels = dict(MEASURE_LABELS)
    for _, item in checklist.iter_items():
        labels[f"answer:{item.id}"] = f"Answer to “{item.text}”"
        labels[f"comment:{item.id}"] = f"Comment on “{item.text}”"
    return labels


def _steps(audit_id: int):
    return (
        select(AuditEvent)
        .options(joinedload(AuditEvent.user))
        .where(AuditEvent.audit_id == audit_id)
        .order_by(AuditEvent.id.desc())
    )


def latest(audit_id: int, limit: int = SHOWN) -> Latest:
    """The newest `limit` steps, newest first, and the number of steps in all."""
    entries = list(db.session.scalars(_steps(audit_id).limit(limit)))
    if len(entries) < limit:
        return Latest(entries, len(entries))
    total = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.audit_id == audit_id)
    )
    return Latest(entries, total or 0)


def page(audit_id: int, number: int) -> Pagination:
    """One page of the whole history, newest first; 404 for a page that does not exist."""
    return db.paginate(_steps(audit_id), page=number, per_page=PER_PAGE, error_out=True)


def latest_reasons(audit_id: int, actions: tuple[str, ...]) -> dict[str, str | None]:
    """The reason given at the latest step of each of these kinds."""
    return {
        action: db.session.scalar(
            select(AuditEvent.reason)
            .where(AuditEvent.audit_id == audit_id, AuditEvent.action == action)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        for action in actions
    }
