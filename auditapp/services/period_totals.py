"""Any period read from the month totals (month_totals.py): its whole months from the
tables plus or minus a few days of audit rows (periods.plan), all summed in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.sql import Select

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, AuditSection

from .month_totals import Rollup, from_rows, observed_between
from .periods import Plan


def month_label(column):
    """'YYYY-MM' of a date or timestamp column, in SQL."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime(literal_column("'%Y-%m'"), column)
    return func.to_char(column, literal_column("'YYYY-MM'"))


def _row_column(name: str):
    """The audit-row column a total's key is made from (an item's or section's id lives on
    the item or section rows)."""
    for model in (Audit, AuditItem, AuditSection):
        if hasattr(model, name):
            return getattr(model, name)
    raise AttributeError(name)


def read(
    rollup: Rollup,
    plan: Plan,
    where: dict[str, Any],
    group: list[str],
    *,
    by_month: bool = False,
) -> list[Any]:
    """The rows of read_query (none when the plan reads nothing)."""
    query = read_query(rollup, plan, where, group, by_month=by_month)
    return [] if query is None else db.session.execute(query).all()


def read_query(
    rollup: Rollup,
    plan: Plan,
    where: dict[str, Any],
    group: list[str],
    *,
    by_month: bool = False,
) -> Select | None:
    """The query of the rollup summed by the `group` keys (led by the month, 'YYYY-MM', if
    by_month) over a period, None when the plan reads nothing: its whole months from the
    table, plus or minus the audit rows of the plan's days. `where` maps column names to a
    value or to a list of values (IN); a name the table lacks (a channel for the staff
    tables) needs a plan of rows only.
    """
    t = rollup.table

    def conditions(columns) -> list:
        out = []
        for name, value in where.items():
            column = columns(name)
            out.append(column.in_(value) if isinstance(value, list) else column == value)
        return out

    # Each part carries only the keys grouped by: the rows' GROUP BYs and the sum of the
    # parts then sort fewer groups (a period's total is one row per part).
    key_names = [n for n, _ in rollup.keys if n in group]
    value_names = [n for n, _, _ in rollup.values]
    parts = []
    if plan.first_month is not None:
        lead = [month_label(t.month)] if by_month else []
        parts.append(
            select(*lead, *(getattr(t, n) for n in [*key_names, *value_names])).where(
                t.month >= plan.first_month,
                t.month <= plan.last_month,
                *conditions(lambda n: getattr(t, n)),
            )
        )
    for span in plan.days:
        lead = [month_label(Audit.observed_at)] if by_month else []
        where_rows = conditions(_row_column)
        observed = [*observed_between(span.first, span.last), *where_rows]
        parts.append(from_rows(rollup, observed, lead, span.sign, keys=key_names))
    if not parts:
        return None
    rows = union_all(*parts).subquery()
    columns = list(rows.c)
    offset = 1 if by_month else 0
    keys = [columns[offset + key_names.index(n)].label(n) for n in group]
    if by_month:
        keys.insert(0, columns[0].label("month"))
    values = columns[offset + len(key_names) :]
    # Cast back to the table's types: PostgreSQL sums integers into numerics (Decimals).
    aggregates = [
        (func.sum(v) if how == "sum" else func.max(v)).cast(getattr(t, name).type).label(name)
        for v, (name, _, how) in zip(values, rollup.values, strict=True)
    ]
    rows_count = value_names.index("rows")
    return (
        select(*keys, *aggregates)
        .group_by(*(k.element for k in keys))
        .having(func.sum(values[rows_count]) > 0)
    )


def picked(rows: Iterable[Any], *names: str) -> Iterator[tuple]:
    """The named columns (two or more) of each row `read` returned, as plain tuples: a
    result row read by position costs a tenth of one read by name, which tells over the
    thousands of rows of a team's item totals by staff member."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    get = itemgetter(*(first._fields.index(name) for name in names))
    yield get(first)
    yield from map(get, rows)
