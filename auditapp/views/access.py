"""Role checks for views: every view names the roles that may use it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

STAFF_MANAGERS = ("admin", "supervisor")
READERS = ("admin", "supervisor", "trainer")
EVERYONE = ("admin", "supervisor", "trainer", "staff")


def roles_required(*roles: str) -> Callable:
    """Log-in required, and 403 unless the current user has one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the tests that walk every route
        return wrapped

    return decorator
