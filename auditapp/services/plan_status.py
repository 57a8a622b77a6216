"""Where each staff member stands against their observation plans in a period.

For each active staff member and each active plan that applies to them (their team's plans,
except where a plan of their own names the same checklist), in the plan's week or month:

- required: the plan's audits per period;
- done: submitted audits of the plan's checklist (and channel, if it names one) observed in
  the period; calibration audits never count;
- counted: done, at most required. With "spread among supervisors" and more than one
  required, audits all by one supervisor count one short of the plan: the last one must be
  by someone else;
- shortfall: required less counted;
- status: "met" (no shortfall), "missed" (the period is over and it fell short), "overdue"
  (still short, and the period before also ended short), else "due". The period before
  is held against a person only if they and the plan were there for all of it, so a new
  plan or a new person is "due", never "overdue", in their first periods.

Audits are counted by SQL GROUP BY (per staff member, checklist, channel and supervisor),
never loaded one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from auditapp import clock
from auditapp.extensions import db
from auditapp.models import Audit, ObservationPlan, StaffMember, Team
from auditapp.models.calibration import CalibrationAnswer

from .plans import Period, period_of

STATUS_ORDER = {"overdue": 0, "missed": 1, "due": 2, "met": 3}
STATUS_LABELS = {"overdue": "Overdue", "missed": "Missed", "due": "Due", "met": "Met"}


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    team_id: int | None
    team_name: str | None
    added_on: date  # the organisation's date they were added


@dataclass
class Standing:
    """One staff member under one plan in one period."""

    person: Person
    plan_id: int
    checklist_id: str
    channel: str | None
    spread: bool
    period: Period
    required: int
    done: int = 0
    counted: int = 0
    by_supervisor: dict[int, int] = field(default_factory=dict)  # audits this period
    last_observed: datetime | None = None  # wall time, as typed
    previous_shortfall: int | None = None  # None: the plan did not apply then
    status: str = "due"

    @property
    def shortfall(self) -> int:
        return self.required - self.counted

    @property
    def only_supervisor(self) -> int | None:
        """The one supervisor of this period's audits, when all are by one."""
        return next(iter(self.by_supervisor)) if len(self.by_supervisor) == 1 else None

    @property
    def needs_other_supervisor(self) -> bool:
        """What is still missing must be done by someone other than `only_supervisor`."""
        return (
            self.spread
            and self.required > 1
            and self.only_supervisor is not None
            and self.done >= self.required - 1
            and self.shortfall > 0
        )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def counted(required: int, done: int, supervisors: int, spread: bool) -> int:
    """How many of `done` audits count toward `required` (see the module's docstring)."""
    if spread and required > 1 and supervisors == 1:
        done = min(done, required - 1)
    return min(done, required)


def standings(
    day: date | None = None, kind: str | None = None, team_id: int | None = None
) -> list[Standing]:
    """Every active staff member's standing under each active plan, in the week or month
    (of each plan's kind, or only plans of `kind`) that holds `day` (default: today)."""
    today = clock.today()
    day = day or today
    # Every active plan, even with `kind`: a person's own weekly plan still replaces their
    # team's monthly plan for the checklist when only monthly plans are asked for.
    query = select(ObservationPlan).where(ObservationPlan.active.is_(True))
    plans = list(db.session.scalars(query.order_by(ObservationPlan.id)))
    if not plans:
        return []
    people = _people(plans, team_id)
    found = [s for s in _apply(plans, people, day) if kind in (None, s.period.kind)]
    for plan_kind in {s.period.kind for s in found}:
        _count(
            [s for s in found if s.period.kind == plan_kind],
            period_of(plan_kind, day),
            today,
        )
    return found


def _people(plans: list[ObservationPlan], team_id: int | None) -> dict[int, Person]:
    teams = {p.team_id for p in plans if p.staff_member_id is None}
    own = {p.staff_member_id for p in plans if p.staff_member_id is not None}
    query = (
        select(StaffMember.id, StaffMember.name, StaffMember.team_id, Team.name)
        .add_columns(StaffMember.created_at)
        .outerjoin(Team, Team.id == StaffMember.team_id)
        .where(StaffMember.active.is_(True))
        .where(StaffMember.team_id.in_(teams) | StaffMember.id.in_(own))
    )
    if team_id is not None:
        query = query.where(StaffMember.team_id == team_id)
    return {
        row[0]: Person(*row[:4], clock.local(row[4]).date())
        for row in db.session.execute(query.order_by(StaffMember.name))
    }


