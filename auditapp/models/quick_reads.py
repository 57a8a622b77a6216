"""One-row reads a page makes before anything else, each on a connection of its own.

Every page reads the signed-in user, and the scoring form the staff member it is about.
Through the request's ORM session each read built a session and its transaction and, on
PostgreSQL, sent BEGIN and ROLLBACK around it; through a SQLAlchemy Connection it still
cost three times what the driver takes. Here each statement is compiled once per database
dialect (with its columns' and parameters' type conversions) and run on a pooled driver
connection, handed back to the pool before the view goes on: a request never holds two
connections at once. A driver error comes out as SQLAlchemy's own (OperationalError and
so on, as the error pages expect), and the connection it happened on is discarded.

A row read this way is as fresh as the statement: it is not part of the transaction the
view's own queries run in, which is right for a check made before the view starts (the
user is still active, the staff member still exists) and wrong for anything the view
then writes on the strength of it.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, create_engine, event
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
_creating = threading.Lock()


def _engine() -> Engine:
    """The engine the reads run on, one per app.

    SQLite: the app's own (Python's sqlite3 begins no transaction for a SELECT). A database
    server: an engine of its own on the same URL and settings, whose connections are in
    autocommit mode from the start, with no pre-ping and nothing to roll back when handed
    back. Switching a shared connection to autocommit and back, its pre-ping and its
    rollback took three quarters of a read's time. It is disposed with the app's engine.
    """
    extensions = current_app.extensions
    engine = extensions.get(_EXTENSION)
    if engine is not None:
        return engine
    with _creating:  # a server's threads start at once: one engine, not one each
        engine = extensions.get(_EXTENSION)
        if engine is None:
            main = engine = db.engine
            if main.dialect.name != "sqlite":
                options = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
                options.update(isolation_level="AUTOCOMMIT", pool_pre_ping=False)
                engine = create_engine(main.url, pool_reset_on_return=None, **options)
                event.listen(main, "engine_disposed", lambda _main: engine.dispose())
            extensions[_EXTENSION] = engine
    return engine


def read_row(statement: Select, params: dict[str, Any]) -> tuple | None:
    """The one row `statement` returns (a named tuple), or None; more rows are an error.

    On a server database, a connection found broken (the server restarted since the pool
    opened it) empties the pool and the read is made once more on a new one, as the
    pre-ping the app's engine does would have: a read changes nothing, so it can be
    repeated.
    """
    engine = _engine()
    dialect = engine.dialect
    key = (id(statement), dialect.name, dialect.driver, dialect.paramstyle)
    prepared = _prepared.get(key)
    if prepared is None:
        prepared = _prepared[key] = _Prepared.of(statement, dialect)
    arguments = prepared.arguments(params)
    for attempt in (1, 2):
        try:
            rows = _fetch(engine, prepared.sql, arguments)
            break
        except _Failed as failed:
            if failed.gone and attempt == 1 and engine is not db.engine:
                engine.dispose()
                continue
            raise _wrapped(
                failed.error, prepared.sql, arguments, dialect, invalidated=failed.gone
            ) from failed.error
    if len(rows) > 1:
        raise MultipleResultsFound("Multiple rows were found when one or none was required")
    return prepared.make_row(rows[0]) if rows else None


class _Failed(Exception):
    """The driver's error, and whether it says the connection was lost."""

    def __init__(self, error: Exception, gone: bool) -> None:
        super().__init__(str(error))
        self.error, self.gone = error, gone


def _fetch(engine: Engine, sql: str, arguments: Any) -> list:
    dialect = engine.dialect
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:  # the database is not there: no use trying again
        raise _Failed(exc, gone=False) from exc
    try:
        cursor = pooled.dbapi_connection.cursor()
        cursor.execute(sql, arguments)
        rows = cursor.fetchmany(2)
        cursor.close()
        return rows
    except dialect.loaded_dbapi.Error as exc:
        gone = dialect.is_disconnect(exc, pooled.dbapi_connection, None)
        pooled.invalidate(exc)  # discarded, not handed back: it may be broken
        raise _Failed(exc, gone) from exc
    finally:
        pooled.close()


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
