"""The migrations make the schema the models declare: the tables, columns and indexes a
fresh database gets from the migrations are those the code describes, so an index added to
a model without its migration (or the other way round) fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Float, inspect

from auditapp.extensions import db


def _same_type(context, inspected, declared, inspected_type, declared_type, **_):
    # SQLite keeps every floating-point type as REAL: a Double column reads back as FLOAT.
    if isinstance(inspected_type, Float) and isinstance(declared_type, Float):
        return False
    return None  # alembic's own comparison


def test_the_migrations_make_the_schema_the_models_declare(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": _same_type})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_staff_item_totals_have_an_index_led_by_checklist_and_month(app):
    """/insights sums everyone's months of one checklist: PostgreSQL reads them from this
    index rather than scanning every checklist's totals (migration 0016)."""
    indexes = {
        index["name"]: index["column_names"]
        for index in inspect(db.engine).get_indexes("staff_item_month_totals")
    }
    assert indexes["ix_staff_item_month_totals_checklist"][:2] == ["checklist_id", "month"]
