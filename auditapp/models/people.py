"""Users who log in, and the staff members and teams who are observed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from auditapp.extensions import db

from ._time import utcnow
from .logins import Login

ROLES = ("admin", "supervisor", "trainer", "staff")
ROLE_LABELS = {
    "admin": "Admin",
    "supervisor": "Supervisor",
    "trainer": "Trainer",
    "staff": "Staff member",
}


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[StaffMember]] = relationship(back_populates="team")


class StaffMember(db.Model):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    employee_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members")


class LoginAccount(UserMixin):
    """What Flask-Login and the pages read of a user, whether a User or a SignedInUser
    (both have `active` and `role`)."""

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class User(LoginAccount, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The login before the newest, which the user's own page shows ("was that you?").
    previous_login_at: Mapped[datetime | None]

    staff_member: Mapped[StaffMember | None] = relationship()

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


@dataclass(frozen=True, eq=False)
class SignedInUser(LoginAccount):
    """The logged-in user of a request, as plain data read with one Core statement.

    Flask-Login loads the user on every request; building a User object through the ORM was
    the largest part of what a page cost. Views and services read only these fields (and
    store the id), so they take either this or a User.
    """

    id: int
    email: str
    name: str
    role: str
    staff_member_id: int | None
    active: bool


_users = User.__table__
_logins = Login.__table__
# The user of a request's login, found only while that login counts: not ended (logout, a
# new password, deactivation, a role change) and not older than the longest a login lasts.
SIGNED_IN_USER = (
    select(
        _users.c.id,
        _users.c.email,
        _users.c.name,
        _users.c.role,
        _users.c.staff_member_id,
        _users.c.active,
    )
    .join(_logins, _logins.c.user_id == _users.c.id)
    .where(
        _users.c.id == bindparam("user_id"),
        _logins.c.token_hash == bindparam("token_hash"),
        _logins.c.ended_at.is_(None),
        _logins.c.started_at > bindparam("oldest", type_=DateTime()),
    )
)

UserLike = User | SignedInUser
