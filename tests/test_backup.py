"""`auditapp backup` and `auditapp restore`: every audit comes back, bad files are refused.

On SQLite the restore target is a new file; on PostgreSQL (AUDITAPP_TEST_DATABASE_URL) it is
a database `<test database>_restore` that the fixture creates and drops.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask import has_app_context
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from auditapp import MIGRATIONS_DIR, create_app
from auditapp.cli import main
from auditapp.extensions import db
from auditapp.models import Audit, LogEntry

ANSWERS = {"greeted": "no", "warmth": "2", "smiled": "na", "thanked": "yes", "argued": "yes"}


@pytest.fixture
def restore_target(database_url, tmp_path):
    """An empty database of the same kind as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore"
    # CREATE DATABASE cannot run inside a transaction.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def cli(monkeypatch, checklists_dir):
    """Run `auditapp ...` in-process on the database given."""

    def run(url: str, *args: str):
        if has_app_context():
            db.session.remove()  # the test's own session must not hold locks the restore needs
        monkeypatch.setenv("AUDITAPP_DATABASE_URL", url)
        monkeypatch.setenv("AUDITAPP_SECRET_KEY", "test")
        monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(checklists_dir))
        return CliRunner().invoke(main, list(args))

    return run


@contextmanager
def opened(url: str):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def everything() -> dict[str, dict]:
    """Each audit by its form token, with what it stored and all its rows."""
    audits = db.session.execute(select(Audit).order_by(Audit.id)).scalars()
    return {
        a.form_token: {
            "id": a.id,
            "status": a.status,
            "staff": a.staff_member.name,
            "supervisor": a.supervisor.email,
            "overall": a.overall,
            "answers": a.answers,
            "comments": a.comments,
            "snapshot": a.checklist_version.content,
            "items": sorted((i.item_id, i.answer, i.status, i.earned) for i in a.items),
            "sections": sorted((s.section_id, s.percentage) for s in a.sections),
            "events": [(e.action, e.user_id) for e in a.events],
        }
        for a in audits
    }


def fails_clearly(result, message: str) -> None:
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # not a traceback
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ")
    assert message in line, line


def at_head(url: str) -> bool:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with opened(url), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


@pytest.fixture
def audits(app, make_audit, make_user, make_staff):
    """Three audits of two people: submitted, failed with comments, and a draft."""
    supervisor = make_user("supervisor")
    ana, ben = make_staff("Ana Lopez"), make_staff("Ben Okafor", team="Phones")
    make_audit(staff=ana, supervisor=supervisor)
    failed = make_audit(staff=ben, supervisor=supervisor, answers=ANSWERS)
    failed.comments = {"argued": "Raised his voice"}
    db.session.commit()
    make_audit(staff=ana, supervisor=supervisor, submit=False, answers={"greeted": "yes"})
    return everything()


def test_backup_then_restore_into_a_new_database_finds_every_audit(
    audits, cli, database_url, restore_target, tmp_path
):
    file = tmp_path / "audits.backup"
    result = cli(database_url, "backup", str(file))
    assert result.exit_code == 0, result.output
    assert f"(3 audits) to {file}" in result.output
    assert not list(tmp_path.glob("*.partial"))

    result = cli(restore_target, "restore", str(file))
    assert result.exit_code == 0, result.output
    assert "3 audits" in result.output
    with opened(restore_target):
        restored = everything()
    assert restored == audits
    assert {a["status"] for a in restored.values()} == {"submitted", "draft"}
    assert any(a["comments"] for a in restored.values())
    assert at_head(restore_target)


def test_a_backup_and_a_restore_are_in_the_event_log(
    audits, cli, database_url, restore_target, tmp_path
):
    from auditapp.services import event_log

    file = tmp_path / "audits.backup"
    assert cli(database_url, "backup", str(file)).exit_code == 0
    assert cli(restore_target, "restore", str(file)).exit_code == 0
    with opened(database_url):
        [made] = db.session.scalars(select(LogEntry).where(LogEntry.action == "backup_made"))
        assert (made.subject, made.details, made.user_id) == ("audits.backup", {"audits": 3}, None)
    with opened(restore_target):
        newest = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc())).first()
        assert (newest.action, newest.subject) == ("database_restored", "audits.backup")
        assert newest.details == {"audits": 3}
        assert event_log.verify() is None  # the entry continues the chain the backup holds


def test_restore_refuses_a_database_with_audits_unless_forced(
    audits, cli, database_url, restore_target, tmp_path, make_audit
):
    file = tmp_path / "audits.backup"
    assert cli(database_url, "backup", str(file)).exit_code == 0
    assert cli(restore_target, "restore", str(file)).exit_code == 0
    with opened(restore_target):
        db.session.delete(db.session.execute(select(Audit).limit(1)).scalar_one())
        db.session.commit()

    result = cli(restore_target, "restore", str(file))
    fails_clearly(result, "already holds 2 audits")
    assert "--force" in result.output
    with opened(restore_target):
        assert len(everything()) == 2  # untouched

    result = cli(restore_target, "restore", "--force", str(file))
    assert result.exit_code == 0, result.output
    with opened(restore_target):
        assert everything() == audits


def _truncated(file):
    file.write_bytes(file.read_bytes()[:3000])


def _other_kind(file):
    # A backup of the other database engine than the one under test.
    if file.read_bytes().startswith(b"PGDMP"):
        file.write_bytes(b"SQLite format 3\x00" + bytes(4080))
    else:
        file.write_bytes(b"PGDMP" + bytes(100))


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda f: f.write_text("name,team\nAna,Front desk\n"), "is not a"),
        (_truncated, ""),
        (_other_kind, "backup made by 'auditapp backup' (it is a"),
        (lambda f: f.unlink(), "cannot read"),
    ],
    ids=["not-a-backup", "truncated", "other-database-kind", "missing"],
)
def test_restore_of_a_bad_file_fails_clearly_and_changes_nothing(
    audits, cli, database_url, restore_target, tmp_path, spoil, message
):
    file = tmp_path / "audits.backup"
    assert cli(database_url, "backup", str(file)).exit_code == 0
    spoil(file)
    result = cli(restore_target, "restore", "--force", str(file))
    fails_clearly(result, message)
    with opened(restore_target), db.engine.connect() as connection:
        assert not db.inspect(connection).has_table("audits")


def test_restore_of_a_backup_of_some_other_database_is_refused(cli, restore_target, tmp_path):
    other = tmp_path / "other.backup"
    engine = create_engine(restore_target)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    engine.dispose()
    if restore_target.startswith("sqlite"):
        Path(make_url(restore_target).database).rename(other)
    else:
        url = make_url(restore_target).set(drivername="postgresql")
        dbname = url.render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "-Fc", "-f", str(other), "--dbname", dbname], check=True)
        engine = create_engine(restore_target)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE notes"))
        engine.dispose()
    fails_clearly(cli(restore_target, "restore", str(other)), "but not one of auditapp")


def test_backup_into_a_missing_folder_fails_clearly(audits, cli, database_url, tmp_path):
    result = cli(database_url, "backup", str(tmp_path / "no-such-folder" / "audits.backup"))
    fails_clearly(result, "no-such-folder")
