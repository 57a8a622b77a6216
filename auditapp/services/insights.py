"""Team insights: the filters, section heat map, most-missed items, critical failures and
coverage, each one SQL aggregate (GROUP BY in the database) turned into plain dataclasses.

Rater consistency and checklist item analysis live in insights_quality.py, the interactions
and the relationship profile in insights_interactions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import func, select

from auditapp import clock
from auditapp.extensions import db
from auditapp.models import (
    Audit,
    AuditItem,
    StaffMember,
    Team,
    User,
)
from auditapp.stats import enough_to_judge

from . import month_totals, period_totals, periods
from .checklists import newest_versions

DEFAULT_PERIOD_DAYS = 90
DEFAULT_NOT_SEEN_DAYS = 30


@dataclass(frozen=True)
class InsightFilters:
    """The period and slice of audits every insight is computed over."""

    date_from: date | None = None
    date_to: date | None = None
    team_id: int | None = None
    checklist_id: str | None = None
    channel: str | None = None
    not_seen_days: int = DEFAULT_NOT_SEEN_DAYS

    def period(self) -> tuple[date, date]:
        """(first day, last day), both included; the last 90 days unless set."""
        end = self.date_to or clock.today()
        return (self.date_from or end - timedelta(days=DEFAULT_PERIOD_DAYS)), end

    @cached_property
    def team_members(self) -> list[int]:
        """The ids of the team's staff members, read once for these filters: a team's page
        names them in each of its dozen reads of the totals."""
        if not self.team_id:
            return []
        return list(db.session.execute(team_staff(self.team_id)).scalars())


def audit_conditions(f: InsightFilters, *, checklist: bool = True) -> list:
    """WHERE clauses for the submitted audits in the filters' period and slice."""
    start, end = f.period()
    conditions = [
        Audit.status == "submitted",
        Audit.observed_at >= datetime.combine(start, time.min),
        Audit.observed_at < datetime.combine(end + timedelta(days=1), time.min),
    ]
    if f.team_id:
        conditions.append(Audit.staff_member_id.in_(team_staff(f.team_id)))
    if checklist and f.checklist_id:
        conditions.append(Audit.checklist_id == f.checklist_id)
    if f.channel:
        conditions.append(Audit.channel == f.channel)
    return conditions


def team_staff(team_id: int):
    return select(StaffMember.id).where(StaffMember.team_id == team_id)


def totals_plan(f: InsightFilters, *, rows_only: bool = False) -> periods.Plan:
    """How to read the filters' period from month totals: rows_only when the totals lack a
    filter's column (a channel, on the section and item totals by staff member)."""
    start, end = f.period()
    if rows_only:
        return periods.Plan(None, None, (periods.DaySpan(start, end, 1),))
    return periods.plan(start, end)


def totals_where(f: InsightFilters, *, checklist: bool = True) -> dict:
    """The filters as period_totals.read conditions."""
    where: dict = {}
    if checklist and f.checklist_id:
        where["checklist_id"] = f.checklist_id
    if f.channel:
        where["channel"] = f.channel
    if f.team_id:
        # The ids themselves, not a subquery: PostgreSQL then reads each member's range of
        # the staff totals instead of scanning the whole table.
        where["staff_member_id"] = f.team_members
    return where


def item_texts(checklist_ids: set[str]) -> dict[tuple[str, str], str]:
    """(checklist id, item id) -> wording in the newest version of each checklist."""
    texts = {}
    for cid, version in newest_versions(checklist_ids).items():
        for section in version.content["sections"]:
            for item in section["items"]:
                texts[(cid, item["id"])] = item["text"]
    return texts


