"""The headline figures of the trainer's first pages: audits, mean score, pass rate,
critical failures and coverage, now and in the previous period of the same length, each
with its change judged by stats.Change (an arrow only where the change is larger than its
uncertainty). Two aggregates per period; the staff page's first page uses them too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer, case, func, select

from auditapp import stats
from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, StaffMember


@dataclass(frozen=True)
class Figure:
    """One headline figure now and in the previous period of the same length."""

    name: str
    text: str  # "82.4%"
    detail: str  # "95% CI 79.1–85.6 · n=120"
    before_text: str
    change: stats.Change | None
    unit: str  # " points" for percentages, "" for counts

    @property
    def change_text(self) -> str:
        """'↑ up 6.2 points', 'no clear change (+1.0 points)', or why there is nothing."""
        c = self.change
        if c is None:
            return "nothing to compare with"
        amount = f"{abs(c.difference):.1f}{self.unit}" if self.unit else f"{abs(c.difference):.0f}"
        if c.direction is None:
            if c.interval is None:
                return "too few audits to judge a change"
            signed = f"{c.difference:+.1f}{self.unit}" if self.unit else f"{c.difference:+.0f}"
            return f"no clear change ({signed})"
        return f"{c.arrow} {c.direction} {amount}"


@dataclass(frozen=True)
class Sums:
    """The period's audits in a few numbers."""

    audits: int = 0
    scored: int = 0
    total: float = 0.0
    squares: float = 0.0
    passed: int = 0
    pass_n: int = 0
    observed: int = 0  # active staff members observed
    critical: int = 0  # critical items failed

    @property
    def mean(self) -> float | None:
        return self.total / self.scored if self.scored else None

    @property
    def variance(self) -> float | None:
        return stats.variance_from_sums(self.scored, self.total, self.squares)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def figures(now: Sums, before: Sums, staff: int | None) -> list[Figure]:
    """The headline figures (audits, mean score, pass rate, critical failures and, with a
    number of active staff, coverage), each with its change."""
    interval = stats.mean_interval(now.scored, now.mean, now.variance)
    ci = f"95% CI {interval.low:.1f}–{interval.high:.1f} · " if interval else ""
    pass_rate = 100 * now.passed / now.pass_n if now.pass_n else None
    pass_before = 100 * before.passed / before.pass_n if before.pass_n else None
    out = [
        Figure(
            "Audits",
            str(now.audits),
            "submitted",
            str(before.audits),
            stats.count_change(now.audits, before.audits),
            "",
        ),
        Figure(
            "Mean score",
            _pct(now.mean),
            f"{ci}n={now.scored}",
            _pct(before.mean),
            stats.mean_change(
                now.scored, now.mean, now.variance, before.scored, before.mean, before.variance
            ),
            " points",
        ),
        Figure(
            "Pass rate",
            _pct(pass_rate),
            f"{now.passed} of {now.pass_n} passed",
            _pct(pass_before),
            stats.proportion_change(now.passed, now.pass_n, before.passed, before.pass_n),
            " points",
        ),
        Figure(
            "Critical failures",
            str(now.critical),
            "critical items failed",
            str(before.critical),
            stats.count_change(now.critical, before.critical),
            "",
        ),
    ]
    if staff is not None:
        share = 100 * now.observed / staff if staff else None
        out.append(
            Figure(
                "Coverage",
                _pct(share),
                f"{now.observed} of {staff} active staff observed",
                _pct(100 * before.observed / staff if staff else None),
                stats.proportion_change(now.observed, staff, before.observed, staff)
                if staff
                else None,
                " points",
            )
        )
    return out


def previous(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before start..end (both included)."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def sums(conditions: list, critical_conditions: list | None = None) -> Sums:
    """Sums of the submitted audits matching `conditions` (two GROUP-less aggregates)."""
    passed = case((Audit.passed.is_(True), 1), else_=0).cast(Integer)
    active = case((StaffMember.active.is_(True), Audit.staff_member_id))
    row = db.session.execute(
        select(
            func.count(Audit.id),
            func.count(Audit.overall),
            func.coalesce(func.sum(Audit.overall), 0.0),
            func.coalesce(func.sum(Audit.overall * Audit.overall), 0.0),
            func.coalesce(func.sum(passed), 0),
            func.count(Audit.passed),
            func.count(func.distinct(active)),
        )
        .join(StaffMember, StaffMember.id == Audit.staff_member_id)
        .where(*conditions)
    ).one()
    critical = db.session.scalar(
        select(func.count(AuditItem.id))
        .join(Audit, Audit.id == AuditItem.audit_id)
        .where(*(critical_conditions or conditions), AuditItem.critical_failed.is_(True))
    )
    return Sums(
        int(row[0]),
        int(row[1]),
        float(row[2]),
        float(row[3]),
        int(row[4]),
        int(row[5]),
        int(row[6]),
        int(critical or 0),
    )
