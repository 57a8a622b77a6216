"""Setting up and ending calibration sessions: the new session form's raters and checks,
creating a session (with its upload and the raters' invitations), storing the review that
calibration_access works out, and closing. Every write commits here, with its event log
entry; the raters' answers and the consensus are in calibration_answers. `CalibrationError`,
which every calibration write raises when it refuses a step, is here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS, Checklist
from auditapp.extensions import db
from auditapp.models import CalibrationRater, CalibrationSession, StaffMember, User
from auditapp.models.calibration import MATERIAL_KINDS, REFERENCE_MODES

from . import audits as audit_service
from . import calibration_files as files
from . import checklists as checklist_store
from . import event_log, mail, notifications
from .calibration_access import all_submitted, can_manage, consensus_of, status_of

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


# --- creating -------------------------------------------------------------------------


def possible_raters() -> list[tuple[int, str]]:
    """(id, "name · role") of the active supervisors and trainers, by name."""
    rows = db.session.execute(
        select(User.id, User.name, User.role)
        .where(User.role.in_(RATER_ROLES), User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(r.id, f"{r.name} · {r.role.title()}") for r in rows]


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


# --- review and closing ---------------------------------------------------------------


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
    store_review(session, user)
    session.status = "closed"
    session.closed_at = clock.utcnow()
    event_log.record("calibration_closed", user, session)
    event_log.commit()
    return session


def store_review(session: CalibrationSession, user: User) -> None:
    """Store the review that `status_of` worked out (the deadline passed), with its entry."""
    if session.status == "open" and status_of(session) == "review":
        session.status = "review"
        because = "every rater submitted" if all_submitted(session) else "the deadline passed"
        event_log.record("calibration_review", user, session, because=because)


# --- reading, noted in the log --------------------------------------------------------


def note_material_opened(session: CalibrationSession, user: User) -> None:
    event_log.record_now("calibration_material", user, session)


def note_results_printed(session: CalibrationSession, user: User) -> None:
    event_log.record_now("calibration_results", user, session)
