"""Demo observation plans, set up as if ten weeks ago, so that the supervisors' queues show
people due and overdue and the trainer's compliance page has periods behind it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from auditapp import clock
from auditapp.extensions import db
from auditapp.models import StaffMember, Team, User

from . import event_log, plans

SET_UP_DAYS_AGO = 70
# (team, staff member or None for the whole team, checklist, audits, period, channel, spread)
PLANS = [
    ("Front desk", None, "service-basics", 2, "week", None, True),
    ("Front desk", None, "listening-follow-up", 3, "month", None, False),
    ("Front desk", "Ana Lopez", "service-basics", 3, "week", None, True),
    ("Contact centre", None, "service-basics", 1, "week", "phone", False),
    ("Contact centre", None, "every-transaction", 3, "month", None, True),
]


def add(trainer: User, now: datetime) -> int:
    """Create the plans (made by the demo's trainer); how many."""
    set_up = clock.to_utc(now) - timedelta(days=SET_UP_DAYS_AGO)
    teams = {t.name: t.id for t in db.session.scalars(select(Team))}
    staff = {s.name: s.id for s in db.session.scalars(select(StaffMember))}
    for team, person, checklist_id, count, period, channel, spread in PLANS:
        values = plans.PlanInput(
            team_id=teams[team],
            checklist_id=checklist_id,
            audits_per_period=count,
            period=period,
            staff_member_id=staff[person] if person else None,
            channel=channel,
            spread_supervisors=spread,
        )
        plan = plans.create(values, by=trainer, commit=False)
        plan.created_at = plan.updated_at = set_up
    event_log.commit()
    return len(PLANS)
