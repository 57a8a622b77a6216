"""The first page of a trainer's report (the team page, /insights and the team PDF): the
headline figures against the previous period, the trend, the sections against the
organisation and the three things to coach next. Every figure is an SQL aggregate (GROUP
BY); the rules that judge them are pure (stats.Change, priorities.rank).

The staff member's first page is in glance_staff.py; the figure types are shared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy import Integer, case, func, select

from auditapp import glance_charts, priorities, profile_chart
from auditapp.extensions import db
from auditapp.models import Audit, StaffMember, Team

from . import insights_quality, month_totals, period_totals, rollups
from .checklists import available, newest_versions
from .headline import Figure, Sums, figures, previous
from .insights import (
    HeatMap,
    InsightFilters,
    audit_conditions,
    totals_plan,
    totals_where,
)
from .insights_interactions import Profile
from .trend import day_sums, trend_points


def active_staff(team_id: int | None) -> int:
    query = select(func.count(StaffMember.id)).where(StaffMember.active.is_(True))
    if team_id:
        query = query.where(StaffMember.team_id == team_id)
    return int(db.session.scalar(query) or 0)


def observed(f: InsightFilters) -> int:
    """Active staff members (of the team) with an audit in the filters' period: one probe
    of the (staff member, status, observed_at) index each, as on the coverage table."""
    seen = (
        select(Audit.id)
        .where(Audit.staff_member_id == StaffMember.id, *audit_conditions(f))
        .correlate(StaffMember)
        .exists()
    )
    query = select(func.count(StaffMember.id)).where(StaffMember.active.is_(True), seen)
    if f.team_id:
        query = query.where(StaffMember.team_id == f.team_id)
    return int(db.session.scalar(query) or 0)


def totals_sums(f: InsightFilters, rater_sums: list | None = None) -> Sums:
    """The headline sums of the filters' period: the sum of its rater totals by checklist
    and supervisor (read here unless the page has read them already for its raters'
    table), and the active staff observed."""
    if rater_sums is None:
        rater_sums = insights_quality.rater_sums(f)
    if not rater_sums:  # no audits in the period
        return Sums(observed=observed(f))
    return Sums(
        sum(r.rows for r in rater_sums),
        sum(r.scored for r in rater_sums),
        sum(r.overall_sum or 0.0 for r in rater_sums),
        sum(r.overall_squares or 0.0 for r in rater_sums),
        sum(r.passed for r in rater_sums),
        sum(r.pass_n for r in rater_sums),
        observed(f),
        sum(r.critical_failed for r in rater_sums),
    )


# --- three things to coach next --------------------------------------------------------


def item_wording(checklist_ids: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(checklist, item) -> (wording, what good looks like): the checklist file's, as on
    every page, else the newest stored version's (a checklist whose file was removed)."""
    out = {}
    files = available()
    for cid in checklist_ids & set(files):
        for _, item in files[cid].iter_items():
            anchors = {str(k): v for k, v in item.anchors.items()}
            out[(cid, item.id)] = (
                item.text,
                priorities.good_anchor({"kind": item.kind, "anchors": anchors}),
            )
    for cid, version in newest_versions(checklist_ids - set(files)).items():
        for section in version.content["sections"]:
            for item in section["items"]:
                out[(cid, item["id"])] = (item["text"], priorities.good_anchor(item))
    return out


def worded(ranked: list[priorities.Priority]) -> list[priorities.Priority]:
    words = item_wording({p.checklist_id for p in ranked})
    return [
        dataclasses.replace(
            p, text=words.get(key, (p.item_id, ""))[0], good=words.get(key, ("", ""))[1]
        )
        for p in ranked
        for key in [(p.checklist_id, p.item_id)]
    ]


def misses_by_person(rows: Iterable[Any], people: set[int] | None = None) -> dict:
    """(checklist, item) -> [scored, missed, people missing] over STAFF_ITEMS rows grouped
    by checklist, item and staff member (only `people` when given)."""
    out: dict[tuple[str, str], list[int]] = {}
    names = ("checklist_id", "item_id", "staff_member_id", "scored", "met")
    for cid, iid, person, scored, met in period_totals.picked(rows, *names):
        if people is not None and person not in people:
            continue
        acc = out.get((cid, iid))
        if acc is None:
            acc = out[(cid, iid)] = [0, 0, 0]
        scored = scored or 0
        missed = scored - (met or 0)
        acc[0] += scored
        acc[1] += missed
        acc[2] += 1 if missed > 0 else 0
    return out


STAFF_ITEM_GROUP = ["checklist_id", "item_id", "staff_member_id"]


def staff_item_rows(f: InsightFilters) -> list:
    """The item totals of the filters' period by checklist, item and staff member (of the
    team's members, with a team)."""
    where = totals_where(f)
    plan = totals_plan(f, rows_only=bool(f.channel))  # the staff totals hold no channel
    return period_totals.read(month_totals.STAFF_ITEMS, plan, where, STAFF_ITEM_GROUP)


