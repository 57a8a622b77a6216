"""Logins kept on the server: begun at login, ended by logout, a new password, deactivation
or a role change, and checked on every request by every server process alike.

The signed session cookie says who someone is; a row here says whether that login still
counts. The cookie carries a random token, the row its SHA-256. Ending a login is one
UPDATE, seen by the next request on any process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from auditapp.extensions import db
from auditapp.models import Login, User
from auditapp.models._time import utcnow
from auditapp.models.logins import END_REASONS
from auditapp.validators import MAX_ID

from . import event_log


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(user: User, *, max_age: timedelta) -> str:
    """Start a login for `user` (committed) and return the token its cookie carries.

    The user's ended and outlived logins are forgotten here, so the table holds about one
    row per device a person is logged in on.
    """
    now = utcnow()
    db.session.execute(
        delete(Login).where(
            Login.user_id == user.id,
            or_(Login.ended_at.is_not(None), Login.started_at <= now - max_age),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(Login(user_id=user.id, token_hash=token_hash(token), started_at=now))
    user.previous_login_at, user.last_login_at = user.last_login_at, now
    event_log.record("logged_in", user, user)
    event_log.commit()
    return token


def oldest_start(max_age: timedelta) -> datetime:
    """A login that began at or before this has lasted as long as any may."""
    return utcnow() - max_age


def end(user: User | None, token: str | None, reason: str = "logout") -> None:
    """End the one login that `token` belongs to (nothing if it is unknown or ended)."""
    if not token:
        return
    if _end(Login.token_hash == token_hash(token), reason):
        event_log.record("logged_out", user, user if user is not None else "login")
        event_log.commit()
    else:
        event_log.rollback()


def end_all(user: User, reason: str) -> int:
    """End every login of `user`, in the caller's transaction; how many were open."""
    return _end(Login.user_id == user.id, reason)


def _end(where, reason: str) -> int:
    if reason not in END_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    result = db.session.execute(
        update(Login)
        .where(where, Login.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def open_count(user: User, *, max_age: timedelta) -> int:
    """How many logins of `user` may still be in use (on this device and others)."""
    return db.session.execute(
        select(func.count()).where(
            Login.user_id == user.id,
            Login.ended_at.is_(None),
            Login.started_at > oldest_start(max_age),
        )
    ).scalar_one()


def user_of(user_id: int, token: str, *, max_age: timedelta) -> User | None:
    """The user whose open login `token` is, or None (ended, outlived, or not theirs)."""
    if user_id > MAX_ID:
        return None  # the cookie is signed by us, but an id past the column names no one
    return db.session.execute(
        select(User)
        .join(Login, Login.user_id == User.id)
        .where(
            User.id == user_id,
            Login.token_hash == token_hash(token),
            Login.ended_at.is_(None),
            Login.started_at > oldest_start(max_age),
        )
    ).scalar_one_or_none()
