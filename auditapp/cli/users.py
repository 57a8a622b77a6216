"""`auditapp users ...`: user logins, from the terminal (where a locked-out admin recovers)."""

from __future__ import annotations

import sys

import click

from .app import app_context

ROLE_CHOICES = click.Choice(["admin", "supervisor", "trainer", "staff"])


@click.group()
def users() -> None:
    """Manage user logins."""


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _user(email: str):
    from auditapp.services import users as user_service

    user = user_service.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with the email '{email}' (see `auditapp users list`)")
    return user


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the app.")
@click.option("--role", required=True, type=ROLE_CHOICES, help="What the user may do.")
@click.option("--staff", "staff_name", help="For a staff login: the staff member's name or code.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def create_user(email: str, name: str, role: str, staff_name: str | None, password_stdin: bool):
    """Add a user, reading the password from standard input."""
    from auditapp.services import people
    from auditapp.services import users as user_service

    password = _read_password()
    with app_context():
        staff_id = None
        if staff_name:
            staff = people.find_staff(staff_name)
            if staff is None:
                raise click.ClickException(f"no staff member named or coded '{staff_name}'")
            staff_id = staff.id
        try:
            user = user_service.create_user(email, name, role, password, staff_member_id=staff_id)
        except people.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Created {user.role} {user.email}.")


@users.command("list")
def list_users() -> None:
    """Every user: email, role, whether they may log in, and their last login (UTC)."""
    from auditapp.services import users as user_service

    with app_context():
        rows = [
            (
                u.email,
                u.role,
                "active" if u.active else "deactivated",
                f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never",
                u.name,
            )
            for u in user_service.list_users()
        ]
    if not rows:
        click.echo("No users yet: add one with `auditapp users create`.")
        return
    header = ("EMAIL", "ROLE", "STATE", "LAST LOGIN", "NAME")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        click.echo(
            "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=False)) + "  " + row[4]
        )


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password from standard input; every login of theirs ends."""
    from auditapp.services import users as user_service

    password = _read_password()
    with app_context():
        user = _user(email)
        try:
            user_service.reset_password(user, password)
        except user_service.PeopleError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"New password set for {user.email}; every login of theirs has ended.")


@users.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop a user logging in; every login of theirs ends at once."""
    from auditapp.services import users as user_service

    with app_context():
        user = _user(email)
        if not user.active:
            click.echo(f"{user.email} was already deactivated.")
            return
        user_service.set_user_active(user, False)
        click.echo(f"{user.email} is deactivated; every login of theirs has ended.")


@users.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Let a deactivated user log in again (with a new login; old ones stay ended)."""
    from auditapp.services import users as user_service

    with app_context():
        user = _user(email)
        if user.active:
            click.echo(f"{user.email} was already active.")
            return
        user_service.set_user_active(user, True)
        click.echo(f"{user.email} is active again.")
