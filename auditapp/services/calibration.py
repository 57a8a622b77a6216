"""Calibration sessions: creating them, each rater's answers (on the audit form), the
consensus recorded in review, closing. Every write commits here, with its event log entry.

A session is open until every invited rater has submitted or its deadline passed; then it
is in review (worked out when it is read, and stored by the next write), then closed.
A rater sees nobody else's answers until they have submitted their own or the session left
"open" (`can_see_answers`); every page, PDF and JSON of answers asks that one function.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS, Checklist
from auditapp.extensions import db
from auditapp.models import (
    CalibrationAnswer,
    CalibrationRater,
    CalibrationSession,
    StaffMember,
    User,
)
from auditapp.models.calibration import MATERIAL_KINDS, REFERENCE_MODES

from . import audits as audit_service
from . import calibration_files as files
from . import checklists as checklist_store
from . import event_log, mail, notifications

RATER_ROLES = ("supervisor", "trainer")
CREATOR_ROLES = ("admin", "trainer", "supervisor")
MAX_TEXT = 50_000


class CalibrationError(audit_service.AuditError):
    """Input or a step that is refused; `problems` maps form field names (or '') to messages."""


@dataclass(frozen=True)
class NewSession:
    """What the trainer chose on the new session form."""

    title: str
    checklist: Checklist
    channel: str
    material_kind: str
    rater_ids: tuple[int, ...]
    reference_mode: str
    deadline: datetime  # wall time in the organisation's zone, as typed
    material_text: str = ""
    staff_member_id: int | None = None
    hide_staff_name: bool = False
    lead_rater_id: int | None = None
    expert_id: int | None = None


# --- reading --------------------------------------------------------------------------


def load(session_id: int) -> CalibrationSession | None:
    """A session with its raters, answers and people, in a few queries."""
    return db.session.execute(
        select(CalibrationSession)
        .where(CalibrationSession.id == session_id)
        .options(
            selectinload(CalibrationSession.raters).joinedload(CalibrationRater.user),
            selectinload(CalibrationSession.answers).joinedload(CalibrationAnswer.user),
            selectinload(CalibrationSession.staff_member),
            selectinload(CalibrationSession.checklist_version),
            selectinload(CalibrationSession.created_by),
        )
    ).scalar_one_or_none()


def sessions_for(user: User) -> list[CalibrationSession]:
    """The sessions `user` may open (admins: all), newest first."""
    query = (
        select(CalibrationSession)
        .options(
            selectinload(CalibrationSession.raters),
            selectinload(CalibrationSession.answers).joinedload(CalibrationAnswer.user),
            selectinload(CalibrationSession.checklist_version),
        )
        .order_by(CalibrationSession.id.desc())
    )
    if user.role != "admin":
        rated = select(CalibrationRater.session_id).where(CalibrationRater.user_id == user.id)
        query = query.where(
            or_(CalibrationSession.created_by_id == user.id, CalibrationSession.id.in_(rated))
        )
    return list(db.session.execute(query).scalars())


def possible_raters() -> list[tuple[int, str]]:
    """(id, "name · role") of the active supervisors and trainers, by name."""
    rows = db.session.execute(
        select(User.id, User.name, User.role)
        .where(User.role.in_(RATER_ROLES), User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(r.id, f"{r.name} · {r.role.title()}") for r in rows]


def checklist_of(session: CalibrationSession) -> Checklist:
    """The checklist exactly as the session snapshotted it."""
    return Checklist.from_snapshot(session.checklist_version.content)


def rater_ids(session: CalibrationSession) -> list[int]:
    return [r.user_id for r in session.raters]


def submitted(session: CalibrationSession) -> dict[int, CalibrationAnswer]:
    """The raters' submitted answers by user id."""
    return {a.user_id: a for a in session.answers if a.kind == "rater" and a.status == "submitted"}


def own_answer(session: CalibrationSession, user: User) -> CalibrationAnswer | None:
    return next((a for a in session.answers if a.kind == "rater" and a.user_id == user.id), None)


