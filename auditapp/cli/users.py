"""`auditapp users ...`: user logins."""

from __future__ import annotations

import sys

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
    from auditapp.services import people, users

    password = sys.stdin.readline().rstrip("\r\n")
    with app_context():
        staff_id = None
        if staff_name:
            staff = people.find_staff(staff_name)
            if staff is None:
                raise click.ClickException(f"no staff member named or coded '{staff_name}'")
            staff_id = staff.id
        try:
            user = users.create_user(email, name, role, password, staff_member_id=staff_id)
        except people.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Created {user.role} {user.email}.")
