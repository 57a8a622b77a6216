"""Plain data for the calibration pages: a session as its reader may see it, and the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS
from auditapp.models import CalibrationSession, User
from auditapp.models.calibration import MATERIAL_KINDS
from auditapp.models.people import ROLE_LABELS

from . import calibration_access as access
from . import calibration_files as files

STATUS_LABELS = {"open": "Open", "review": "In review", "closed": "Closed"}
REFERENCE_SHORT = {"expert": "Expert", "consensus": "Consensus", "none": "None"}


@dataclass(frozen=True)
class RaterRow:
    user_id: int
    name: str
    role: str
    state: str  # "submitted", "draft" or "not started"
    is_lead: bool
    is_expert: bool


@dataclass(frozen=True)
class Material:
    name: str
    content_type: str
    kind: str  # document, image, audio or video
    size: int
    inline: bool


@dataclass(frozen=True)
class SessionView:
    id: int
    title: str
    checklist_id: str
    checklist_title: str
    checklist_version: int
    channel: str
    channel_label: str
    material_kind: str
    material_label: str
    material_text: str
    upload: Material | None
    staff_name: str | None
    staff_hidden: bool
    deadline: datetime  # local wall time
    status: str
    status_label: str
    reference_mode: str
    reference_label: str
    expert_name: str | None
    lead_name: str | None
    created_by: str
    raters: list[RaterRow]
    my_state: str | None  # None: not a rater
    can_score: bool
    can_consensus: bool
    can_close: bool
    can_see_answers: bool
    consensus_recorded: bool
    submitted_count: int


def session_view(session: CalibrationSession, user: User) -> SessionView:
    """The session as `user` may see it: who has submitted, never what they answered."""
    state = access.status_of(session)
    answers = {a.user_id: a for a in session.answers if a.kind == "rater"}
    raters = [
        RaterRow(
            r.user_id,
            r.user.name,
            ROLE_LABELS.get(r.user.role, r.user.role),
            _state(answers.get(r.user_id)),
            r.user_id == session.lead_rater_id,
            r.user_id == session.expert_id,
        )
        for r in session.raters
    ]
    names = {r.user_id: r.name for r in raters}
    mine = next((r.state for r in raters if r.user_id == user.id), None)
    manage = access.can_manage(user, session)
    upload = None
    if session.upload_file:
        upload = Material(
            session.upload_name or "material",
            session.upload_type or "application/octet-stream",
            files.kind_of(session.upload_name or ""),
            session.upload_size or 0,
            files.shown_inline(session.upload_name or ""),
        )
    staff_name = access.staff_name_for(user, session)
    version = session.checklist_version
    return SessionView(
        id=session.id,
        title=session.title,
        checklist_id=session.checklist_id,
        checklist_title=version.title,
        checklist_version=version.version,
        channel=session.channel,
        channel_label=CHANNEL_LABELS.get(session.channel, session.channel),
        material_kind=session.material_kind,
        material_label=MATERIAL_KINDS.get(session.material_kind, session.material_kind),
        material_text=session.material_text,
        upload=upload,
        staff_name=staff_name,
        staff_hidden=session.staff_member_id is not None and staff_name is None,
        deadline=clock.local(session.deadline),
        status=state,
        status_label=STATUS_LABELS[state],
        reference_mode=session.reference_mode,
        reference_label=REFERENCE_SHORT.get(session.reference_mode, session.reference_mode),
        expert_name=names.get(session.expert_id or 0),
        lead_name=names.get(session.lead_rater_id or 0),
        created_by=session.created_by.name,
        raters=raters,
        my_state=mine,
        can_score=mine is not None and mine != "submitted" and state == "open",
        can_consensus=manage and session.reference_mode == "consensus" and state == "review",
        can_close=manage and state == "review",
        can_see_answers=access.can_see_answers(user, session),
        consensus_recorded=access.consensus_of(session) is not None,
        submitted_count=sum(r.state == "submitted" for r in raters),
    )


def _state(answer) -> str:
    if answer is None:
        return "not started"
    return "submitted" if answer.status == "submitted" else "draft"


@dataclass(frozen=True)
class SessionRow:
    id: int
    title: str
    checklist_title: str
    status: str
    status_label: str
    deadline: datetime
    raters: int
    submitted: int
    my_state: str | None
    reference_label: str


def session_rows(user: User) -> list[SessionRow]:
    """The sessions `user` may open, newest first, as rows of the list."""
    rows = []
    for s in access.sessions_for(user):
        done = access.submitted(s)
        mine = None
        if user.id in access.rater_ids(s):
            own = access.own_answer(s, user)
            mine = _state(own)
        state = access.status_of(s)
        rows.append(
            SessionRow(
                s.id,
                s.title,
                s.checklist_version.title,
                state,
                STATUS_LABELS[state],
                clock.local(s.deadline),
                len(s.raters),
                len(done),
                mine,
                REFERENCE_SHORT.get(s.reference_mode, s.reference_mode),
            )
        )
    return rows
