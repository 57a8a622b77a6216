"""A staff member's progress per checklist, from SQL aggregates: counts, means with 95%
intervals, pass rates with Wilson intervals, sections against the team, most-missed items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import Integer, case, func, select

from auditapp import stats
from auditapp.charts import score_chart
from auditapp.extensions import db
from auditapp.models import Audit, StaffMember

from . import month_totals, period_totals, periods
from .checklists import newest_versions
from .insights import MissedItem

CHART_POINTS = 100  # the newest audits drawn per chart
MISSED_PER_CHECKLIST = 5
SECTION_GAP = 5.0  # percentage points between person and team that make a strength/weak spot


@dataclass(frozen=True)
class Period:
    """Observation dates to include, both ends inclusive; None means open."""

    start: date | None = None
    end: date | None = None

    def where(self) -> list[Any]:
        clauses = []
        if self.start:
            clauses.append(Audit.observed_at >= datetime.combine(self.start, time.min))
        if self.end:
            clauses.append(Audit.observed_at < datetime.combine(self.end + timedelta(1), time.min))
        return clauses

    @property
    def args(self) -> dict[str, str]:
        """The period as URL query arguments (?from=&to=)."""
        pairs = (("from", self.start), ("to", self.end))
        return {name: value.isoformat() for name, value in pairs if value}

    @property
    def text(self) -> str:
        if self.start and self.end:
            return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"
        if self.start:
            return f"from {self.start:%d %b %Y}"
        if self.end:
            return f"up to {self.end:%d %b %Y}"
        return "all dates"


@dataclass(frozen=True)
class SectionComparison:
    section_id: str
    title: str
    mean: float | None
    n: int
    team_mean: float | None
    team_n: int

    @property
    def difference(self) -> float | None:
        if self.mean is None or self.team_mean is None:
            return None
        return self.mean - self.team_mean

    @property
    def verdict(self) -> str | None:
        """A strength or a weak spot when the gap is wide enough and both sides are judged."""
        gap = self.difference
        judged = stats.enough_to_judge(self.n) and stats.enough_to_judge(self.team_n)
        if gap is None or not judged:
            return None
        if gap >= SECTION_GAP:
            return "strength"
        if gap <= -SECTION_GAP:
            return "weak spot"
        return None


@dataclass(frozen=True)
class ChecklistProgress:
    checklist_id: str
    title: str
    pass_mark: float
    audits: int  # submitted audits in the period
    scored: int  # of which have an overall score (not every item N/A)
    mean: float | None
    mean_ci: stats.Interval | None
    passes: int
    pass_ci: stats.Interval | None
    last_observed: datetime | None
    chart: Markup
    sections: list[SectionComparison]
    missed: list[MissedItem]

    @property
    def enough(self) -> bool:
        return stats.enough_to_judge(self.scored)

    @property
    def pass_rate(self) -> float | None:
        return 100 * self.passes / self.scored if self.scored else None

    @property
    def mean_text(self) -> str:
        if self.mean is None:
            return "no mean score (no scored audits)"
        text = f"mean {self.mean:.1f}%"
        if self.enough and self.mean_ci:
            text += f" (95% CI {self.mean_ci.low:.1f}–{self.mean_ci.high:.1f})"
        return text

    @property
    def pass_text(self) -> str:
        if self.pass_rate is None:
            return "no pass rate (no scored audits)"
        text = f"pass rate {self.pass_rate:.0f}%"
        if self.enough and self.pass_ci:
            text += f" (Wilson 95% CI {self.pass_ci.low:.0f}–{self.pass_ci.high:.0f}%)"
        return text


@dataclass(frozen=True)
class StaffProgress:
    name: str
    team_name: str | None
    period: Period
    checklists: list[ChecklistProgress]
    recent: list[tuple]  # (observed_at, checklist title, overall, passed, audit id)


def staff_progress(staff: StaffMember, period: Period = Period()) -> StaffProgress:
    """Everything the progress page and report show about one person, in a few queries."""
    person = [Audit.staff_member_id == staff.id, *period.where()]
    summaries = _summaries(person)
    ids = [row.checklist_id for row in summaries]
    versions = _newest_versions(ids)
    own_sections = _section_means([staff.id], period, ids)
    team_sections: dict[tuple[str, str], tuple[float | None, int]] = {}
    if staff.team_id is not None:
        members = db.session.execute(
            select(StaffMember.id).where(StaffMember.team_id == staff.team_id)
        )
        team_sections = _section_means(list(members.scalars()), period, ids)
    missed = _most_missed(staff.id, period)
    checklists = []
    for row in summaries:
        content = versions.get(row.checklist_id, {})
        title = content.get("title", row.checklist_id)
        pass_mark = float(content.get("pass_mark", 0))
        variance = stats.variance_from_sums(row.scored, row.total or 0.0, row.squares or 0.0)
        checklists.append(
            ChecklistProgress(
                checklist_id=row.checklist_id,
                title=title,
                pass_mark=pass_mark,
                audits=row.audits,
                scored=row.scored,
                mean=row.mean,
                mean_ci=stats.mean_interval(row.scored, row.mean, variance),
                passes=int(row.passes or 0),
                pass_ci=stats.wilson(int(row.passes or 0), row.scored),
                last_observed=row.last_observed,
                chart=score_chart(
                    _points(person, row.checklist_id), pass_mark, f"{staff.name} — {title}"
                ),
                sections=_compare(content, row.checklist_id, own_sections, team_sections),
                missed=_missed_items(row.checklist_id, content, missed.get(row.checklist_id, [])),
            )
        )
    return StaffProgress(
        staff.name,
        staff.team.name if staff.team else None,
        period,
        checklists,
        recent_audits(staff, period, {c.checklist_id: c.title for c in checklists}),
    )


def _submitted(where: list[Any]) -> list[Any]:
    return [Audit.status == "submitted", *where]


def _summaries(where: list[Any]) -> list[Any]:
    passed = case((Audit.passed.is_(True), 1), else_=0).cast(Integer)
    return db.session.execute(
        select(
            Audit.checklist_id,
            func.count(Audit.id).label("audits"),
            func.count(Audit.overall).label("scored"),
            func.avg(Audit.overall).label("mean"),
            func.sum(Audit.overall).label("total"),
            func.sum(Audit.overall * Audit.overall).label("squares"),
            func.sum(passed).label("passes"),
            func.max(Audit.observed_at).label("last_observed"),
        )
        .where(*_submitted(where))
        .group_by(Audit.checklist_id)
        .order_by(Audit.checklist_id)
    ).all()


def _newest_versions(checklist_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Titles, pass marks, section titles and item texts from the newest stored version."""
    return {cid: v.content for cid, v in newest_versions(set(checklist_ids)).items()}


