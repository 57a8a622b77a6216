"""Observation plans: setting, changing and ending them (each change in the event log), and
the weeks and months they count in.

A period is a week (ISO, Monday to Sunday) or a calendar month of the organisation's
calendar: it starts at the organisation's midnight. Audits count in it by when the
interaction was observed, which is stored as the wall time the supervisor typed in the
organisation's zone (auditapp/clock.py), so the bounds are compared with it as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from auditapp.checklists import CHANNEL_LABELS
from auditapp.extensions import db
from auditapp.models import ObservationPlan, StaffMember, Team, User
from auditapp.models.plans import MAX_PER_PERIOD, MIN_PER_PERIOD, PERIODS

from . import event_log
from .checklists import available
from .periods import month_end

__all__ = ["PERIODS", "Period", "PlanError", "PlanInput", "period_of"]


@dataclass(frozen=True)
class Period:
    """The days first..end-1 of one week or month."""

    kind: str  # "week" or "month"
    first: date
    end: date  # the day after the last

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time.min)

    def previous(self) -> Period:
        return period_of(self.kind, self.first - timedelta(days=1))

    def has_ended(self, today: date) -> bool:
        return self.end <= today

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first:%B %Y}"
        week = self.first.isocalendar()
        return f"Week {week.week} of {week.year} ({self.first:%-d %b} – {self.last:%-d %b %Y})"


def period_of(kind: str, day: date) -> Period:
    """The week (Monday first) or month that holds `day`."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=7))
    if kind == "month":
        return Period(kind, day.replace(day=1), month_end(day) + timedelta(days=1))
    raise ValueError(f"unknown period {kind!r}")


class PlanError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PlanInput:
    """What a plan says, as the form (or the demo) gives it."""

    team_id: int
    checklist_id: str
    audits_per_period: int
    period: str
    staff_member_id: int | None = None
    channel: str | None = None
    spread_supervisors: bool = False


def channels_of(checklist_id: str) -> dict[str, str]:
    """The channels a plan for this checklist may name (the checklist's own, else all)."""
    checklist = available().get(checklist_id)
    names = checklist.channels if checklist is not None and checklist.channels else CHANNEL_LABELS
    return {c: CHANNEL_LABELS.get(c, c) for c in names}


def _check(values: PlanInput, plan: ObservationPlan | None = None) -> None:
    """Refuse values the plan cannot hold, with the field they belong to."""
    if db.session.get(Team, values.team_id) is None:
        raise PlanError("Choose a team.", "team")
    if values.staff_member_id is not None:
        member = db.session.get(StaffMember, values.staff_member_id)
        if member is None or not member.active:
            raise PlanError("Choose an active staff member, or the whole team.", "staff_member")
        if member.team_id != values.team_id:
            raise PlanError(f"{member.name} is not in that team.", "staff_member")
    kept = plan is not None and plan.checklist_id == values.checklist_id
    if values.checklist_id not in available() and not kept:
        raise PlanError("Choose one of the checklists in use.", "checklist")
    if not MIN_PER_PERIOD <= values.audits_per_period <= MAX_PER_PERIOD:
        raise PlanError(
            f"Enter a number of audits from {MIN_PER_PERIOD} to {MAX_PER_PERIOD}.",
            "audits_per_period",
        )
    if values.period not in PERIODS:
        raise PlanError("Choose a week or a month.", "period")
    if values.channel is not None and values.channel not in channels_of(values.checklist_id):
        raise PlanError("This checklist is not used on that channel.", "channel")
    same = select(ObservationPlan.id).where(
        ObservationPlan.active.is_(True),
        ObservationPlan.team_id == values.team_id,
        ObservationPlan.checklist_id == values.checklist_id,
        _is(ObservationPlan.staff_member_id, values.staff_member_id),
        _is(ObservationPlan.channel, values.channel),
    )
    if plan is not None:
        same = same.where(ObservationPlan.id != plan.id)
    if db.session.scalar(same.limit(1)) is not None:
        raise PlanError(
            "There is already a plan for this checklist and channel for the same people: "
            "change that one instead.",
            "checklist",
        )


def _is(column, value):
    return column.is_(None) if value is None else column == value


def create(values: PlanInput, *, by: User | None, commit: bool = True) -> ObservationPlan:
    """A new active plan, logged as "plan_created"."""
    _check(values)
    plan = ObservationPlan(
        **{f.name: getattr(values, f.name) for f in fields(values)}, created_by=by
    )
    db.session.add(plan)
    event_log.record("plan_created", by, plan, **_described(values))
    if commit:
        event_log.commit()
    return plan


def change(plan: ObservationPlan, values: PlanInput, *, by: User | None) -> dict[str, list]:
    """Store new values; the changes ({field: [old, new]}), logged as "plan_changed"."""
    if not plan.active:
        raise PlanError("This plan was ended; set up a new one instead.")
    _check(values, plan)
    changes = {}
    for f in fields(values):
        old, new = getattr(plan, f.name), getattr(values, f.name)
        if old != new:
            changes[f.name] = [old, new]
            setattr(plan, f.name, new)
    if changes:
        event_log.record("plan_changed", by, plan, changes=changes)
        event_log.commit()
    return changes


def deactivate(plan: ObservationPlan, *, by: User | None) -> None:
    """End a plan: from now on it counts nowhere (its audits stay as they are)."""
    if not plan.active:
        return
    plan.active = False
    event_log.record("plan_ended", by, plan, checklist=plan.checklist_id)
    event_log.commit()


def _described(values: PlanInput) -> dict:
    return {
        "team": values.team_id,
        "staff_member": values.staff_member_id,
        "checklist": values.checklist_id,
        "per_period": f"{values.audits_per_period} a {values.period}",
        "channel": values.channel,
        "spread": values.spread_supervisors,
    }


def get(plan_id: int) -> ObservationPlan | None:
    """A plan with its team and staff member."""
    return db.session.scalar(
        select(ObservationPlan)
        .options(joinedload(ObservationPlan.team), joinedload(ObservationPlan.staff_member))
        .where(ObservationPlan.id == plan_id)
    )


def all_plans() -> list[ObservationPlan]:
    """Every plan, active ones first, by team and checklist, with their team and person."""
    query = (
        select(ObservationPlan)
        .options(joinedload(ObservationPlan.team), joinedload(ObservationPlan.staff_member))
        .join(Team, Team.id == ObservationPlan.team_id)
        .order_by(
            ObservationPlan.active.desc(),
            Team.name,
            ObservationPlan.staff_member_id.is_not(None),
            ObservationPlan.checklist_id,
            ObservationPlan.id,
        )
    )
    return list(db.session.scalars(query))


def staff_choices() -> list[tuple[int, str, int]]:
    """(id, name, team id) of the active staff members in a team, for the plan form."""
    rows = db.session.execute(
        select(StaffMember.id, StaffMember.name, StaffMember.team_id)
        .where(StaffMember.active.is_(True), StaffMember.team_id.is_not(None))
        .order_by(StaffMember.name)
    )
    return [tuple(r) for r in rows]
