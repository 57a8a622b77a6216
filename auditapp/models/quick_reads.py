"""One-row reads a page makes before anything else, each on a connection of its own.

Every page reads the signed-in user, and the scoring form the staff member it is about.
Through the request's ORM session each read built a session and its transaction and, on
PostgreSQL, sent BEGIN and ROLLBACK around it; through a SQLAlchemy Connection it still
cost three times what the driver takes. Here each statement is compiled once per database
dialect (with its columns' and parameters' type conversions) and run on a pooled driver
connection (the same pool, pre-ping and connection settings as the session's), in
autocommit mode, handed back to the pool before the view goes on: a request never holds
two connections at once. A driver error comes out as SQLAlchemy's own (OperationalError
and so on, as the error pages expect), and the connection it happened on is discarded.

A row read this way is as fresh as the statement: it is not part of the transaction the
view's own queries run in, which is right for a check made before the view starts (the
user is still active, the staff member still exists) and wrong for anything the view
then writes on the strength of it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, MultipleResultsFound

from auditapp.extensions import db

_EXTENSION = "auditapp.quick_reads_engine"


@dataclass(frozen=True)
class _Prepared:
    """A statement as its driver takes it, for one dialect."""

    statement: Select  # held, so that the id it is kept under is not reused
    sql: str
    order: tuple[str, ...] | None  # the parameters' order, for a positional paramstyle
    defaults: dict[str, Any]  # values written into the statement (where x == 3)
    to_driver: dict[str, Callable[[Any], Any]]
    from_driver: tuple[Callable[[Any], Any] | None, ...]
    row: type

    @classmethod
    def of(cls, statement: Select, dialect: Dialect) -> _Prepared:
        compiled = statement.compile(dialect=dialect)
        to_driver = {}
        for name, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                to_driver[name] = convert
        columns = list(statement.selected_columns)
        return cls(
            statement,
            compiled.string,
            tuple(compiled.positiontup or ()) if compiled.positional else None,
            {n: b.effective_value for n, b in compiled.binds.items() if not b.required},
            to_driver,
            tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
            namedtuple("Row", [c.key for c in columns], rename=True),  # type: ignore[misc]
        )

    def arguments(self, params: dict[str, Any]) -> Any:
        given = {**self.defaults, **params}
        values = {k: self.to_driver[k](v) if k in self.to_driver else v for k, v in given.items()}
        return values if self.order is None else tuple(values[name] for name in self.order)

    def make_row(self, values: tuple) -> tuple:
        return self.row(*(f(v) if f else v for f, v in zip(self.from_driver, values, strict=True)))


_prepared: dict[tuple, _Prepared] = {}


def _engine() -> Engine:
    # Flask-SQLAlchemy makes an app's engine once, in init_app: kept per app.
    extensions = current_app.extensions
    engine = extensions.get(_EXTENSION)
    if engine is None:
        engine = extensions[_EXTENSION] = db.engine
    return engine


def read_row(statement: Select, params: dict[str, Any]) -> tuple | None:
    """The one row `statement` returns (a named tuple), or None; more rows are an error."""
    engine = _engine()
    dialect = engine.dialect
    key = (id(statement), dialect.name, dialect.driver, dialect.paramstyle)
    prepared = _prepared.get(key)
    if prepared is None:
        prepared = _prepared[key] = _Prepared.of(statement, dialect)
    arguments = prepared.arguments(params)
    # Python's sqlite3 begins no transaction for a SELECT, and SQLAlchemy switches a
    # SQLite connection's isolation level with a PRAGMA each way: left as it is.
    autocommit = dialect.name != "sqlite"
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:  # the database is not there
        raise _wrapped(exc, prepared.sql, arguments, dialect, invalidated=False) from exc
    try:
        connection = pooled.dbapi_connection
        if autocommit:
            dialect.set_isolation_level(connection, "AUTOCOMMIT")
        cursor = connection.cursor()
        cursor.execute(prepared.sql, arguments)
        rows = cursor.fetchmany(2)
        cursor.close()
        if autocommit:
            dialect.reset_isolation_level(connection)
    except dialect.loaded_dbapi.Error as exc:
        # Discarded, not handed back: it may be broken, or still in autocommit mode.
        pooled.invalidate(exc)
        raise _wrapped(exc, prepared.sql, arguments, dialect, invalidated=True) from exc
    finally:
        pooled.close()
    if len(rows) > 1:
        raise MultipleResultsFound("Multiple rows were found when one or none was required")
    return prepared.make_row(rows[0]) if rows else None


def _wrapped(exc: Exception, sql: str, arguments: Any, dialect: Dialect, *, invalidated: bool):
    """The driver's error as SQLAlchemy raises it (OperationalError, ProgrammingError, ...)."""
    return DBAPIError.instance(
        sql,
        arguments,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