def consensus_of(session: CalibrationSession) -> CalibrationAnswer | None:
    return next((a for a in session.answers if a.kind == "consensus"), None)


def status_of(session: CalibrationSession) -> str:
    """open, review or closed, as of now: an open session whose every rater submitted, or
    whose deadline passed, is in review even before a write stores it."""
    if session.status != "open":
        return session.status
    if session.deadline <= clock.utcnow() or _all_submitted(session):
        return "review"
    return "open"


def _all_submitted(session: CalibrationSession) -> bool:
    return bool(session.raters) and set(rater_ids(session)) <= set(submitted(session))


def is_member(user: User, session: CalibrationSession) -> bool:
    return user.id == session.created_by_id or user.id in rater_ids(session)


def can_open(user: User, session: CalibrationSession) -> bool:
    """Members see a session; admins see every session (its answers once out of "open")."""
    return user.role == "admin" or is_member(user, session)


def can_see_answers(user: User, session: CalibrationSession) -> bool:
    """Blind until submitted: others' answers only once one's own are in, or the session
    left "open"."""
    if not can_open(user, session):
        return False
    if status_of(session) != "open":
        return True
    mine = own_answer(session, user)
    return mine is not None and mine.status == "submitted"


def can_manage(user: User, session: CalibrationSession) -> bool:
    """Who records the consensus and closes: the session's creator, an admin, or a trainer
    who rates in it."""
    return (
        user.id == session.created_by_id
        or user.role == "admin"
        or (user.role == "trainer" and user.id in rater_ids(session))
    )


def staff_name_for(user: User, session: CalibrationSession) -> str | None:
    """The staff member's name as `user` may see it (hidden from raters when asked)."""
    if session.staff_member is None:
        return None
    if session.hide_staff_name and user.id in rater_ids(session) and not can_manage(user, session):
        return None
    return session.staff_member.name


# --- creating -------------------------------------------------------------------------


def create(by: User, new: NewSession, upload: files.Upload | None = None) -> CalibrationSession:
    """Store a new session (and its upload); CalibrationError names every refused field."""
    if by.role not in CREATOR_ROLES:
        raise CalibrationError({"": "Only trainers, supervisors and admins create sessions."})
    problems = _problems(new, upload)
    if problems:
        raise CalibrationError(problems)
    session = CalibrationSession(
        title=new.title.strip(),
        checklist_version=checklist_store.stored_version(new.checklist, by=by),
        checklist_id=new.checklist.id,
        channel=new.channel,
        material_kind=new.material_kind,
        material_text=new.material_text.strip() if new.material_kind == "text" else "",
        staff_member_id=new.staff_member_id,
        hide_staff_name=new.hide_staff_name and new.material_kind != "live",
        lead_rater_id=new.lead_rater_id if new.material_kind == "live" else None,
        reference_mode=new.reference_mode,
        expert_id=new.expert_id if new.reference_mode == "expert" else None,
        deadline=clock.to_utc(new.deadline),
        created_by_id=by.id,
        raters=[CalibrationRater(user_id=i) for i in dict.fromkeys(new.rater_ids)],
    )
    stored = None
    if upload is not None and new.material_kind == "upload":
        stored = files.store(upload)
        session.upload_file, session.upload_name = stored, upload.name
        session.upload_type, session.upload_size = upload.content_type, len(upload.data)
    db.session.add(session)
    event_log.record(
        "calibration_created",
        by,
        session,
        checklist=new.checklist.id,
        material=new.material_kind,
        reference=new.reference_mode,
        raters=len(session.raters),
    )
    try:
        db.session.flush()  # the session's id, for the invitations' links
        invitations = notifications.calibration_invited(session, by)
        event_log.commit()
    except Exception:
        event_log.rollback()
        if stored:
            files.remove(stored)  # no session points at it
        raise
    mail.enqueue(invitations)
    return session


