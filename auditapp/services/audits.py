"""Saving audits: drafts, submission, amendment with history. Every write commits here,
with the totals it changes (rollups.record_changes) in the same transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from auditapp import queue
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, AuditSection, StaffMember, User
from auditapp.models._time import utcnow
from auditapp.scoring import ScoreResult, ScoringError, normalise_answer, score

from . import audit_history, coaching, event_log, mail, notifications, reports, rollups
from . import checklists as checklist_store
from .responses import after_amendment

log = logging.getLogger("auditapp.audits")


class AuditError(ValueError):
    """Input that cannot be saved; `problems` maps form field names (or '') to messages."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in problems.items()))


@dataclass(frozen=True)
class Interaction:
    """What the supervisor records about the observed interaction itself."""

    channel: str
    observed_at: datetime
    customer_type: str | None = None
    duration_minutes: int | None = None
    outcome: str | None = None
    monetary_value: Decimal | None = None
    lead_captured: bool = False
    notes: str = ""

    @classmethod
    def of(cls, audit: Audit) -> Interaction:
        return cls(**{f.name: getattr(audit, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Answers:
    """Answers (item id -> value or 'na') and comments (item id -> text) from a form."""

    answers: dict[str, str]
    comments: dict[str, str]

    @classmethod
    def clean(cls, answers: dict[str, Any], comments: dict[str, Any]) -> Answers:
        kept = {k: a for k, v in answers.items() if (a := normalise_answer(v)) is not None}
        notes = {k: str(v).strip() for k, v in comments.items() if v and str(v).strip()}
        return cls(kept, notes)


def checklist_of(audit: Audit) -> Checklist:
    """The checklist exactly as this audit was (or is being) scored against it."""
    return Checklist.from_snapshot(audit.checklist_version.content)


def result_of(audit: Audit) -> ScoreResult:
    """Score the stored answers against the stored checklist (drafts may be incomplete)."""
    return score(
        checklist_of(audit), audit.answers, audit.channel, allow_missing=audit.status == "draft"
    )


def score_entry(checklist: Checklist, entry: Answers, channel: str, submit: bool) -> ScoreResult:
    """Score a form's answers; AuditError (problems by form field) when they cannot be."""
    try:
        return score(checklist, entry.answers, channel, allow_missing=not submit)
    except ScoringError as exc:
        raise AuditError(
            {(f"item:{k}" if k else "channel"): v for k, v in exc.problems.items()}
        ) from None


def find_by_token(token: str) -> Audit | None:
    return db.session.execute(select(Audit).filter_by(form_token=token)).scalar_one_or_none()


def start(
    *,
    supervisor: User,
    staff: StaffMember,
    checklist: Checklist,
    token: str,
    interaction: Interaction,
    entry: Answers,
    submit: bool,
    bulk: bool = False,
) -> tuple[Audit, bool]:
    """Store a new audit as a draft or submitted; returns (audit, created).

    The form token makes this idempotent: posting the same form twice (a double click or a
    reload) returns the audit the first post stored instead of storing a second one.

    `bulk` (a loader adding thousands, such as the demo) leaves the audit in the session
    uncommitted, with its totals not updated: the loader commits in batches and then calls
    `rollups.rebuild_all` once, which is far cheaper than updating the totals audit by audit.
    """
    existing = find_by_token(token)
    if existing is not None:
        if existing.status == "draft" and existing.supervisor_id == supervisor.id:
            # The supervisor went Back after saving a draft and posted the form again:
            # the newest answers win, on the same audit.
            return update_draft(
                existing, user=supervisor, interaction=interaction, entry=entry, submit=submit
            ), False
        return existing, False
    if not staff.active:
        raise AuditError({"staff_member_id": f"{staff.name} is no longer active."})
    result = score_entry(checklist, entry, interaction.channel, submit)
    audit = Audit(
        form_token=token,
        staff_member=staff,
        supervisor_id=supervisor.id,
        checklist_version=checklist_store.stored_version(checklist, by=supervisor),
        checklist_id=checklist.id,
        answers=entry.answers,
        comments=entry.comments,
        **{f.name: getattr(interaction, f.name) for f in fields(Interaction)},
    )
    db.session.add(audit)
    audit_history.add(audit, supervisor, "created")
    event_log.record("created", supervisor, audit, staff_member=staff.id, checklist=checklist.id)
    if submit:
        _mark_submitted(audit, supervisor, result)
    if bulk:
        return audit, True
    try:
        rollups.record_changes(audit)  # flushes: a raced token fails here or at commit
        messages = notifications.audit_submitted(audit) if submit else []
        event_log.commit()
    except IntegrityError:
        # Two posts of one form raced each other: the other one stored it.
        event_log.rollback()
        existing = find_by_token(token)
        if existing is None:
            raise
        return existing, False
    if submit:
        _after_submit(audit)
    mail.enqueue(messages)
    return audit, True


def update_draft(
    audit: Audit, *, user: User, interaction: Interaction, entry: Answers, submit: bool
) -> Audit:
    """Save more of a draft, or submit it. A submitted audit is changed only by `amend`."""
    if audit.status != "draft":
        return audit  # a repeated submit of a form already submitted changes nothing
    result = score_entry(checklist_of(audit), entry, interaction.channel, submit)
    _apply(audit, interaction, entry)
    if submit:
        _mark_submitted(audit, user, result)
    else:
        event_log.record("draft_saved", user, audit)
    rollups.record_changes(audit)
    messages = notifications.audit_submitted(audit) if submit else []
    event_log.commit()
    if submit:
        _after_submit(audit)
    mail.enqueue(messages)
    return audit


def amend(
    audit: Audit, *, user: User, interaction: Interaction, entry: Answers, reason: str
) -> Audit:
    """Change a submitted audit, keeping the reason and what changed in its history."""
    if audit.status != "submitted":
        raise AuditError({"": "Only a submitted audit can be amended."})
    reason = reason.strip()
    if not reason:
        raise AuditError({"reason": "Say why the audit is being amended."})
    result = score_entry(checklist_of(audit), entry, interaction.channel, submit=True)
    changes = _changes(audit, interaction, entry)
    if not changes:
        raise AuditError({"": "Nothing was changed, so there is nothing to amend."})
    counted_in = rollups.groups_of(audit)  # the day, channel and staff member it may leave
    _apply(audit, interaction, entry)
    _store_result(audit, result, user)
    audit.revision += 1
    audit.amended_at = utcnow()
    audit_history.add(audit, user, "amended", reason=reason, changes=changes)
    event_log.record(
        "amended",
        user,
        audit,
        revision=audit.revision,
        changes={c["field"]: [c["before"], c["after"]] for c in changes},
    )
    disputed = audit.dispute_status == "open"
    after_amendment(audit, user)
    rollups.record_changes(audit, before=counted_in)
    messages = notifications.audit_amended(audit, resolved_dispute=disputed)
    event_log.commit()
    _after_submit(audit)
    mail.enqueue(messages)
    return audit


def _after_submit(audit: Audit) -> None:
    # Committed: its report is rendered by a worker now, so that opening it later is
    # reading a file, and no page waits behind WeasyPrint in the web process. Only a head
    # start: with the queue unreachable the audit stays saved and the report is rendered
    # when first opened, so the problem is logged rather than shown to the supervisor.
    try:
        queue.enqueue(reports.render_in_background, audit.id)
    except Exception:
        log.exception("audit %s: its report could not be queued for rendering", audit.id)


def _apply(audit: Audit, interaction: Interaction, entry: Answers) -> None:
    for f in fields(Interaction):
        setattr(audit, f.name, getattr(interaction, f.name))
    audit.answers = entry.answers
    audit.comments = entry.comments


def _mark_submitted(audit: Audit, user: User, result: ScoreResult) -> None:
    audit.status = "submitted"
    audit.submitted_at = utcnow()
    _store_result(audit, result, user)
    audit_history.add(audit, user, "submitted")
    event_log.record("submitted", user, audit, passed=result.passed)


def _store_result(audit: Audit, result: ScoreResult, by: User) -> None:
    audit.overall = result.overall
    audit.band = result.band
    audit.passed = result.passed
    audit.critical_failures = list(result.critical_failures)
    if audit.id is not None:
        db.session.execute(delete(AuditItem).where(AuditItem.audit_id == audit.id))
        db.session.execute(delete(AuditSection).where(AuditSection.audit_id == audit.id))
    audit.sections = [
        AuditSection(
            section_id=s.section_id,
            percentage=s.percentage,
            weight=s.weight,
            scored_count=s.scored_count,
        )
        for s in result.section_results.values()
    ]
    audit.items = [
        AuditItem(
            item_id=r.item_id,
            section_id=r.section_id,
            answer=r.answer,
            status=r.status,
            kind=r.kind,
            critical=r.critical,
            critical_failed=r.critical_failed,
            earned=r.earned,
            possible=r.possible,
            met=r.met,
        )
        for r in result.items.values()
    ]
    # A later audit that meets what a trainer asked for closes that coaching action.
    coaching.close_met_actions(audit, result, by=by)


def _changes(audit: Audit, interaction: Interaction, entry: Answers) -> list[dict[str, Any]]:
    """What an amendment changes, as [{field, before, after}] in plain text."""
    changes = []
    for f in fields(Interaction):
        before, after = getattr(audit, f.name), getattr(interaction, f.name)
        if _text(before) != _text(after):
            changes.append({"field": f.name, "before": _text(before), "after": _text(after)})
    for kind, old, new in (
        ("answer", audit.answers, entry.answers),
        ("comment", audit.comments, entry.comments),
    ):
        for item_id in sorted(set(old) | set(new)):
            if old.get(item_id) != new.get(item_id):
                changes.append(
                    {
                        "field": f"{kind}:{item_id}",
                        "before": old.get(item_id),
                        "after": new.get(item_id),
                    }
                )
    return changes


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
