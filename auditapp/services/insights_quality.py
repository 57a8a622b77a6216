"""Insights about the measuring itself: rater consistency between supervisors, and which
checklist items tell nothing (always met, always N/A, never failed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, User
from auditapp.stats import Interval, enough_to_judge, mean_interval, variance_from_sums, wilson

from . import month_totals, period_totals, rollups
from .insights import (
    InsightFilters,
    MissedItem,
    audit_conditions,
    item_texts,
    totals_plan,
    totals_where,
)

# A supervisor whose mean differs from the others' by this many points or more is flagged.
RATER_GAP = 10.0
ALWAYS_RATE = 95.0  # "almost always" met / N/A
ALWAYS_MIN_N = 20  # so that 19 of 19 met is not called "always"


@dataclass(frozen=True)
class RaterRow:
    checklist_id: str
    supervisor: str
    n: int
    mean: float | None
    interval: Interval | None
    passed: int
    pass_n: int
    others_n: int
    others_mean: float | None
    audits: int  # every audit of the row, scored or wholly N/A
    supervisor_id: int

    @property
    def pass_rate(self) -> float | None:
        return 100 * self.passed / self.pass_n if self.pass_n else None

    @property
    def pass_interval(self) -> Interval | None:
        return wilson(self.passed, self.pass_n)

    @property
    def difference(self) -> float | None:
        if self.mean is None or self.others_mean is None:
            return None
        return self.mean - self.others_mean

    @property
    def flag(self) -> str | None:
        """'more lenient' / 'more severe' when both sides have enough audits to judge."""
        gap = self.difference
        if gap is None or not (enough_to_judge(self.n) and enough_to_judge(self.others_n)):
            return None
        if gap >= RATER_GAP:
            return "more lenient"
        if gap <= -RATER_GAP:
            return "more severe"
        return None


def rater_sums(f: InsightFilters) -> list:
    """The rater totals of the filters' period by checklist and supervisor: the raters'
    table, and summed, the period's headline (glance.totals_sums)."""
    # A team is its members' audits: the totals by staff member; the others, by channel.
    rollup = month_totals.STAFF_RATERS if f.team_id else month_totals.RATERS
    return period_totals.read(
        rollup, totals_plan(f), totals_where(f), ["checklist_id", "supervisor_id"]
    )


def rater_consistency(f: InsightFilters, sums: list | None = None) -> list[RaterRow]:
    """Per checklist and supervisor: mean score and pass rate against the other supervisors'
    audits on the same checklist. `sums` are the period's rater_sums when the page has read
    them already."""
    if sums is None:
        sums = rater_sums(f)
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({r.supervisor_id for r in sums}))
        ).all()
    )
    rows = sorted(
        (
            (
                r.checklist_id,
                r.supervisor_id,
                names[r.supervisor_id],
                r.scored,
                r.overall_sum,
                r.overall_squares,
                r.passed,
                r.pass_n,
                r.rows,
            )
            for r in sums
        ),
        key=lambda row: (row[0], row[2], row[1]),
    )
    # The "others" of each row come from the per-checklist totals of these grouped rows.
    totals: dict[str, tuple[int, float]] = {}
    for cid, _id, _name, n, total, *_ in rows:
        count, s = totals.get(cid, (0, 0.0))
        totals[cid] = (count + n, s + total)
    out = []
    for cid, supervisor_id, name, n, total, squares, passed, pass_n, audits in rows:
        mean = total / n if n else None
        others_n = totals[cid][0] - n
        others_mean = (totals[cid][1] - total) / others_n if others_n else None
        interval = mean_interval(n, mean, variance_from_sums(n, total, squares))
        out.append(
            RaterRow(
                cid,
                name,
                n,
                mean,
                interval,
                passed,
                pass_n,
                others_n,
                others_mean,
                audits,
                supervisor_id,
            )
        )
    return out  # with rows of n == 0 (every audit wholly N/A), which have no mean to show


def audits_by_supervisor(raters: list[RaterRow]) -> list[tuple[str, int]]:
    """(supervisor, audits in the period), most first, from the rater rows."""
    counts: dict[int, tuple[str, int]] = {}
    for r in raters:
        name, n = counts.get(r.supervisor_id, (r.supervisor, 0))
        counts[r.supervisor_id] = (name, n + r.audits)
    return sorted(counts.values(), key=lambda row: (-row[1], row[0]))


def audits_by_checklist(raters: list[RaterRow]) -> dict[str, int]:
    """The period's audits per checklist, from the rater rows already counted."""
    counts: dict[str, int] = {}
    for r in raters:
        counts[r.checklist_id] = counts.get(r.checklist_id, 0) + r.audits
    return counts