def _section_means(
    staff_ids: list[int], period: Period, checklist_ids: list[str]
) -> dict[tuple[str, str], tuple[float | None, int]]:
    """(checklist, section) -> (mean section percentage, audits with that section scored)
    over the audits of these staff members (the person, or their team's current members),
    from their month totals: a person's or a team's year of audits is thousands of section
    rows, its month totals a few hundred."""
    if not checklist_ids:
        return {}
    rows = period_totals.read(
        month_totals.SECTIONS,
        periods.plan_open(period.start, period.end),
        {"checklist_id": list(checklist_ids), "staff_member_id": staff_ids},
        ["checklist_id", "section_id"],
    )
    return {(c, s): (total / n if n else None, n) for c, s, _rows, n, total in rows}


def _compare(
    content: dict[str, Any],
    checklist_id: str,
    own: dict[tuple[str, str], tuple[float | None, int]],
    team: dict[tuple[str, str], tuple[float | None, int]],
) -> list[SectionComparison]:
    titles = {s["id"]: s["title"] for s in content.get("sections", [])}
    stored = sorted(s for c, s in own if c == checklist_id and s not in titles)
    out = []
    for section_id in [*titles, *stored]:  # the checklist's order, then sections it dropped
        mean, n = own.get((checklist_id, section_id), (None, 0))
        team_mean, team_n = team.get((checklist_id, section_id), (None, 0))
        if n or team_n:
            title = titles.get(section_id, section_id)
            out.append(SectionComparison(section_id, title, mean, n, team_mean, team_n))
    return out


def _most_missed(staff_id: int, period: Period) -> dict[str, list[tuple[str, int, int]]]:
    """checklist -> [(item id, times not fully met, times scored)], most missed first, from
    the person's item totals (an item is met only when scored)."""
    rows = period_totals.read(
        month_totals.STAFF_ITEMS,
        periods.plan_open(period.start, period.end),
        {"staff_member_id": staff_id},
        ["checklist_id", "item_id"],
    )
    missed = sorted(
        (r.checklist_id, -(r.scored - r.met), r.item_id, r.scored) for r in rows if r.scored > r.met
    )
    out: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for checklist_id, times_missed, item_id, scored in missed:  # at most one row per item
        out[checklist_id].append((item_id, -times_missed, scored))
    return out


def _missed_items(
    checklist_id: str, content: dict[str, Any], rows: list[tuple[str, int, int]]
) -> list[MissedItem]:
    texts = {item["id"]: item["text"] for s in content.get("sections", []) for item in s["items"]}
    return [
        MissedItem(checklist_id, item_id, texts.get(item_id, item_id), missed, scored)
        for item_id, missed, scored in rows[:MISSED_PER_CHECKLIST]
    ]


def _points(where: list[Any], checklist_id: str) -> list[tuple[datetime, float]]:
    """(observed_at, overall) of the newest scored audits on one checklist, oldest first."""
    rows = db.session.execute(
        select(Audit.observed_at, Audit.overall)
        .where(*_submitted(where), Audit.checklist_id == checklist_id, Audit.overall.is_not(None))
        .order_by(Audit.observed_at.desc(), Audit.id.desc())
        .limit(CHART_POINTS)
    ).all()
    return [(observed_at, overall) for observed_at, overall in reversed(rows)]


def recent_audits(
    staff: StaffMember, period: Period = Period(), titles: dict[str, str] | None = None, limit=10
) -> list[tuple]:
    """(observed_at, checklist title, overall, passed, audit id) of the newest audits."""
    rows = db.session.execute(
        select(Audit.observed_at, Audit.checklist_id, Audit.overall, Audit.passed, Audit.id)
        .where(*_submitted([Audit.staff_member_id == staff.id, *period.where()]))
        .order_by(Audit.observed_at.desc(), Audit.id.desc())
        .limit(limit)
    ).all()
    titles = titles or {}
    return [(r[0], titles.get(r[1], r[1]), r[2], r[3], r[4]) for r in rows]
