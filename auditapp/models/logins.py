"""Logins kept on the server, so that logging out or a new password ends them everywhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.extensions import db

from ._time import utcnow

# Why a login ended, as the user's page and the tests read it.
END_REASONS = {
    "logout": "Logged out",
    "logout_everywhere": "Logged out everywhere",
    "password_changed": "Password changed",
    "password_reset": "Password reset by an admin",
    "deactivated": "Login deactivated",
    "role_changed": "Role changed",
    "expired": "Older than the longest a login lasts",
}


class Login(db.Model):
    """One login: the signed cookie holds its token, this row says whether it still counts.

    The cookie alone cannot be taken back (it stays valid until it expires, on every server
    process); this row can, in one place every process reads. Only the token's SHA-256 is
    stored, so the table cannot be used to sign anyone in.
    """

    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(30))
