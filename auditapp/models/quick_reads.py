"""One-row reads a page makes before anything else, each on a connection of its own.

Every page reads the signed-in user, and the scoring form the staff member it is about.
Through the request's ORM session each read built a session and its transaction and, on
PostgreSQL, sent BEGIN and ROLLBACK around it: half of what the blank form cost. Here each
is one statement on a pooled connection (the same pool and connection settings as the
session's) in autocommit mode, handed back to the pool before the view goes on, so a request
never holds two connections at once.

A row read this way is as fresh as the statement: it is not part of the transaction the
view's own queries run in, which is right for a check made before the view starts (the
user is still active, the staff member still exists) and wrong for anything the view
then writes on the strength of it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Executable, Row
from sqlalchemy.engine import Engine

from auditapp.extensions import db

_EXTENSION = "auditapp.autocommit_engine"


def _autocommit_engine() -> Engine:
    # Flask-SQLAlchemy makes an app's engine once, in init_app, so one proxy is kept per app.
    extensions = current_app.extensions
    engine = extensions.get(_EXTENSION)
    if engine is None:
        engine = db.engine
        # Python's sqlite3 begins no transaction for a SELECT, and SQLAlchemy switches a
        # SQLite connection's isolation level with a PRAGMA each way: left as it is.
        if engine.dialect.name != "sqlite":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        extensions[_EXTENSION] = engine
    return engine


def read_row(statement: Executable, params: dict[str, Any]) -> Row | None:
    """The one row `statement` returns, or None; more than one row is an error."""
    with _autocommit_engine().connect() as connection:
        return connection.execute(statement, params).one_or_none()