def _apply(plans: list[ObservationPlan], people: dict[int, Person], day: date) -> list[Standing]:
    """(person, plan) pairs: a person's own plan for a checklist replaces their team's."""
    own = defaultdict(list)
    for plan in plans:
        if plan.staff_member_id is not None:
            own[(plan.staff_member_id, plan.checklist_id)].append(plan)
    found = []
    for person in people.values():
        for plan in plans:
            end = period_of(plan.period, day).end
            if person.added_on >= end or clock.local(plan.created_at).date() >= end:
                continue  # added after the period: it never applied to them
            if plan.staff_member_id is None:
                applies = (
                    plan.team_id == person.team_id and (person.id, plan.checklist_id) not in own
                )
            else:
                applies = plan.staff_member_id == person.id
            if applies:
                found.append(_standing(person, plan, day))
    return found


def _standing(person: Person, plan: ObservationPlan, day: date) -> Standing:
    standing = Standing(
        person=person,
        plan_id=plan.id,
        checklist_id=plan.checklist_id,
        channel=plan.channel,
        spread=plan.spread_supervisors,
        period=period_of(plan.period, day),
        required=plan.audits_per_period,
    )
    # The period before counts only if the plan and the person were there for all of it.
    since = max(clock.local(plan.created_at).date(), person.added_on)
    standing.previous_shortfall = 0 if since <= standing.period.previous().first else None
    return standing


def _not_calibration():
    return Audit.form_token.not_in(select(CalibrationAnswer.form_token))


def _count(found: list[Standing], period: Period, today: date) -> None:
    """Fill in the audits of `period` and the one before, and the latest observation."""
    if not found:
        return
    before = period.previous()
    staff_ids = {s.person.id for s in found}
    checklist_ids = {s.checklist_id for s in found}
    scope = (
        Audit.status == "submitted",
        Audit.staff_member_id.in_(staff_ids),
        Audit.checklist_id.in_(checklist_ids),
        _not_calibration(),
    )
    groups = [(*row, 1) for row in _groups(scope, period)]
    groups += [(*row, 0) for row in _groups(scope, before)]
    latest = db.session.execute(
        select(
            Audit.staff_member_id, Audit.checklist_id, Audit.channel, func.max(Audit.observed_at)
        )
        .where(*scope, Audit.observed_at < period.ends_at)
        .group_by(Audit.staff_member_id, Audit.checklist_id, Audit.channel)
    ).all()
    rows = defaultdict(list)
    for staff_id, checklist_id, channel, supervisor_id, n, is_current in groups:
        rows[(staff_id, checklist_id)].append((channel, supervisor_id, is_current, n))
    last = defaultdict(list)
    for staff_id, checklist_id, channel, moment in latest:
        last[(staff_id, checklist_id)].append((channel, moment))
    for s in found:
        key = (s.person.id, s.checklist_id)
        now_by, then_by = defaultdict(int), defaultdict(int)
        for channel, supervisor_id, is_current, n in rows[key]:
            if s.channel is None or channel == s.channel:
                (now_by if is_current else then_by)[supervisor_id] += n
        s.by_supervisor = dict(now_by)
        s.done = sum(now_by.values())
        s.counted = counted(s.required, s.done, len(now_by), s.spread)
        if s.previous_shortfall is not None:
            kept = counted(s.required, sum(then_by.values()), len(then_by), s.spread)
            s.previous_shortfall = s.required - kept
        moments = [m for c, m in last[key] if s.channel is None or c == s.channel]
        s.last_observed = max(moments) if moments else None
        s.status = _status(s, today)


def _groups(scope: tuple, period: Period) -> list:
    """Audits of the period per staff member, checklist, channel and supervisor."""
    columns = (Audit.staff_member_id, Audit.checklist_id, Audit.channel, Audit.supervisor_id)
    return db.session.execute(
        select(*columns, func.count(Audit.id))
        .where(*scope, Audit.observed_at >= period.starts_at, Audit.observed_at < period.ends_at)
        .group_by(*columns)
    ).all()


def _status(s: Standing, today: date) -> str:
    if s.shortfall == 0:
        return "met"
    if s.period.has_ended(today):
        return "missed"
    return "overdue" if s.previous_shortfall else "due"