def heat_map_checklist(f: InsightFilters, audits_by_checklist: dict[str, int] | None = None):
    """The chosen checklist, else the one audited most in the period (sections differ
    between checklists, so a heat map shows one checklist at a time). A page that has
    counted the period's audits by checklist already passes the counts in."""
    if f.checklist_id:
        return f.checklist_id
    if audits_by_checklist is not None:
        ranked = sorted(audits_by_checklist.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[0][0] if ranked else None
    return db.session.execute(
        select(Audit.checklist_id)
        .where(*audit_conditions(f))
        .group_by(Audit.checklist_id)
        .order_by(func.count(Audit.id).desc(), Audit.checklist_id)
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Cell:
    mean: float | None
    n: int

    @property
    def enough(self) -> bool:
        return enough_to_judge(self.n)


@dataclass
class HeatMap:
    checklist_id: str | None
    checklist_title: str
    sections: list[tuple[str, str]]  # (section id, title) in checklist order
    rows: list[tuple[int, str, dict[str, Cell]]] = field(default_factory=list)
    pass_mark: float | None = None  # the checklist's, for the trend drawn beside the map


def heat_map(f: InsightFilters, audits_by_checklist: dict[str, int] | None = None) -> HeatMap:
    """Staff member x section: mean section percentage and number of audits behind it."""
    checklist_id = heat_map_checklist(f, audits_by_checklist)
    version = newest_versions({checklist_id}).get(checklist_id) if checklist_id else None
    if version is None:
        return HeatMap(checklist_id, checklist_id or "", [])
    sections = [(s["id"], s["title"]) for s in version.content["sections"]]
    # Month totals by staff member hold no channel: a channel filter reads the rows.
    cells = period_totals.read(
        month_totals.SECTIONS,
        totals_plan(f, rows_only=bool(f.channel)),
        {**totals_where(f, checklist=False), "checklist_id": checklist_id},
        ["staff_member_id", "section_id"],
    )
    by_staff: dict[int, dict[str, Cell]] = {}
    for staff_id, section_id, _rows, n, total in cells:
        # Sections wholly N/A carry no score: their cell has no mean.
        by_staff.setdefault(staff_id, {})[section_id] = Cell(total / n if n else None, n)
    people = select(StaffMember.id, StaffMember.name).order_by(StaffMember.name)
    if f.team_id:
        people = people.where(StaffMember.team_id == f.team_id)
    people = people.where(StaffMember.active.is_(True) | StaffMember.id.in_(list(by_staff)))
    rows = [(sid, name, by_staff.get(sid, {})) for sid, name in db.session.execute(people)]
    pass_mark = float(version.content.get("pass_mark", 0))
    return HeatMap(checklist_id, version.title, sections, rows, pass_mark)


@dataclass(frozen=True)
class MissedItem:
    checklist_id: str
    item_id: str
    text: str
    missed: int
    scored: int

    @property
    def rate(self) -> float:
        return 100 * self.missed / self.scored if self.scored else 0.0


@dataclass(frozen=True)
class CriticalFailure:
    audit_id: int
    observed_at: datetime
    staff_name: str
    checklist_id: str
    item_text: str


def critical_failures(f: InsightFilters, limit: int = 50) -> list[CriticalFailure]:
    """Critical items failed in the period, newest first."""
    rows = db.session.execute(
        select(Audit.id, Audit.observed_at, StaffMember.name, Audit.checklist_id, AuditItem.item_id)
        .join(Audit, Audit.id == AuditItem.audit_id)
        .join(StaffMember, StaffMember.id == Audit.staff_member_id)
        .where(*audit_conditions(f), AuditItem.critical_failed.is_(True))
        .order_by(Audit.observed_at.desc(), Audit.id.desc(), AuditItem.item_id)
        .limit(limit)
    ).all()
    texts = item_texts({r[3] for r in rows})
    return [CriticalFailure(a, when, name, c, texts.get((c, i), i)) for a, when, name, c, i in rows]


@dataclass(frozen=True)
class NotSeen:
    staff_id: int
    name: str
    team: str | None
    last_observed: datetime | None


@dataclass
class Coverage:
    days: int
    not_seen: list[NotSeen]
    per_supervisor: list[tuple[str, int]]  # (supervisor name, audits in the period)


def coverage(
    f: InsightFilters,
    today: date | None = None,
    per_supervisor: list[tuple[str, int]] | None = None,
) -> Coverage:
    """Active staff with no submitted audit in the last N days; audits per supervisor (a
    page that has counted them already, with the rater table, passes them in)."""
    since = datetime.combine((today or clock.today()) - timedelta(days=f.not_seen_days), time.min)
    # Whether each active staff member was seen lately is one probe of the (staff, status,
    # observed_at) index, and the last date of the few not seen a max() along it. One
    # GROUP BY over every audit ever made, or a list of everyone seen in the last N days
    # (83,000 audits of 30 days at 1,000,000 a year), would read far more.
    seen_lately = (
        select(Audit.id)
        .where(
            Audit.staff_member_id == StaffMember.id,
            Audit.status == "submitted",
            Audit.observed_at >= since,
        )
        .correlate(StaffMember)
        .exists()
    )
    last = (
        select(func.max(Audit.observed_at))
        .where(Audit.staff_member_id == StaffMember.id, Audit.status == "submitted")
        .correlate(StaffMember)
        .scalar_subquery()
    )
    query = (
        select(StaffMember.id, StaffMember.name, StaffMember.team_id, last)
        .where(StaffMember.active.is_(True), ~seen_lately)
        .order_by(last.is_not(None), last, StaffMember.name)
    )
    if f.team_id:
        query = query.where(StaffMember.team_id == f.team_id)
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    not_seen = [NotSeen(i, n, teams.get(t), when) for i, n, t, when in db.session.execute(query)]
    if per_supervisor is not None:
        return Coverage(f.not_seen_days, not_seen, per_supervisor)
    # Counted by supervisor id over the period's index range, names looked up afterwards:
    # joining users first lets SQLite walk every audit of each supervisor instead.
    counts = db.session.execute(
        select(Audit.supervisor_id, func.count(Audit.id))
        .where(*audit_conditions(f))
        .group_by(Audit.supervisor_id)
    ).all()
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_([i for i, _ in counts]))
        ).all()
    )
    per_supervisor = sorted(((names[i], n) for i, n in counts), key=lambda r: (-r[1], r[0]))
    return Coverage(f.not_seen_days, not_seen, [(n, c) for n, c in per_supervisor])
