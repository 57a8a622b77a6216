"""The first page of a staff member's progress report: their headline figures against the
previous period, their trend, their sections against the team, their three things to
work on and their open coaching actions. The figure types and rules are glance.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from markupsafe import Markup
from sqlalchemy import select

from auditapp import clock, glance_charts, priorities
from auditapp.extensions import db
from auditapp.models import Audit, CoachingAction, StaffMember
from auditapp.services import coaching

from . import month_totals, period_totals, periods
from .glance import misses_by_person, worded
from .headline import Figure, figures, previous, sums
from .insights import DEFAULT_PERIOD_DAYS
from .progress import ChecklistProgress, Period, StaffProgress
from .trend import day_sums, trend_points

TREND_DAYS = 365  # without a start date, the trend shows the last year by month


@dataclass
class StaffGlance:
    period: tuple[date, date]
    previous: tuple[date, date]
    figures: list[Figure]
    checklist_title: str | None
    trend: Markup | None
    trend_unit: str
    sections: Markup | None
    coach: list[priorities.Priority]
    actions: list[CoachingAction]
    has_team: bool
    today: date


def _between(start: date, end: date) -> list:
    return [
        Audit.status == "submitted",
        Audit.observed_at >= datetime.combine(start, time.min),
        Audit.observed_at < datetime.combine(end + timedelta(days=1), time.min),
    ]


def headline_period(period: Period, today: date | None = None) -> tuple[date, date]:
    """The chosen dates, or (without a start) the last 90 days up to the end or today."""
    end = period.end or today or clock.today()
    return (period.start or end - timedelta(days=DEFAULT_PERIOD_DAYS)), end


def things_to_work_on(staff: StaffMember, period: Period) -> list[priorities.Priority]:
    """The items this person misses most beyond the rest of their team."""
    if staff.team_id is not None:
        members = list(
            db.session.execute(
                select(StaffMember.id).where(StaffMember.team_id == staff.team_id)
            ).scalars()
        )
    else:
        members = [staff.id]
    rows = period_totals.read(
        month_totals.STAFF_ITEMS,
        periods.plan_open(period.start, period.end),
        {"staff_member_id": members},
        ["checklist_id", "item_id", "staff_member_id"],
    )
    own = misses_by_person(rows, {staff.id})
    rest = misses_by_person(r for r in rows if r.staff_member_id != staff.id)
    counts = [
        priorities.ItemMisses(cid, iid, s, m, p, *rest.get((cid, iid), [0, 0])[:2])
        for (cid, iid), (s, m, p) in own.items()
    ]
    return worded(priorities.rank(counts))


def _main_checklist(report: StaffProgress) -> ChecklistProgress | None:
    ranked = sorted(report.checklists, key=lambda c: (-c.audits, c.title))
    return ranked[0] if ranked else None


def staff_glance(staff: StaffMember, report: StaffProgress) -> StaffGlance:
    """The staff member's first page; `report` (their progress) is already counted."""
    start, end = headline_period(report.period)
    before = previous(start, end)
    person = Audit.staff_member_id == staff.id
    heads = figures(sums([*_between(start, end), person]), sums([*_between(*before), person]), None)
    main = _main_checklist(report)
    trend = sections = None
    unit = "month"
    if main is not None:
        trend_end = report.period.end or clock.today()
        trend_start = report.period.start or trend_end - timedelta(days=TREND_DAYS)
        days = day_sums(
            [*_between(trend_start, trend_end), person, Audit.checklist_id == main.checklist_id]
        )
        points, unit = trend_points(days, trend_start, trend_end)
        trend = glance_charts.trend_chart(
            points, main.pass_mark, f"{staff.name} · {main.title}", unit
        )
        rows = [
            glance_charts.SectionBar(s.title, s.mean, s.n, s.team_mean, s.team_n)
            for s in main.sections
        ]
        names = (staff.name, "Team" if report.team_name else "")
        sections = glance_charts.section_chart(rows, names, f"Sections · {main.title}")
    return StaffGlance(
        (start, end),
        before,
        heads,
        main.title if main else None,
        trend,
        unit,
        sections,
        things_to_work_on(staff, report.period),
        coaching.actions(staff_id=staff.id),
        staff.team_id is not None,
        clock.today(),
    )
