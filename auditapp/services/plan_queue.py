"""A supervisor's queue: who is due or overdue under the observation plans, in the order to
observe them, and the calibration sessions waiting for the supervisor's scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from auditapp import clock
from auditapp.extensions import db
from auditapp.models import User
from auditapp.models.calibration import CalibrationAnswer, CalibrationRater, CalibrationSession

from .plan_status import Standing, standings


@dataclass(frozen=True)
class QueueRow:
    standing: Standing
    # False when what is missing must be done by another supervisor than this one (the
    # plan shares a person's audits among supervisors and this one did all of them).
    mine_to_do: bool
    days_since: int | None  # since the last observation toward the plan; None: never

    @property
    def person(self):
        return self.standing.person


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    on_plans: int  # (staff member, plan) pairs this period, short or not

    @property
    def overdue(self) -> int:
        return sum(r.standing.status == "overdue" for r in self.rows)


def queue_for(user: User, today: date | None = None) -> Queue:
    """Everyone still short this period, in the order to observe them: those this
    supervisor can help first; then overdue before due; the largest shortfall; the longest
    since last observed (never observed first); then by name."""
    today = today or clock.today()
    rows = []
    found = standings(today)
    for s in found:
        if s.shortfall == 0:
            continue
        mine = not (s.needs_other_supervisor and s.only_supervisor == user.id)
        since = None if s.last_observed is None else (today - s.last_observed.date()).days
        rows.append(QueueRow(s, mine, since))
    rows.sort(
        key=lambda r: (
            not r.mine_to_do,
            r.standing.status != "overdue",
            -r.standing.shortfall,
            r.standing.last_observed or datetime.min,
            r.person.name.casefold(),
            r.standing.checklist_id,
        )
    )
    return Queue(rows, len(found))


@dataclass(frozen=True)
class AwaitingSession:
    id: int
    title: str
    deadline: datetime  # the organisation's wall time
    started: bool  # a draft is saved


def calibration_awaiting(user: User) -> list[AwaitingSession]:
    """Open calibration sessions that invited `user` and still wait for their answers,
    the nearest deadline first."""
    submitted = select(CalibrationAnswer.session_id).where(
        CalibrationAnswer.user_id == user.id,
        CalibrationAnswer.kind == "rater",
        CalibrationAnswer.status == "submitted",
    )
    drafts = select(CalibrationAnswer.session_id).where(
        CalibrationAnswer.user_id == user.id,
        CalibrationAnswer.kind == "rater",
        CalibrationAnswer.status == "draft",
    )
    rows = db.session.execute(
        select(
            CalibrationSession.id,
            CalibrationSession.title,
            CalibrationSession.deadline,
            CalibrationSession.id.in_(drafts),
        )
        .join(CalibrationRater, CalibrationRater.session_id == CalibrationSession.id)
        .where(
            CalibrationRater.user_id == user.id,
            CalibrationSession.status == "open",
            CalibrationSession.deadline > clock.utcnow(),
            CalibrationSession.id.not_in(submitted),
        )
        .order_by(CalibrationSession.deadline, CalibrationSession.id)
    )
    return [AwaitingSession(i, t, clock.local(d), bool(started)) for i, t, d, started in rows]
