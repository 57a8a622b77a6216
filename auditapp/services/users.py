"""User logins: creating them, their passwords, roles and whether they may log in."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import ROLES, StaffMember, User

from . import event_log
from .people import PeopleError, _check_text

MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PeopleError(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )


def create_user(
    email: str,
    name: str,
    role: str,
    password: str,
    staff_member_id: int | None = None,
    *,
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
    check_password_rules(password)
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
    event_log.record("user_created", None, user, email=email, role=role)
    if commit:
        db.session.commit()
    return user


def reset_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.set_password(password)
    db.session.commit()


def set_user_active(user: User, active: bool) -> None:
    user.active = active
    db.session.commit()
