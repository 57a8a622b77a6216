"""`auditapp backup FILE` and `auditapp restore FILE`: the whole database to a file and back."""

from __future__ import annotations

from pathlib import Path

import click

from auditapp.services.setup import safe_url

from .app import app_context


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the database into FILE while the app keeps running (SQLite or pg_dump -Fc)."""
    from auditapp.services import backup as service

    with app_context() as app:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            audits = service.backup(url, file)
        except service.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up {safe_url(url)} ({audits} audits) to {file}.")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds audits.")
def restore(file: Path, force: bool) -> None:
    """Replace the database's content with the backup in FILE, then upgrade its schema."""
    from auditapp.services import backup as service

    with app_context(need_schema=False) as app:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            audits = service.restore(url, file, force=force)
        except service.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {file} into {safe_url(url)}: {audits} audits.")
