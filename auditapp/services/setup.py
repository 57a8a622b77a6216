"""Creating and checking the database schema through the Alembic migrations."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from auditapp import MIGRATIONS_DIR
from auditapp.extensions import db


class SchemaError(RuntimeError):
    pass


def upgrade_schema() -> None:
    """Bring the database to the newest migration; does nothing when it is already there."""
    upgrade(directory=str(MIGRATIONS_DIR))


def check_schema() -> None:
    """Refuse to run on a database that is missing or older than the code."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        url = current_app.config["SQLALCHEMY_DATABASE_URI"].split("?")[0]
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise SchemaError(f"the database {url} {state}; run 'auditapp init' first")
