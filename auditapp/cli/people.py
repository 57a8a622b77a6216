"""`auditapp users ...` and `auditapp staff ...`: accounts and staff members."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import app_context


@click.group()
def users() -> None:
    """Manage user logins."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the app.")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "supervisor", "trainer", "staff"])
)
@click.option("--staff", "staff_name", help="For a staff login: the staff member's name or code.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def create_user(email: str, name: str, role: str, staff_name: str | None, password_stdin: bool):
    """Add a user, reading the password from standard input."""
    from auditapp.services import people

    password = sys.stdin.readline().rstrip("\r\n")
    with app_context():
        staff_id = None
        if staff_name:
            staff = people.find_staff(staff_name)
            if staff is None:
                raise click.ClickException(f"no staff member named or coded '{staff_name}'")
            staff_id = staff.id
        try:
            user = people.create_user(email, name, role, password, staff_member_id=staff_id)
        except people.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Created {user.role} {user.email}.")


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
            member = people.add_staff(name, team, code)
        except people.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Added {member.name} to {member.team.name if member.team else 'no team'}.")


@staff.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_staff(file: Path) -> None:
    """Import a CSV roster (header row: name, team, code); nothing is imported if a row is bad."""
    from auditapp.services import people

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read it ({exc})") from None
    with app_context():
        try:
            added = people.import_roster(text)
        except people.RosterError as exc:
            for error in exc.errors:
                click.echo(f"{file}:{error.line}: {error.message}", err=True)
            raise click.ClickException(
                f"{file}: {len(exc.errors)} bad row(s); nothing was imported"
            ) from None
        click.echo(f"Imported {len(added)} staff members from {file}.")
