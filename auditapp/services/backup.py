"""Backing up and restoring the whole database: SQLite's online backup, pg_dump/pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url

from auditapp.extensions import db
from auditapp.models import Audit

from . import event_log
from .setup import safe_url, upgrade_schema

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format (-Fc)


class BackupError(RuntimeError):
    pass


def backup(url: str, target: Path) -> int:
    """Copy the database to `target` while the app may be running; returns its audit count.

    Written beside the target and renamed when complete, so a failed backup never leaves a
    half file where an older good one was. The file is the owner's alone (0600), as the
    database is: it holds the password hashes.
    """
    audits = _audit_count()
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        # Made here with 0600 before SQLite or pg_dump opens it: both keep an existing
        # file's permissions, and would create a new one readable by everyone.
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run(["pg_dump", "--format=custom", "--file", str(partial)], url)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"cannot write {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    event_log.record_now("backup_made", None, target.name, audits=audits)
    return audits


def restore(url: str, source: Path, *, force: bool) -> int:
    """Replace the database's content with the backup in `source`; returns its audit count."""
    _check_kind(url, source)
    existing = _audit_count()
    if existing and not force:
        raise BackupError(
            f"the database {safe_url(url)} already holds {existing} audits; restoring would "
            "replace them. Back it up first, then run restore again with --force."
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep a view of the old content
    if _is_sqlite(url):
        with (
            closing(_read_only(source)) as src,
            closing(sqlite3.connect(_sqlite_path(url))) as dst,
        ):
            src.backup(dst)
    else:
        # One transaction: a restore that fails half-way leaves the database as it was.
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"],
            url,
            source,
        )
    upgrade_schema()  # a backup from an older version comes up to the current schema
    db.engine.dispose()
    restored = _audit_count()
    # In the restored log, after the entries the backup holds.
    event_log.record_now("database_restored", None, source.name, audits=restored)
    return restored


def _audit_count() -> int:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table(Audit.__tablename__):
            return 0
        return connection.execute(select(func.count()).select_from(Audit)).scalar_one()


def _check_kind(url: str, source: Path) -> None:
    """Refuse a file that is not a backup of this kind of database before touching anything."""
    try:
        with source.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror or exc}") from None
    if _is_sqlite(url):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(_not_a_backup(source, head, "an SQLite"))
        try:
            with closing(_read_only(source)) as check:
                tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
                ok = check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is a damaged SQLite file: {exc}") from None
        if not ok:
            raise BackupError(f"{source} is a damaged SQLite file (quick_check failed)")
        if not {"alembic_version", "audits"} <= tables:
            raise BackupError(f"{source} is an SQLite database, but not one of auditapp")
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError(_not_a_backup(source, head, "a PostgreSQL"))
        listing = _run(["pg_restore", "--list"], None, source)
        if " TABLE public audits " not in listing:
            raise BackupError(f"{source} is a PostgreSQL backup, but not one of auditapp")


def _not_a_backup(source: Path, head: bytes, wanted: str) -> str:
    if head.startswith(SQLITE_MAGIC):
        found = " (it is an SQLite backup)"
    elif head.startswith(PG_MAGIC):
        found = " (it is a PostgreSQL backup)"
    else:
        found = ""
    return f"{source} is not {wanted} backup made by 'auditapp backup'{found}"


def _sqlite_backup(path: str, target: Path) -> None:
    # The online backup API copies a consistent snapshot while supervisors keep saving.
    with (
        closing(_read_only(Path(path))) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        # One self-contained file to copy around, without the -wal file beside it.
        dst.execute("PRAGMA journal_mode=DELETE")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _run(command: list[str], url: str | None, source: Path | None = None) -> str:
    """Run a PostgreSQL client program; its error becomes a BackupError."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools")
    env = dict(os.environ)
    if url is not None:
        libpq, password = _libpq(url)
        command = [*command, "--dbname", libpq]
        if password:
            env["PGPASSWORD"] = password  # never on the command line, where ps shows it
    if source is not None:
        command.append(str(source))
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{command[0]} failed: {lines[0] if lines else done.returncode}")
    return done.stdout


def _libpq(url: str) -> tuple[str, str | None]:
    """The SQLAlchemy URL as libpq takes it (no +psycopg), and the password apart."""
    parsed = make_url(url)
    plain: URL = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), parsed.password


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path