def misses_by_item(f: InsightFilters, checklist_id: str) -> dict:
    """misses_by_person of everyone's item totals on one checklist, summed in SQL: a few
    rows by item rather than the thousands by staff member (/insights, all teams)."""
    where = {**totals_where(f), "checklist_id": checklist_id}
    plan = totals_plan(f, rows_only=bool(f.channel))  # the staff totals hold no channel
    query = period_totals.read_query(month_totals.STAFF_ITEMS, plan, where, STAFF_ITEM_GROUP)
    if query is None:
        return {}
    person = query.subquery()
    scored = func.coalesce(person.c.scored, 0)
    missed = scored - func.coalesce(person.c.met, 0)
    rows = db.session.execute(
        select(
            person.c.checklist_id,
            person.c.item_id,
            func.sum(scored).cast(Integer),
            func.sum(missed).cast(Integer),
            func.sum(case((missed > 0, 1), else_=0)).cast(Integer),
        ).group_by(person.c.checklist_id, person.c.item_id)
    )
    return {(cid, iid): [s, m, p] for cid, iid, s, m, p in rows}


def coach_next(
    f: InsightFilters, checklist_id: str | None = None, rows: list | None = None
) -> list[priorities.Priority]:
    """The team's three things to coach next against the rest of the organisation (the
    organisation's own items, on `checklist_id`, without a team). `rows` are the team's
    staff_item_rows when the page has read them already."""
    if not f.team_id:
        # Who missed what, for everyone: one checklist, the heat map's (every checklist
        # would read the item totals of every staff member, 300 ms at 100,000 audits).
        if checklist_id is None:
            return []
        team = misses_by_item(f, checklist_id)
        rest: dict[tuple[str, str], list[int]] = {}
    else:
        team = misses_by_person(rows if rows is not None else staff_item_rows(f))
        # The rest of the organisation: everyone's counts less the team's.
        rest = {}
        for cid, iid, _kind, _critical, _asked, scored, met, *_ in rollups.item_counts(
            *f.period(), f.checklist_id, f.channel
        ):
            own_scored, own_missed, _ = team.get((cid, iid), [0, 0, 0])
            rest[(cid, iid)] = [(scored or 0) - own_scored, (scored or 0) - (met or 0) - own_missed]
    counts = [
        priorities.ItemMisses(cid, iid, s, m, p, *rest.get((cid, iid), [0, 0])[:2])
        for (cid, iid), (s, m, p) in team.items()
    ]
    return worded(priorities.rank(counts))


# --- sections against the organisation ----------------------------------------------


def section_bars(
    sections: list[tuple[str, str]], own: dict[str, tuple[float | None, int]], other: dict
) -> list[glance_charts.SectionBar]:
    out = []
    for section_id, title in sections:
        mean, n = own.get(section_id, (None, 0))
        other_mean, other_n = other.get(section_id, (None, 0))
        if n or other_n:
            out.append(glance_charts.SectionBar(title, mean, n, other_mean, other_n))
    return out


def _section_means(f: InsightFilters, checklist_id: str) -> dict[str, tuple[float | None, int]]:
    rows = period_totals.read(
        month_totals.SECTIONS,
        totals_plan(f, rows_only=bool(f.channel)),
        {**totals_where(f, checklist=False), "checklist_id": checklist_id},
        ["section_id"],
    )
    return {s: (total / n if n else None, n) for s, _rows, n, total in rows}


# --- the page -------------------------------------------------------------------------


@dataclass
class Glance:
    period: tuple[date, date]
    previous: tuple[date, date]
    figures: list[Figure]
    checklist_title: str
    trend: Markup
    trend_points: list[glance_charts.TrendPoint]
    trend_unit: str
    pass_mark: float | None
    sections: Markup
    section_rows: list[glance_charts.SectionBar]
    names: tuple[str, str]
    coach: list[priorities.Priority]
    profile: Markup | None


def team_glance(
    f: InsightFilters,
    heat: HeatMap,
    profile: Profile,
    team_name: str | None,
    staff_items: list | None = None,
    rater_sums: list | None = None,
) -> Glance:
    """The first page for a team (or, without one, all teams), for the filters' period;
    the heat map, the profile, the team's item totals by staff member and the period's
    rater totals come from the page when it has counted them already."""
    if f.team_id and team_name is None:  # a team chosen in the filters of /insights
        team = db.session.get(Team, f.team_id)
        team_name = team.name if team else None
    start, end = f.period()
    before = previous(start, end)
    f_before = dataclasses.replace(f, date_from=before[0], date_to=before[1])
    heads = figures(totals_sums(f, rater_sums), totals_sums(f_before), active_staff(f.team_id))
    checklist_id, pass_mark = heat.checklist_id, heat.pass_mark
    title = heat.checklist_title or "No audits"
    conditions = [*audit_conditions(f, checklist=False), Audit.checklist_id == checklist_id]
    points, unit = trend_points(day_sums(conditions) if checklist_id else [], start, end)
    group = team_name or "All teams"
    trend = glance_charts.trend_chart(points, pass_mark, f"{group} · {title}", unit)
    names = (group, "Organisation") if f.team_id else (group, "")
    rows: list[glance_charts.SectionBar] = []
    if checklist_id:
        own = _section_means(f, checklist_id)
        other = (
            _section_means(dataclasses.replace(f, team_id=None), checklist_id) if f.team_id else {}
        )
        rows = section_bars(heat.sections, own, other)
    sections = glance_charts.section_chart(rows, names, f"Sections · {title}")
    overall = profile.overall
    shares = {level: overall.share(level) for level in ("first_time", "repeat", "advocate")}
    drawn = (
        profile_chart.profile_chart(shares, overall.n, overall.shape, "Relationship profile")
        if overall.n
        else None
    )
    return Glance(
        (start, end),
        before,
        heads,
        title,
        trend,
        points,
        unit,
        pass_mark,
        sections,
        rows,
        names,
        coach_next(f, checklist_id, staff_items),
        drawn,
    )
