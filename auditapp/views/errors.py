"""Error pages that speak to the user: no tracebacks, the right status code."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from auditapp.extensions import db

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
}


def _page(status: int, detail: str | None = None):
    title, advice = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render_template(
        "errors/error.html", status=status, title=title, advice=advice, detail=detail
    ), status


def register(app: Flask) -> None:
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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _page(500)
