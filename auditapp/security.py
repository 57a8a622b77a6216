"""Security headers, session cookies and lifetime, the proxy setting and login throttling."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

# No inline script anywhere, and no inline style either: the heat map's colours are classes
# in static/heatmap.css, and the SVG charts use presentation attributes. data: images are
# Bootstrap's own icons (the navbar toggler, select arrows) embedded in its CSS.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers too old to read the CSP
    "Permissions-Policy": PERMISSIONS_POLICY,
}
# Pages, PDFs and CSV files hold people's scores: no shared cache or back-button cache may
# keep them. Static files hold nothing personal and stay cacheable.
NO_STORE = "no-store"
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def register_security(app: Flask) -> None:
    """Headers on every response, cookie flags, session lifetime, proxy trust, throttling."""
    minutes = _whole_number(app, "SESSION_LIFETIME_MINUTES", 1)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)
    renew = _whole_number(app, "SESSION_RENEW_SECONDS", 0)
    if renew >= minutes * 60:
        raise ValueError(
            f"SESSION_RENEW_SECONDS ({renew}) must be shorter than the session lifetime "
            f"({minutes * 60} seconds)"
        )
    app.session_interface = HttpsAwareSessionInterface()

    proxies = _whole_number(app, "PROXY_FIX", 0)
    if proxies:
        # Trust exactly that many hops of X-Forwarded-For/-Proto; more would let a client
        # pick its own address (and so dodge the per-address login limit).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from auditapp.extensions import limiter

    limiter.init_app(app)
    app.after_request(add_security_headers)


def _whole_number(app: Flask, name: str, least: int) -> int:
    # Refused at start-up, not on the first login.
    value = app.config[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, not {value!r}")
    return value


def add_security_headers(response: Response) -> Response:
    """Set the security headers (and no-store outside static files) on any response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint not in STATIC_ENDPOINTS and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = NO_STORE
    return response


class SignedSession(SecureCookieSession):
    """A cookie session that knows when its cookie was signed (None: no cookie came)."""

    signed_at: int | None = None


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with two changes.

    SESSION_COOKIE_SECURE None (the default) means Secure whenever the request was HTTPS: a
    fixed True would lose the login on a plain-HTTP intranet install; a fixed False would
    let the cookie leak over HTTP on an HTTPS one. True or False still force it.

    An unchanged permanent session is signed again (which is what makes the lifetime an idle
    timeout) only once its cookie is SESSION_RENEW_SECONDS old, not on every response, so
    that a page does not always send a new cookie. A session ends between the lifetime less
    that many seconds and the lifetime after the last request.
    """

    session_class = SignedSession

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config["SESSION_COOKIE_SECURE"]
        return request.is_secure if setting is None else bool(setting)

    def open_session(self, app: Flask, request: Any) -> SignedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = int(signed.timestamp())
        return session

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed = getattr(session, "signed_at", None)
        return signed is None or time.time() - signed >= app.config["SESSION_RENEW_SECONDS"]


# Login throttling ---------------------------------------------------------------------


def address_key() -> str:
    """The client's address (as ProxyFix set it, when PROXY_FIX trusts a proxy)."""
    return f"address:{request.remote_addr or 'unknown'}"


def account_key() -> str:
    """The email posted, normalised as the login looks it up, hashed.

    Hashed so that the counters in Redis hold no email addresses, and fixed in length
    whatever was posted. Known and unknown emails are counted alike.
    """
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def login_failed(response: Response) -> bool:
    """Login POSTs refused (wrong password, unknown email, bad form, throttled) count.

    A login (a redirect) does not, so a whole team logging in from one office address at
    the start of a shift is never held up; nor does a 5xx, the app's fault, not the user's.
    """
    return 400 <= response.status_code < 500
