"""Logging in and out; every other page requires a login."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from auditapp.extensions import limiter
from auditapp.forms import LoginForm
from auditapp.models import User
from auditapp.security import account_key, address_key, login_failed
from auditapp.services import logins
from auditapp.services.users import find_user_by_email

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "static", "bootstrap.static"}


@cache
def _dummy_hash(method: str) -> str:
    # Checked when the email is unknown, so that both failures take the same time: made
    # with the method real passwords use, or the two would differ by the cost of hashing.
    return generate_password_hash("not a real password", method=method)


# The session key holding the login's token (its SHA-256 is in the logins table).
LOGIN_TOKEN = "login"


def login_max_age() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_MAX_DAYS"])


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the signed-in user while their login counts, else None.

    The cookie names the user and carries its login's token; the login must still be open
    on the server (see services/logins.py), so a logout or a new password ends it for every
    server process at once.
    """
    token = session.get(LOGIN_TOKEN)
    if not user_id.isdigit() or not isinstance(token, str):
        return None
    return logins.user_of(int(user_id), token, max_age=login_max_age())


def start_login(user: User) -> None:
    """Sign `user` in on this device with a new session: nothing of the one before login
    (not its CSRF token) carries over."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF keeps the request's token here too
    token = logins.begin(user, max_age=login_max_age())
    login_user(user)
    session[LOGIN_TOKEN] = token
    session.permanent = True  # so that SESSION_LIFETIME_MINUTES ends it


def end_session() -> None:
    """Forget this device's session entirely (the server-side login is ended apart)."""
    logout_user()
    session.clear()
    g.pop("csrf_token", None)


def require_login_everywhere(app: Flask) -> None:
    """Send anyone not logged in to the login page, whatever URL they asked for."""

    @app.before_request
    def _require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        if request.endpoint is None:
            return None  # a 404 is a 404 whoever asks
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an off-site "next" would make the login page an open redirect.
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=address_key,
    methods=["POST"],
    deduct_when=login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=account_key,
    methods=["POST"],
    deduct_when=login_failed,
)
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        stored = user.password_hash if user else _dummy_hash(method)
        ok = check_password_hash(stored, form.password.data)
        if user and ok and user.active:
            start_login(user)
            return redirect(_safe_next(request.args.get("next")))
        # One message whether the email is unknown or the password wrong.
        flash("Wrong email or password.", "danger")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (a POST with the CSRF token, so that no link can log anyone out)."""
    logins.end(current_user if current_user.is_authenticated else None, session.get(LOGIN_TOKEN))
    end_session()
    flash("You are logged out.", "info")
    response = redirect(url_for("auth.login"))
    # A shared tablet: nothing one supervisor kept for scoring offline may be left for the
    # next (static/offline/store.js deletes it too, before the page leaves).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def too_many_attempts(error: RateLimitExceeded):
    """The login page again, saying how long to wait (the same for any email)."""
    limit = limiter.current_limit
    wait = max(1, round(limit.reset_at - time.time())) if limit else 60
    minutes = max(1, round(wait / 60))
    when = "a minute" if minutes == 1 else f"{minutes} minutes"
    flash(f"Too many login attempts. Wait {when} and try again.", "danger")
    form = LoginForm(formdata=None)
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
