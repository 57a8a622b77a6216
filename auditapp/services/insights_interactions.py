"""The interactions themselves, measured as the source documents ask (002: "time duration,
predetermined outcome, monetary value"), and the relationship profile of 001 (the share of
first-time, repeat and advocate customers, and the shape that mix makes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, case, func, literal_column, select

from auditapp.extensions import db
from auditapp.models import Audit
from auditapp.stats import Interval, enough_to_judge, wilson

from .insights import InsightFilters, audit_conditions

LEVELS = ("first_time", "repeat", "advocate")  # Level 1, 2 and 3 of the profile
NOT_RECORDED = "not_recorded"
# Score bands for "are higher-scored interactions resolved more often?"
SCORE_BANDS = ("under 60%", "60–80%", "80% and over")


@dataclass
class Breakdown:
    key: str
    n: int
    mean_duration: float | None
    duration_n: int
    value_sum: float | None
    value_mean: float | None
    value_n: int
    leads: int
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def lead_rate(self) -> float | None:
        return 100 * self.leads / self.n if self.n else None

    @property
    def enough(self) -> bool:
        return enough_to_judge(self.n)


def _breakdown(f: InsightFilters, column) -> list[Breakdown]:
    # Grouped on the bare column (NULL is a group of its own) rather than on a COALESCE:
    # PostgreSQL would see the bound default in SELECT and GROUP BY as two expressions.
    rows = db.session.execute(
        select(
            column,
            func.count(Audit.id),
            func.avg(Audit.duration_minutes),
            func.count(Audit.duration_minutes),
            func.sum(Audit.monetary_value),
            func.avg(Audit.monetary_value),
            func.count(Audit.monetary_value),
            func.sum(case((Audit.lead_captured.is_(True), 1), else_=0)).cast(Integer),
        )
        .where(*audit_conditions(f))
        .group_by(column)
        .order_by(func.count(Audit.id).desc(), column)
    ).all()
    out = {
        r[0]: Breakdown(
            r[0] or NOT_RECORDED,
            r[1],
            _float(r[2]),
            r[3],
            _float(r[4]),
            _float(r[5]),
            r[6],
            r[7] or 0,
        )
        for r in rows
    }
    for k, outcome, n in db.session.execute(
        select(column, Audit.outcome, func.count(Audit.id))
        .where(*audit_conditions(f))
        .group_by(column, Audit.outcome)
    ):
        out[k].outcomes[outcome or NOT_RECORDED] = n
    return list(out.values())


def _float(value) -> float | None:
    return None if value is None else float(value)  # SUM of a Numeric comes back a Decimal


def by_channel(f: InsightFilters) -> list[Breakdown]:
    """Per channel: interactions, mean duration, outcomes, money and leads."""
    return _breakdown(f, Audit.channel)


def by_customer_type(f: InsightFilters) -> list[Breakdown]:
    """Per customer type (first-time, repeat, advocate): the same figures."""
    return _breakdown(f, Audit.customer_type)


@dataclass(frozen=True)
class BandResolution:
    band: str
    n: int  # audits in the band with an outcome recorded
    resolved: int

    @property
    def rate(self) -> float | None:
        return 100 * self.resolved / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        return wilson(self.resolved, self.n)

    @property
    def enough(self) -> bool:
        return enough_to_judge(self.n)


def resolution_by_score_band(f: InsightFilters) -> list[BandResolution]:
    """Share of interactions resolved in each audit-score band."""
    # Literal SQL (constants, not input) so that SELECT and GROUP BY are the same expression.
    band = case(
        (Audit.overall < literal_column("60"), literal_column("0")),
        (Audit.overall < literal_column("80"), literal_column("1")),
        else_=literal_column("2"),
    )
    rows = db.session.execute(
        select(
            band,
            func.count(Audit.id),
            func.sum(case((Audit.outcome == "resolved", 1), else_=0)).cast(Integer),
        )
        .where(*audit_conditions(f), Audit.overall.is_not(None), Audit.outcome.is_not(None))
        .group_by(band)
    ).all()
    found = {int(b): (n, r or 0) for b, n, r in rows}
    return [BandResolution(name, *found.get(i, (0, 0))) for i, name in enumerate(SCORE_BANDS)]


STRONG_ADVOCATES = 25.0  # percent of customers at Level 3


def profile_shape(first_time: float, repeat: float, advocate: float) -> str:
    """The service profile of a mix of Level 1/2/3 customers (percentages).

    Document 001 names the Pyramid, the Hourglass and the Hexagon without numbers; the
    product reads them as: strong advocates (at least a quarter of customers at Level 3)
    make a "hexagon"; otherwise mostly first-time customers make a "pyramid" and mostly
    repeat customers an "hourglass".
    """
    if advocate >= STRONG_ADVOCATES:
        return "hexagon"
    return "pyramid" if first_time >= repeat else "hourglass"


@dataclass
class ProfileRow:
    label: str  # "2026-11" or "Whole period"
    counts: dict[str, int]

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def share(self, level: str) -> float:
        return 100 * self.counts.get(level, 0) / self.n if self.n else 0.0

    @property
    def shape(self) -> str | None:
        """None below the floor of audits to judge."""
        if not enough_to_judge(self.n):
            return None
        return profile_shape(*(self.share(level) for level in LEVELS))


@dataclass
class Profile:
    months: list[ProfileRow]
    overall: ProfileRow


def _month(column):
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, literal_column("'YYYY-MM'"))  # see resolution_by_score_band


def relationship_profile(f: InsightFilters) -> Profile:
    """Customer-type mix per month and over the whole period."""
    month = _month(Audit.observed_at)
    rows = db.session.execute(
        select(month, Audit.customer_type, func.count(Audit.id))
        .where(*audit_conditions(f), Audit.customer_type.in_(LEVELS))
        .group_by(month, Audit.customer_type)
        .order_by(month)
    ).all()
    months: dict[str, ProfileRow] = {}
    overall = ProfileRow("Whole period", {})
    for m, level, n in rows:
        months.setdefault(m, ProfileRow(m, {})).counts[level] = n
        overall.counts[level] = overall.counts.get(level, 0) + n
    return Profile(list(months.values()), overall)
