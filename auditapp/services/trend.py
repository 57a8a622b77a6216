"""The trend on the first pages: mean score per week or month with its 95% interval, from
the scored audits grouped by day in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Date, cast, func, select

from auditapp import glance_charts, stats
from auditapp.extensions import db
from auditapp.models import Audit

WEEKS_UP_TO = 26 * 7  # periods up to half a year are drawn by week, longer ones by month


def _day_column():
    if db.engine.dialect.name == "postgresql":
        return cast(Audit.observed_at, Date)
    return func.date(Audit.observed_at)


def day_sums(conditions: list) -> list[tuple[date, int, float, float]]:
    """(day, scored audits, SUM, SUM of squares) of the audits matching `conditions`."""
    day = _day_column()
    rows = db.session.execute(
        select(
            day,
            func.count(Audit.overall),
            func.sum(Audit.overall),
            func.sum(Audit.overall * Audit.overall),
        )
        .where(*conditions, Audit.overall.is_not(None))
        .group_by(day)
    ).all()
    out = []
    for d, n, total, squares in rows:
        d = date.fromisoformat(d) if isinstance(d, str) else d
        out.append((d, int(n), float(total or 0), float(squares or 0)))
    return out


def bucket_of(day: date, unit: str) -> date:
    return day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)


def trend_points(
    days: Iterable[tuple[date, int, float, float]], start: date, end: date
) -> tuple[list[glance_charts.TrendPoint], str]:
    """Daily sums merged into weeks (periods up to half a year) or months, every bucket of
    the period listed, empty ones with n=0; and the unit."""
    unit = "week" if (end - start).days + 1 <= WEEKS_UP_TO else "month"
    merged: dict[date, list[float]] = {}
    for day, n, total, squares in days:
        acc = merged.setdefault(bucket_of(day, unit), [0, 0.0, 0.0])
        acc[0] += n
        acc[1] += total
        acc[2] += squares
    points, cursor = [], bucket_of(start, unit)
    while cursor <= end:
        n, total, squares = merged.get(cursor, [0, 0.0, 0.0])
        n = int(n)
        mean = total / n if n else None
        interval = stats.mean_interval(n, mean, stats.variance_from_sums(n, total, squares))
        label = f"{cursor.day} {cursor:%b}" if unit == "week" else f"{cursor:%b %Y}"
        points.append(
            glance_charts.TrendPoint(
                cursor,
                label,
                n,
                mean,
                interval.low if interval else None,
                interval.high if interval else None,
            )
        )
        if unit == "week":
            cursor += timedelta(days=7)
        else:
            cursor = (cursor + timedelta(days=32)).replace(day=1)
    return points, unit
