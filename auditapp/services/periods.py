"""How a period of days is read from month totals and a few days of rows.

A period rarely starts and ends on a month's edges. Its whole months come from the month
totals; each partial month at either end is read either as the days it includes, or as its
whole month total less the days it leaves out, whichever means fewer days of rows. The
usual period, the last 90 days to today, then reads only a week or so of rows: this month
is its month total less the days after today, which hold no audits yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DaySpan:
    """Rows observed on days first..last (both included), added (+1) or taken away (-1)."""

    first: date
    last: date
    sign: int


@dataclass(frozen=True)
class Plan:
    """Month totals of months first_month..last_month (both included, None when no whole
    month is read) plus or minus the rows of some days."""

    first_month: date | None
    last_month: date | None
    days: tuple[DaySpan, ...]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    if day.month == 12:
        return day.replace(day=31)  # also for the year 9999, where an open period ends
    return day.replace(month=day.month + 1, day=1) - timedelta(days=1)


def _cost(first: date, last: date, today: date) -> int:
    """Days of rows to read; days after today hold (almost) no audits, so cost nothing."""
    last = min(last, today)
    return max(0, (last - first).days + 1)


def plan(first: date, last: date, today: date | None = None) -> Plan:
    """The cheapest way to count the days first..last from month totals and rows."""
    if last < first:
        return Plan(None, None, ())
    today = today or date.today()
    head, tail = month_start(first), month_start(last)
    # Per partial month at an end: read its included days, or its month less the rest.
    use_head_month = True
    use_tail_month = True
    days: list[DaySpan] = []
    if head == tail:
        if first == head and last == month_end(last):
            return Plan(head, head, ())
        inside = _cost(first, last, today)
        # The days before and after, each only when there are some: an open period's ends
        # are the first and last days Python's dates hold, with no day beyond them.
        outside = (_cost(head, first - timedelta(days=1), today) if first > head else 0) + (
            _cost(last + timedelta(days=1), month_end(last), today) if last < month_end(last) else 0
        )
        if inside <= outside:
            return Plan(None, None, (DaySpan(first, last, 1),))
        spans = []
        if first > head:
            spans.append(DaySpan(head, first - timedelta(days=1), -1))
        if last < month_end(last):
            spans.append(DaySpan(last + timedelta(days=1), month_end(last), -1))
        return Plan(head, head, tuple(spans))
    if first > head:
        before = first - timedelta(days=1)
        if _cost(first, month_end(first), today) <= _cost(head, before, today):
            use_head_month = False
            days.append(DaySpan(first, month_end(first), 1))
        else:
            days.append(DaySpan(head, before, -1))
    if last < month_end(last):
        after = last + timedelta(days=1)
        if _cost(tail, last, today) <= _cost(after, month_end(last), today):
            use_tail_month = False
            days.append(DaySpan(tail, last, 1))
        else:
            days.append(DaySpan(after, month_end(last), -1))
    first_month = head if use_head_month else month_start(month_end(first) + timedelta(days=1))
    last_month = tail if use_tail_month else month_start(tail - timedelta(days=1))
    if first_month > last_month:
        return Plan(None, None, tuple(days))
    return Plan(first_month, last_month, tuple(days))


def plan_open(first: date | None, last: date | None, today: date | None = None) -> Plan:
    """plan() for a period whose ends may be open (None): all the months before or after."""
    return plan(first or date(1, 1, 1), last or date(9999, 12, 31), today)
