"""User logins: creating them, their passwords, roles and whether they may log in."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditapp.extensions import db
from auditapp.models import ROLES, StaffMember, User
from auditapp.passwords import password_problem

from . import event_log, logins
from .people import PeopleError, _check_text


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """The same rules wherever a password is set: by an admin, the user, or the terminal."""
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise PeopleError(problem, "password")


def create_user(
    email: str,
    name: str,
    role: str,
    password: str,
    staff_member_id: int | None = None,
    *,
    by: User | None = None,
    commit: bool = True,
) -> User:
    """Add a user; a staff login must be linked to exactly one staff member."""
    _check_text(email, "email", "email")
    _check_text(name, "name", "name")
    email = normalise_email(email)
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise PeopleError(f"'{email}' is not a valid email address: {exc}", "email") from None
    if not name.strip():
        raise PeopleError("A user needs a name.", "name")
    if role not in ROLES:
        raise PeopleError(f"Unknown role '{role}'; roles: {', '.join(ROLES)}.", "role")
    if find_user_by_email(email):
        raise PeopleError(f"A user with the email {email} already exists.", "email")
    check_password_rules(password, email=email, name=name)
    if role == "staff":
        if staff_member_id is None or db.session.get(StaffMember, staff_member_id) is None:
            raise PeopleError("A staff login must be linked to a staff member.", "staff_member_id")
        taken = db.session.execute(
            select(User).where(User.staff_member_id == staff_member_id)
        ).scalar_one_or_none()
        if taken:
            raise PeopleError(
                f"That staff member already has a login ({taken.email}).", "staff_member_id"
            )
    else:
        staff_member_id = None
    user = User(email=email, name=name.strip(), role=role, staff_member_id=staff_member_id)
    user.set_password(password)
    db.session.add(user)
    event_log.record("user_created", by, user, email=email, role=role)
    if commit:
        event_log.commit()
    return user


def list_users() -> list[User]:
    """Every user, by role then name, with their staff member loaded."""
    return list(
        db.session.execute(
            select(User).options(selectinload(User.staff_member)).order_by(User.role, User.name)
        ).scalars()
    )


def reset_password(user: User, password: str, *, by: User | None = None) -> None:
    """An admin (or the terminal) sets a new password: every login of the user ends."""
    check_password_rules(password, email=user.email, name=user.name)
    user.set_password(password)
    ended = logins.end_all(user, "password_reset")
    event_log.record("password_reset", by, user, email=user.email, logins_ended=ended)
    event_log.commit()


def change_own_password(user: User, current: str, password: str) -> None:
    """The user sets a new password, knowing the old one: every login of theirs ends (the
    view begins a new one for the device they are on)."""
    if not user.check_password(current):
        raise PeopleError("That is not your current password.", "current_password")
    if current == password:
        raise PeopleError("The new password is the same as the current one.", "password")
    check_password_rules(password, email=user.email, name=user.name)
    user.set_password(password)
    ended = logins.end_all(user, "password_changed")
    event_log.record("password_changed", user, user, logins_ended=ended)
    event_log.commit()


def log_out_everywhere(user: User) -> int:
    """End every login of `user` (this device's too); how many there were."""
    ended = logins.end_all(user, "logout_everywhere")
    event_log.record("logged_out_everywhere", user, user, logins_ended=ended)
    event_log.commit()
    return ended


def set_user_active(user: User, active: bool, *, by: User | None = None) -> None:
    """Deactivate (every login ends at once) or reactivate a user, who then logs in anew."""
    if user.active == active:
        return
    user.active = active
    ended = logins.end_all(user, "deactivated") if not active else 0
    action = "user_reactivated" if active else "user_deactivated"
    event_log.record(action, by, user, email=user.email, logins_ended=ended)
    event_log.commit()


# A staff login is tied to one staff member, so it cannot become another role or back.
CHANGEABLE_ROLES = tuple(role for role in ROLES if role != "staff")


def change_role(user: User, role: str, *, by: User | None = None) -> None:
    """Give a user another role; their logins end, so no page keeps the old role's menu."""
    if role not in ROLES:
        raise PeopleError(f"Unknown role '{role}'; roles: {', '.join(ROLES)}.", "role")
    if role == user.role:
        return
    if role not in CHANGEABLE_ROLES or user.role not in CHANGEABLE_ROLES:
        raise PeopleError(
            "A staff login belongs to one staff member: add a new user instead of changing "
            "its role.",
            "role",
        )
    old, user.role = user.role, role
    ended = logins.end_all(user, "role_changed")
    event_log.record(
        "role_changed", by, user, email=user.email, old=old, new=role, logins_ended=ended
    )
    event_log.commit()
