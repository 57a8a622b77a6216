"""`auditapp init`, `serve` and `demo`: set up the database, run the app, load demo data."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from auditapp.services.setup import safe_url


@contextmanager
def app_context(*, need_schema: bool = True) -> Iterator[Flask]:
    """The app with its context pushed; a database problem becomes one clear line, exit 1."""
    from auditapp import create_app
    from auditapp.extensions import db
    from auditapp.services.setup import SchemaError, check_schema

    try:
        app = create_app()
    except SQLAlchemyError as exc:  # a malformed AUDITAPP_DATABASE_URL, say postgres://...
        raise click.ClickException(f"cannot use the database URL: {_first_line(exc)}") from None
    with app.app_context():
        try:
            if need_schema:
                check_schema()
            yield app
        except SchemaError as exc:
            raise click.ClickException(str(exc)) from None
        except (DBAPIError, SQLAlchemyError) as exc:
            url = safe_url(app.config["SQLALCHEMY_DATABASE_URI"])
            raise click.ClickException(
                f"cannot use the database {url}: {_first_line(exc)}"
            ) from None
        finally:
            # Close the connections now, not whenever the garbage collector gets to them.
            db.session.remove()
            db.engine.dispose()


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


@click.command()
def init() -> None:
    """Create the database or upgrade it to the current schema (safe to run again)."""
    from auditapp.services.setup import upgrade_schema

    with app_context(need_schema=False) as app:
        upgrade_schema()
        click.echo(f"Database ready: {safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on (choose another if it is taken).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Per process."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes (above 1: gunicorn; the login limits then need a shared store).",
)
@click.option(
    "--background/--no-background",
    default=True,
    show_default=True,
    help="Start `auditapp worker` beside the server for background tasks (off when workers "
    "run on other machines).",
)
def serve(host: str, port: int, threads: int, workers: int, background: bool) -> None:
    """Run the app under a production server: waitress, or gunicorn with --workers.

    Background tasks (batch PDFs, large exports, email) run in an `auditapp worker` process
    that this starts beside the server and stops with it, unless --no-background.
    """
    from auditapp import server
    from auditapp.extensions import db
    from auditapp.heap import freeze_startup_objects

    with app_context() as app:
        if workers > 1:
            check_shared_limits(app, workers)
        try:
            server.check_can_listen(host, port)
        except server.ServerError as exc:
            raise click.ClickException(str(exc)) from None
        # No connection may cross the fork into the workers: each opens its own.
        db.session.remove()
        db.engine.dispose()
        freeze_startup_objects()
        processes = f", {workers} processes" if workers > 1 else ""
        click.echo(f"auditapp is running at http://{host}:{port}{processes}  (Ctrl+C stops it)")
        proxies = app.config["PROXY_FIX"]
        if proxies:
            click.echo(
                f"Behind {proxies} proxy hop(s) (AUDITAPP_PROXY_FIX): the client's address and "
                "HTTPS are taken from X-Forwarded-For and X-Forwarded-Proto"
            )
        sys.stdout.flush()
        helper = start_worker() if background else None
        # Stopped by SIGTERM (a service manager, a test), still stop the worker on the way
        # out; gunicorn's arbiter sets a handler of its own that exits the same way.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            server.run(
                app,
                host=host,
                port=port,
                threads=threads,
                workers=workers,
                name="auditapp",
                proxies=proxies,
            )
        except server.ServerError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            if helper is not None:
                stop_worker(helper)


def start_worker() -> subprocess.Popen:
    """`auditapp worker` in a process of its own: a PDF it renders never holds up a page."""
    click.echo("Background tasks: one `auditapp worker` process beside the server")
    return subprocess.Popen([sys.executable, "-m", "auditapp", "worker"])


def stop_worker(helper: subprocess.Popen) -> None:
    # Ctrl+C reached it too (same process group); SIGTERM covers a server stopped by signal.
    # The worker finishes the task in hand; a job cut short is taken up again next start.
    if helper.poll() is None:
        helper.terminate()
    try:
        helper.wait(timeout=30)
    except subprocess.TimeoutExpired:
        helper.kill()


def check_shared_limits(app: Flask, workers: int) -> None:
    """Several processes must count refused logins together, or each allows its own share."""
    from auditapp.extensions import limiter

    if not app.config["RATELIMIT_ENABLED"]:
        return
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        raise click.ClickException(
            f"--workers {workers} needs the login limits in a store every process shares: "
            "set AUDITAPP_RATELIMIT_STORAGE_URI (for example redis://127.0.0.1:6379/0); "
            "memory:// would count each process's refused logins on their own"
        )
    if not limiter.storage.check():
        raise click.ClickException(
            f"cannot reach the login limits' store {safe_url(uri)}: start it, or change "
            "AUDITAPP_RATELIMIT_STORAGE_URI"
        )


@click.command()
def demo() -> None:
    """Load demo data: users, teams, staff members and a year of about 2,400 audits."""
    from auditapp.services import demo as demo_data
    from auditapp.services.setup import upgrade_schema

    with app_context(need_schema=False):
        upgrade_schema()
        try:
            created = demo_data.load()
        except demo_data.DemoError as exc:
            raise click.ClickException(str(exc)) from None
        if created:
            click.echo(f"Loaded demo data: {created} audits.")
            click.echo(f"Example emails: in {demo_data.outbox()} (and on the admin's Email page).")
        else:
            click.echo("Demo data is already loaded; nothing was added.")
        click.echo("Log in with any of these (password for all: " + demo_data.PASSWORD + "):")
        for email, role in demo_data.LOGINS:
            click.echo(f"  {role:<11} {email}")
