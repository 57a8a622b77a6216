"""Error pages that speak to the user: no tracebacks, the right status code."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, render_template
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException

from auditapp.extensions import db
from auditapp.validators import refuse_undecodable

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You cannot open this page",
        "Your role does not give access to it. Ask an admin if you need it.",
    ),
    404: ("Page not found", "The page or record you asked for does not exist, or it was removed."),
    405: ("Not allowed", "That page cannot be used that way."),
    413: ("Too much data", "What you sent is larger than the app accepts."),
    500: (
        "Something went wrong on our side",
        "Nothing was saved half-way. Please try again; if it keeps happening, tell your admin.",
    ),
    503: (
        "The database cannot be used just now",
        "Nothing was saved half-way. Please try again in a moment; if it keeps happening, "
        "tell your admin.",
    ),
}

# What the database raises when it cannot take a write just now, rather than for a bug:
# SQLite read-only or full ("attempt to write a readonly database", "database or disk is
# full", "database is locked"), PostgreSQL down, disk full (OperationalError) or in
# read-only mode (ReadOnlySqlTransaction, an InternalError).
UNAVAILABLE = (OperationalError, InternalError)


def _page(status: int, detail: str | None = None):
    title, advice = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render_template(
        "errors/error.html", status=status, title=title, advice=advice, detail=detail
    ), status


def register(app: Flask) -> None:
    from auditapp.views.auth import too_many_attempts

    # Only the login is rate-limited, so its 429 is the login page saying how long to wait.
    app.register_error_handler(RateLimitExceeded, too_many_attempts)
    # First of all: CSRFProtect's check parses the form, and the raw body is gone after that.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_undecodable)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _page(
            400,
            f"The form had expired or was not sent by this app ({error.description}). "
            "Reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        detail = error.description if code == 400 else None
        return _page(code, detail)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)
    def _unavailable(error: Exception):
        app.logger.error("Database unavailable: %s", str(error).strip().splitlines()[0])
        try:
            db.session.rollback()
            return _page(503)
        except Exception:  # the page itself needs the database (the user, say): plain text
            with suppress(Exception):
                db.session.rollback()
            title, advice = MESSAGES[503]
            return f"{title}. {advice}", 503, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _page(500)
