"""auditapp: service-quality audits scored against checklists of observable behaviours."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from contextlib import suppress
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application: defaults, then instance/config.py, then AUDITAPP_* variables."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("AUDITAPP_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    register_config(app, test_config)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_context(app)
    return app


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object("auditapp.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("AUDITAPP")
    if test_config:
        app.config.update(test_config)
    # Owner-only: it holds the secret key and, by default, the database (password hashes).
    # An existing folder keeps the permissions its owner gave it.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    url = app.config.get("DATABASE_URL") or (
        f"sqlite:///{Path(app.instance_path) / 'auditapp.sqlite3'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        timeout = app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": timeout}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not app.config.get("QUEUE_FILE"):
        app.config["QUEUE_FILE"] = str(Path(app.instance_path) / "queue.sqlite3")
    from auditapp.clock import ZONE_INFO, resolve_zone

    app.config[ZONE_INFO] = resolve_zone(app.config["TIME_ZONE"])  # a bad name stops start-up
    from auditapp.pdf import page_size

    page_size(app.config["PAPER_SIZE"])  # refuse a bad setting at start-up, not mid-download
    from auditapp.services.mail import check_settings

    check_settings(app.config)  # a bad SMTP_SECURITY stops start-up, not every email later
    if not app.config.get("CHECKLISTS_DIR"):
        from auditapp.checklists import default_checklists_dir

        app.config["CHECKLISTS_DIR"] = str(default_checklists_dir())


def _instance_secret_key(instance: Path) -> str:
    # No fixed default: each installation gets its own key, kept out of the repository.
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by a second process starting at the same moment
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # the other process may not have written it yet
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it and start again")


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file empty and owner-only (0600) before SQLite does.

    SQLite would create it world-readable (0644 under the usual umask), and it holds the
    password hashes. SQLite gives the -wal and -shm files it makes beside it the main file's
    permissions, so they are 0600 too. An existing file keeps its permissions.
    """
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # It exists already, or its folder does not (SQLite reports that, with the URL, on use).
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one supervisor saves; the busy timeout makes a second
    # writer wait its turn instead of failing with "database is locked". synchronous=FULL
    # flushes the WAL to disk at every commit: an audit the supervisor saw confirmed
    # survives a power cut (NORMAL could lose the last ones). bench/sqlite_sync.py found no
    # difference above its noise (about 1 ms of a 15 ms submit); see docs/performance.md.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def register_extensions(app: Flask) -> None:
    from auditapp.extensions import bootstrap, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    from auditapp.views.auth import load_user

    login_manager.user_loader(load_user)

    from auditapp import queue

    queue.init_app(app)


def register_security(app: Flask) -> None:
    from auditapp.security import register_security

    register_security(app)


def register_blueprints(app: Flask) -> None:
    from auditapp.validators import IdConverter

    # Before any route is added: <int:...> ids stay within the database's integer range.
    app.url_map.converters["int"] = IdConverter
    # One line a blueprint, so that features added side by side do not touch each other.
    for name in (
        "auth",
        "account",
        "home",
        "audits",
        "reports",
        "staff",
        "teams",
        "users",
        "checklists",
        "insights",
        "coaching",
        "responses",
        "exports",
        "event_log",
        "calibration",
        "jobs",
        "mail_log",
        "plans",
        "offline",
    ):
        app.register_blueprint(import_module(f"auditapp.views.{name}").bp)
    import_module("auditapp.views.auth").require_login_everywhere(app)


def register_errorhandlers(app: Flask) -> None:
    from auditapp.views.errors import register

    register(app)


def register_template_context(app: Flask) -> None:
    from auditapp.views.helpers import register_template_helpers

    register_template_helpers(app)