def _problems(new: NewSession, upload: files.Upload | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not new.title.strip():
        problems["title"] = "Say what is scored, such as “Phone call about a late delivery”."
    if new.channel not in (new.checklist.channels or tuple(CHANNEL_LABELS)):
        problems["channel"] = f"{new.checklist.title} is not used on this channel."
    if new.material_kind not in MATERIAL_KINDS:
        problems["material_kind"] = "Choose what is scored."
    if new.reference_mode not in REFERENCE_MODES:
        problems["reference_mode"] = "Choose how the reference answer is set."
    raters = _users(new.rater_ids)
    if len(raters) < 2:
        problems["rater_ids"] = "Invite at least two raters: agreement needs two or more."
    elif any(u.role not in RATER_ROLES or not u.active for u in raters.values()):
        problems["rater_ids"] = "Raters are active supervisors and trainers."
    if new.material_kind == "text" and not new.material_text.strip():
        problems["material_text"] = "Write or paste the account of the interaction."
    if len(new.material_text) > MAX_TEXT:
        problems["material_text"] = f"Keep the account under {MAX_TEXT:,} characters."
    if new.material_kind == "upload" and upload is None:
        problems["upload"] = "Choose the recording or document to upload."
    staff = db.session.get(StaffMember, new.staff_member_id) if new.staff_member_id else None
    if new.staff_member_id and (staff is None or not staff.active):
        problems["staff_member_id"] = "Choose an active staff member."
    if new.material_kind == "live":
        if staff is None:
            problems.setdefault("staff_member_id", "A live observation is of a staff member.")
        lead = raters.get(new.lead_rater_id or 0)
        if lead is None or lead.role != "supervisor":
            problems["lead_rater_id"] = (
                "Choose the lead rater among the invited supervisors: their audit is the one "
                "that counts."
            )
    if new.reference_mode == "expert" and (new.expert_id or 0) not in raters:
        problems["expert_id"] = "Choose the expert among the invited raters."
    if new.deadline <= clock.local_now():
        problems["deadline"] = "The deadline has to be in the future."
    return problems


def _users(ids: tuple[int, ...]) -> dict[int, User]:
    if not ids:
        return {}
    found = db.session.execute(select(User).where(User.id.in_(set(ids)))).scalars()
    return {u.id: u for u in found}


# --- answering ------------------------------------------------------------------------


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
    if submit and _all_submitted(session):
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
    _store_review(session, user)
    if consensus is None:
        consensus = CalibrationAnswer(session_id=session.id, user_id=user.id, kind="consensus")
        session.answers.append(consensus)
    consensus.form_token, consensus.user_id = token, user.id
    _apply(consensus, interaction, entry, result)
    event_log.record("calibration_consensus", user, session)
    event_log.commit()
    return consensus


def close(session: CalibrationSession, user: User) -> CalibrationSession:
    """End the session: no more answers or consensus; the results stay."""
    if not can_manage(user, session):
        raise CalibrationError({"": "Only the session's trainer or an admin closes it."})
    state = status_of(session)
    if state == "closed":
        return session
    if state == "open":
        raise CalibrationError(
            {
                "": "The session is still open: it can be closed once every rater has "
                "submitted or the deadline has passed."
            }
        )
    if session.reference_mode == "consensus" and consensus_of(session) is None:
        raise CalibrationError({"": "Record the consensus before closing the session."})
    _store_review(session, user)
    session.status = "closed"
    session.closed_at = clock.utcnow()
    event_log.record("calibration_closed", user, session)
    event_log.commit()
    return session


def note_material_opened(session: CalibrationSession, user: User) -> None:
    event_log.record_now("calibration_material", user, session)


def note_results_printed(session: CalibrationSession, user: User) -> None:
    event_log.record_now("calibration_results", user, session)


def _store_review(session: CalibrationSession, user: User) -> None:
    """Store the review that `status_of` worked out (the deadline passed), with its entry."""
    if session.status == "open" and status_of(session) == "review":
        session.status = "review"
        because = "every rater submitted" if _all_submitted(session) else "the deadline passed"
        event_log.record("calibration_review", user, session, because=because)


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
