"""Creating and checking the database schema through the Alembic migrations."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from auditapp import MIGRATIONS_DIR
from auditapp.extensions import db


class SchemaError(RuntimeError):
    pass


def safe_url(url: str) -> str:
    """A database URL fit to print: password hidden, no query string."""
    try:
        return make_url(url).render_as_string(hide_password=True).split("?")[0]
    except ArgumentError:
        return "(unreadable database URL)"


def upgrade_schema() -> None:
    """Bring the database to the newest migration; does nothing when it is already there."""
    upgrade(directory=str(MIGRATIONS_DIR))


def check_schema() -> None:
    """Refuse to run on a database that is missing or older than the code."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        url = safe_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise SchemaError(f"the database {url} {state}; run 'auditapp init' first")
