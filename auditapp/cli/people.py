"""`auditapp staff ...`: staff members."""

from __future__ import annotations

from pathlib import Path

import click

from .app import app_context


@click.group()
def staff() -> None:
    """Manage staff members (the people who are observed)."""


@staff.command("add")
@click.argument("name")
@click.option("--team", required=True, help="Team name; created if new.")
@click.option("--code", help="Employee code (unique).")
def add_staff(name: str, team: str, code: str | None) -> None:
    """Add one staff member."""
    from auditapp.services import people

    with app_context():
        try:
            member = people.add_staff(name, team, code, by=None)
        except people.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Added {member.name} to {member.team.name if member.team else 'no team'}.")


@staff.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_staff(file: Path) -> None:
    """Import a CSV roster (header row: name, team, code); nothing is imported if a row is bad."""
    from auditapp.services import people

    try:
        text = file.read_text(encoding="utf-8")  # import_roster drops a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read it ({exc})") from None
    with app_context():
        try:
            added = people.import_roster(text, by=None)
        except people.RosterError as exc:
            for error in exc.errors:
                click.echo(f"{file}:{error.line}: {error.message}", err=True)
            raise click.ClickException(
                f"{file}: {len(exc.errors)} bad row(s); nothing was imported"
            ) from None
        click.echo(f"Imported {len(added)} staff members from {file}.")
