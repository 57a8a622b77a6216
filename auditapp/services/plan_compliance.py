"""Plan compliance for trainers: for a week or month, per team, per supervisor and per staff
member, how many of the audits the observation plans ask for were done (plan_status.py says
what counts), on the page, in the team PDF and as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from auditapp.checklists import CHANNEL_LABELS
from auditapp.extensions import db
from auditapp.models import User

from .checklists import available
from .exports import safe_cell
from .plan_status import STATUS_LABELS, STATUS_ORDER, Person, Standing, standings
from .plans import Period, period_of


@dataclass
class Figures:
    """Totals over (staff member, plan) pairs."""

    required: int = 0
    done: int = 0
    counted: int = 0  # done, at most what each pair requires
    pairs: int = 0
    met: int = 0

    def add(self, s: Standing) -> None:
        self.required += s.required
        self.done += s.done
        self.counted += s.counted
        self.pairs += 1
        self.met += s.status == "met"

    @property
    def percent(self) -> float | None:
        """The share of the required audits done: counted / required."""
        return 100 * self.counted / self.required if self.required else None


@dataclass
class PersonRow:
    person: Person
    figures: Figures = field(default_factory=Figures)
    standings: list[Standing] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst of the person's plans: overdue, missed, due, then met."""
        return min((s.status for s in self.standings), key=STATUS_ORDER.__getitem__)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SupervisorRow:
    name: str
    audits: int  # audits of the period that count toward someone's plan
    people: int  # staff members they observed toward a plan


@dataclass(frozen=True)
class Compliance:
    period: Period
    team_id: int | None
    total: Figures
    teams: list[tuple[str, Figures]]
    supervisors: list[SupervisorRow]
    people: list[PersonRow]


def compliance(kind: str, day: date, team_id: int | None = None) -> Compliance:
    """The figures of the plans of `kind` ("week" or "month") for the period holding `day`."""
    found = standings(day, kind, team_id)
    total, teams, people = Figures(), {}, {}
    by_supervisor: dict[int, list[int]] = {}
    for s in found:
        total.add(s)
        teams.setdefault(s.person.team_name or "No team", Figures()).add(s)
        row = people.setdefault(s.person.id, PersonRow(s.person))
        row.figures.add(s)
        row.standings.append(s)
        for supervisor_id, n in s.by_supervisor.items():
            audits, seen = by_supervisor.setdefault(supervisor_id, [0, set()])
            by_supervisor[supervisor_id] = [audits + n, seen | {s.person.id}]
    names = _names(set(by_supervisor))
    supervisors = [
        SupervisorRow(names.get(i, f"#{i}"), audits, len(seen))
        for i, (audits, seen) in by_supervisor.items()
    ]
    supervisors.sort(key=lambda r: (-r.audits, r.name.casefold()))
    return Compliance(
        period_of(kind, day),
        team_id,
        total,
        sorted(teams.items(), key=lambda t: t[0].casefold()),
        supervisors,
        sorted(people.values(), key=lambda r: (r.person.team_name or "", r.person.name)),
    )


def for_team(team_id: int, day: date) -> list[Compliance]:
    """The team's weekly and monthly compliance for the periods holding `day` (the end of a
    team report's period), each only if some plan of that kind applies to the team."""
    found = [compliance(kind, day, team_id) for kind in ("week", "month")]
    return [c for c in found if c.total.pairs]


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


CSV_COLUMNS = (
    "period",
    "period_start",
    "period_end",
    "team",
    "staff_member",
    "checklist_id",
    "checklist",
    "channel",
    "required",
    "done",
    "counted",
    "shortfall",
    "percent",
    "status",
    "supervisors",
    "last_observed",
)


def csv_text(c: Compliance) -> str:
    """One row per staff member and plan."""
    titles = {i: checklist.title for i, checklist in available().items()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in c.people:
        for s in row.standings:
            percent = f"{100 * s.counted / s.required:.1f}"
            last = s.last_observed.strftime("%Y-%m-%d %H:%M") if s.last_observed else ""
            cells = [
                c.period.label,
                c.period.first.isoformat(),
                c.period.last.isoformat(),
                row.person.team_name or "",
                row.person.name,
                s.checklist_id,
                titles.get(s.checklist_id, s.checklist_id),
                CHANNEL_LABELS.get(s.channel, s.channel) if s.channel else "any",
                s.required,
                s.done,
                s.counted,
                s.shortfall,
                percent,
                s.status_label,
                len(s.by_supervisor),
                last,
            ]
            writer.writerow([safe_cell(v) for v in cells])
    return out.getvalue()