@dataclass(frozen=True)
class ItemStats:
    checklist_id: str
    item_id: str
    text: str
    kind: str
    critical: bool
    asked: int  # scored or N/A
    scored: int
    met: int
    na: int
    failures: int  # critical failures, or don'ts observed
    critical_failed: int = 0  # critical items failed (a don't observed may be one too)

    @property
    def met_rate(self) -> float | None:
        return 100 * self.met / self.scored if self.scored else None

    @property
    def na_rate(self) -> float | None:
        return 100 * self.na / self.asked if self.asked else None

    @property
    def enough(self) -> bool:
        return enough_to_judge(self.scored)

    @property
    def flags(self) -> list[str]:
        """Why this item may tell the trainer nothing."""
        out = []
        if self.scored >= ALWAYS_MIN_N and (self.met_rate or 0) >= ALWAYS_RATE:
            out.append("almost always met")
        if enough_to_judge(self.asked) and (self.na_rate or 0) >= ALWAYS_RATE:
            out.append("almost always N/A")
        if self.critical and self.enough and self.failures == 0:
            out.append("critical, never failed")
        if self.kind == "dont" and self.enough and self.scored == self.met:
            out.append("don't never observed")
        return out


def item_analysis(f: InsightFilters, staff_rows: list | None = None) -> list[ItemStats]:
    """Per checklist item: how often it was scored, met and N/A in the slice. A team page
    that has read its item totals by staff member (glance.staff_item_rows) passes them."""
    if staff_rows is not None:
        rows = _counts_from_staff_rows(staff_rows)
    else:
        rows = _counts_from_staff_totals(f) if f.team_id else _counts_from_day_totals(f)
    texts = item_texts({r[0] for r in rows})
    out = []
    for cid, iid, kind, critical, asked, scored, met, na, crit_failed in rows:
        scored, met = scored or 0, met or 0
        # A don't "fails" when it was observed, critical or not.
        failures = (scored - met) if kind == "dont" else (crit_failed or 0)
        out.append(
            ItemStats(
                checklist_id=cid,
                item_id=iid,
                text=texts.get((cid, iid), iid),
                kind=kind,
                critical=bool(critical),
                asked=asked or 0,
                scored=scored,
                met=met,
                na=na or 0,
                failures=failures,
                critical_failed=crit_failed or 0,
            )
        )
    return out


def most_missed(stats: list[ItemStats], limit: int = 10) -> list[MissedItem]:
    """The items most often not met, from the item analysis already counted in SQL, so the
    page reads the period's item rows once rather than twice."""
    missed = [s for s in stats if s.scored - s.met > 0]
    missed.sort(key=lambda s: (-(s.scored - s.met), s.checklist_id, s.item_id))
    return [
        MissedItem(s.checklist_id, s.item_id, s.text, s.scored - s.met, s.scored)
        for s in missed[:limit]
    ]


def _counts_from_item_rows(f: InsightFilters) -> list:
    return db.session.execute(
        select(Audit.checklist_id, AuditItem.item_id, *rollups.item_count_columns())
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(*audit_conditions(f))
        .group_by(Audit.checklist_id, AuditItem.item_id)
        .order_by(Audit.checklist_id, AuditItem.item_id)
    ).all()


def _counts_from_day_totals(f: InsightFilters) -> list:
    return rollups.item_counts(*f.period(), f.checklist_id, f.channel)


def _counts_from_staff_rows(rows: list) -> list:
    """The item counts summed over the staff members of item totals by staff member."""
    sums: dict[tuple[str, str], list] = {}
    names = ("checklist_id", "item_id", "kind", "critical", *rollups.COUNTS)
    for cid, iid, kind, critical, *counts in period_totals.picked(rows, *names):
        acc = sums.get((cid, iid))
        if acc is None:
            acc = sums[(cid, iid)] = [kind, 0, 0, 0, 0, 0, 0]
        acc[1] = max(acc[1], critical or 0)
        for i, count in enumerate(counts, start=2):
            acc[i] += count or 0
    return [(cid, iid, *values) for (cid, iid), values in sorted(sums.items())]


def _counts_from_staff_totals(f: InsightFilters) -> list:
    """A team's item counts from the month totals of its staff members (a staff member who
    changes teams takes their audits along, as on every team page)."""
    rows = period_totals.read(
        month_totals.STAFF_ITEMS,
        totals_plan(f, rows_only=bool(f.channel)),  # the totals hold no channel
        totals_where(f),
        ["checklist_id", "item_id"],
    )
    ordered = sorted(rows, key=lambda r: (r.checklist_id, r.item_id))
    names = ("checklist_id", "item_id", "kind", "critical", *rollups.COUNTS)
    return [tuple(getattr(r, name) for name in names) for r in ordered]


@dataclass(frozen=True)
class ItemGroup:
    """One checklist's items in the item analysis: the flagged ones (items that tell
    nothing, critical items never failed, don'ts never seen) first, then the rest, least
    often met first."""

    checklist_id: str
    flagged: list[ItemStats]
    others: list[ItemStats]


def item_groups(stats: list[ItemStats]) -> list[ItemGroup]:
    """The item analysis grouped by checklist, most flagged checklist first."""
    by_checklist: dict[str, list[ItemStats]] = {}
    for s in stats:
        by_checklist.setdefault(s.checklist_id, []).append(s)
    groups = []
    for checklist_id, rows in by_checklist.items():
        flagged = [s for s in rows if s.flags]
        others = sorted(
            (s for s in rows if not s.flags),
            key=lambda s: (not s.enough, 101.0 if s.met_rate is None else s.met_rate, s.item_id),
        )
        groups.append(ItemGroup(checklist_id, flagged, others))
    groups.sort(key=lambda g: (-len(g.flagged), g.checklist_id))
    return groups
