"""Reading calibration sessions: loading one (or the list a user may open), the answers in
it, the state it is in as of now, and who may open it, see its answers or manage it.

A session is open until every invited rater has submitted or its deadline passed; then it
is in review (worked out when it is read, and stored by the next write), then closed.
A rater sees nobody else's answers until they have submitted their own or the session left
"open" (`can_see_answers`); every page, PDF and JSON of answers asks that one function.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from auditapp import clock
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import CalibrationAnswer, CalibrationRater, CalibrationSession, User


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
    if session.deadline <= clock.utcnow() or all_submitted(session):
        return "review"
    return "open"


def all_submitted(session: CalibrationSession) -> bool:
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
