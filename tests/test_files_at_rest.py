"""Files that hold the password hashes are the owner's alone, and SQLite commits durably.

The instance folder is made 0700; a new SQLite database, its -wal and -shm files, a backup
(SQLite or pg_dump) and a restored SQLite database are 0600, under the usual umask (022)
that would otherwise make them readable by every local user. SQLite runs with
synchronous=FULL, so a confirmed audit survives a power cut.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from auditapp import create_app
from auditapp.cli import main
from auditapp.extensions import db
from auditapp.services.setup import upgrade_schema


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most systems give (022): what SQLite and pg_dump would create 0644 under."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def run_cli(monkeypatch, checklists_dir, tmp_path):
    """`auditapp ...` in-process, with its own instance folder and the database given."""

    def run(url: str, *args: str):
        monkeypatch.setenv("AUDITAPP_DATABASE_URL", url)
        monkeypatch.setenv("AUDITAPP_SECRET_KEY", "test")
        monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(checklists_dir))
        return CliRunner().invoke(main, list(args))

    return run


def test_a_new_instance_folder_and_its_database_are_the_owners_alone(tmp_path, monkeypatch):
    """The default setup: no DATABASE_URL, the database inside the instance folder."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("AUDITAPP_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    with app.app_context():
        try:
            upgrade_schema()
            db.session.execute(text("SELECT count(*) FROM audits"))  # holds the WAL open
            files = {p.name: mode(p) for p in instance.glob("auditapp.sqlite3*")}
        finally:
            db.session.remove()
            db.engine.dispose()
    assert files == {
        "auditapp.sqlite3": 0o600,
        "auditapp.sqlite3-wal": 0o600,
        "auditapp.sqlite3-shm": 0o600,
    }


def test_a_new_database_elsewhere_is_the_owners_alone_too(run_cli, tmp_path):
    database = tmp_path / "elsewhere.sqlite3"
    result = run_cli(f"sqlite:///{database}", "init")
    assert result.exit_code == 0, result.output
    assert mode(database) == 0o600
    assert all(mode(p) == 0o600 for p in tmp_path.glob("elsewhere.sqlite3*"))


def test_sqlite_commits_with_synchronous_full(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("an SQLite setting")
    assert db.session.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL


def test_a_backup_is_the_owners_alone(app, make_staff, run_cli, database_url, tmp_path):
    """SQLite's backup, or pg_dump's file when the tests run on PostgreSQL."""
    make_staff()
    db.session.remove()
    target = tmp_path / "backup.db"
    result = run_cli(database_url, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    # A second backup over an older, looser file leaves an owner-only file too.
    target.chmod(0o644)
    assert run_cli(database_url, "backup", str(target)).exit_code == 0
    assert mode(target) == 0o600


def test_a_restored_sqlite_database_is_the_owners_alone(app, run_cli, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps its files itself")
    db.session.remove()
    backup = tmp_path / "backup.db"
    assert run_cli(database_url, "backup", str(backup)).exit_code == 0
    restored = tmp_path / "restored.sqlite3"
    result = run_cli(f"sqlite:///{restored}", "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert {p.name: mode(p) for p in tmp_path.glob("restored.sqlite3*")} == {
        "restored.sqlite3": 0o600
    }
