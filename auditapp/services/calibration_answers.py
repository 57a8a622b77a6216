"""The raters' answers to a calibration session, and the consensus the trainer records in
review: both on the audit form, scored as an audit is. Every write commits here, with its
event log entry.

Submitted answers never change; in a live session the lead rater's submit is also the staff
member's real audit. Answers are taken only while the session is open (`late_message`).
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS
from auditapp.extensions import db
from auditapp.models import CalibrationAnswer, CalibrationSession, User

from . import audits as audit_service
from . import event_log
from .calibration_access import (
    all_submitted,
    can_manage,
    checklist_of,
    consensus_of,
    own_answer,
    rater_ids,
    status_of,
)
from .calibration_sessions import CalibrationError, store_review


def save_answers(
    session: CalibrationSession,
    user: User,
    *,
    token: str,
    interaction: audit_service.Interaction,
    entry: audit_service.Answers,
    submit: bool,
) -> tuple[CalibrationAnswer, bool]:
    """A rater's draft or submit; returns (answer, changed). Submitted answers never change:
    posting them again (a double click, a reload) stores nothing twice.

    In a live session the lead rater's submit is also the staff member's real audit,
    stored by the audit service in the same transaction (the two share the form token).
    """
    if user.id not in rater_ids(session):
        raise CalibrationError({"": "Only the session's invited raters score it."})
    answer = own_answer(session, user)
    if answer is not None and answer.status == "submitted":
        return answer, False
    _check_open(session)
    checklist = checklist_of(session)
    _check_channel(session, interaction)
    result = audit_service.score_entry(checklist, entry, interaction.channel, submit)
    if answer is None:
        answer = CalibrationAnswer(
            session_id=session.id, user_id=user.id, kind="rater", status="draft", form_token=token
        )
        session.answers.append(answer)
    _apply(answer, interaction, entry, result if submit else None)
    action = "calibration_submitted" if submit else "calibration_draft_saved"
    live_lead = submit and session.material_kind == "live" and user.id == session.lead_rater_id
    event_log.record(action, user, session, **({"audit": "created"} if live_lead else {}))
    if submit and all_submitted(session):
        session.status = "review"
        event_log.record("calibration_review", user, session, because="every rater submitted")
    try:
        if live_lead:
            # The audit service commits: the calibration answer goes in the same transaction.
            _, created = audit_service.start(
                supervisor=user,
                staff=session.staff_member,
                checklist=checklist,
                token=answer.form_token,
                interaction=interaction,
                entry=entry,
                submit=True,
            )
            if not created:  # another post of this form stored both first
                event_log.rollback()
                return _stored_answer(session, user), False
        else:
            event_log.commit()
    except IntegrityError:
        event_log.rollback()  # two posts of one form raced: the other one stored it
        return _stored_answer(session, user), False
    except audit_service.AuditError:
        event_log.rollback()
        raise
    return answer, True


def _stored_answer(session: CalibrationSession, user: User) -> CalibrationAnswer:
    stored = db.session.execute(
        select(CalibrationAnswer).filter_by(session_id=session.id, user_id=user.id, kind="rater")
    ).scalar_one_or_none()
    if stored is None:
        raise CalibrationError({"": "Your answers could not be stored; send them again."})
    return stored


def record_consensus(
    session: CalibrationSession,
    user: User,
    *,
    token: str,
    interaction: audit_service.Interaction,
    entry: audit_service.Answers,
) -> CalibrationAnswer:
    """The trainer records the answers the raters agreed on, in review (on the same form)."""
    if not can_manage(user, session):
        raise CalibrationError({"": "Only the session's trainer records the consensus."})
    if session.reference_mode != "consensus":
        raise CalibrationError({"": "This session's reference is not a consensus."})
    consensus = consensus_of(session)
    if consensus is not None and consensus.form_token == token:
        return consensus  # the same form posted twice
    state = status_of(session)
    if state != "review":
        raise CalibrationError(
            {
                "": "The consensus is recorded in review, once every rater has submitted "
                "or the deadline has passed."
                if state == "open"
                else "The session is closed."
            }
        )
    _check_channel(session, interaction)
    result = audit_service.score_entry(checklist_of(session), entry, interaction.channel, True)
    store_review(session, user)
    if consensus is None:
        consensus = CalibrationAnswer(session_id=session.id, user_id=user.id, kind="consensus")
        session.answers.append(consensus)
    consensus.form_token, consensus.user_id = token, user.id
    _apply(consensus, interaction, entry, result)
    event_log.record("calibration_consensus", user, session)
    event_log.commit()
    return consensus


def late_message(session: CalibrationSession) -> str | None:
    """Why answers are no longer taken, in words; None while the session is open."""
    state = status_of(session)
    if state == "open":
        return None
    if state == "closed":
        return "This session is closed: answers are no longer taken."
    if session.deadline > clock.utcnow():
        return "Every rater has submitted: the session is in review."
    deadline = clock.local(session.deadline).strftime("%d %b %Y %H:%M")
    return (
        f"The deadline passed on {deadline}: answers are no longer taken. "
        "Your draft, if you saved one, is kept but does not count."
    )


def _check_open(session: CalibrationSession) -> None:
    message = late_message(session)
    if message:
        raise CalibrationError({"": message})


def _check_channel(session: CalibrationSession, interaction: audit_service.Interaction) -> None:
    if interaction.channel != session.channel:
        label = CHANNEL_LABELS.get(session.channel, session.channel)
        raise CalibrationError({"channel": f"This session is scored as {label}."})


def _apply(
    answer: CalibrationAnswer,
    interaction: audit_service.Interaction,
    entry: audit_service.Answers,
    result,
) -> None:
    answer.channel = interaction.channel
    answer.observed_at = interaction.observed_at
    answer.notes = interaction.notes
    answer.interaction = {
        f.name: _plain(getattr(interaction, f.name))
        for f in fields(audit_service.Interaction)
        if f.name not in ("channel", "observed_at", "notes")
    }
    answer.answers, answer.comments = entry.answers, entry.comments
    if result is not None:
        answer.status = "submitted"
        answer.submitted_at = clock.utcnow()
        answer.overall, answer.passed, answer.band = result.overall, result.passed, result.band
        answer.critical_failures = list(result.critical_failures)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def interaction_of(answer: CalibrationAnswer) -> dict[str, Any]:
    """A stored answer's interaction fields, as the form shows them again."""
    values = dict(answer.interaction or {})
    if values.get("monetary_value") is not None:
        values["monetary_value"] = Decimal(values["monetary_value"])
    return {
        **values,
        "channel": answer.channel,
        "observed_at": answer.observed_at,
        "notes": answer.notes,
    }
