"""Security headers, session cookies and lifetime, the proxy setting and login throttling."""

from __future__ import annotations

import copy
import hashlib
import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from auditapp.lru import LRU

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

LIMITER_STATE = "auditapp.limiter"
SESSION_SERIALIZER = "auditapp.session_serializer"
# Cookies of this many sessions (about 300 bytes each) are kept verified, per app.
VERIFIED_COOKIES_KEPT = 4096


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
    timeout) only once its cookie is SESSION_RENEW_SECONDS old, not on every response:
    signing and sending the cookie was a sixth of what a page cost. So a session ends
    between the lifetime less that many seconds and the lifetime after the last request.
    """

    session_class = SignedSession

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config["SESSION_COOKIE_SECURE"]
        return request.is_secure if setting is None else bool(setting)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._signing(app)[0]

    def _signing(self, app: Flask) -> tuple[URLSafeTimedSerializer | None, LRU]:
        # Flask builds a serializer twice a request; one per key (and fallbacks) is enough.
        # The cookies it verified are kept beside it, so that a new key forgets them.
        if not app.secret_key:
            return None, LRU(0)
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get(SESSION_SERIALIZER)
        if kept is None or kept[0] != keys:
            kept = (keys, super().get_signing_serializer(app), LRU(VERIFIED_COOKIES_KEPT))
            app.extensions[SESSION_SERIALIZER] = kept
        return kept[1], kept[2]

    def open_session(self, app: Flask, request: Any) -> SignedSession | None:
        serializer, verified = self._signing(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        # A cookie whose signature checked out is kept by its exact text with what it held:
        # the same text verifies the same way under the same keys, so only the age, which
        # grows, is checked again (as itsdangerous checks it). Checking the signature and
        # decoding the cookie was a twentieth of a page.
        kept = verified.get(value)
        if kept is None:
            try:
                data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            kept = (copy.deepcopy(data), int(signed.timestamp()))
            verified.put(value, kept)
        else:
            age = int(time.time()) - kept[1]
            if age > max_age or age < 0:
                return self.session_class()
            data = copy.deepcopy(kept[0])  # the view may change the session's lists
        session = self.session_class(data)
        session.signed_at = kept[1]
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


# What Flask-Limiter keeps on the Limiter object but belongs to one app, with the value
# each app starts from (init_app keeps some of them if already set: the key prefix, the
# strategy).
PER_APP = {
    "enabled": True,
    "_storage": None,
    "_limiter": None,
    "_fallback_limiter": None,
    "_storage_dead": False,
    "_key_prefix": "",
    "_strategy": None,
}


def _app_state(limiter: Limiter) -> dict[str, Any] | None:
    if limiter.__dict__.get("_binding") or not has_app_context():
        return None
    return current_app.extensions.get(LIMITER_STATE)


def _per_app(name: str) -> property:
    def get(self: Limiter) -> Any:
        state = _app_state(self)
        return state[name] if state is not None else self.__dict__.get(f"_unbound{name}")

    def set_(self: Limiter, value: Any) -> None:
        state = _app_state(self)
        if state is not None:
            state[name] = value  # _storage_dead, when Redis goes away mid-request
        else:
            self.__dict__[f"_unbound{name}"] = value

    return property(get, set_)


class PerAppLimiter(Limiter):
    """Flask-Limiter with its storage, switch and settings kept per app.

    Flask-Limiter keeps them on the Limiter object, so a second app built in the same
    process (a test, the CLI) would silently take over the first one's counters and
    settings. Here each app keeps its own: in-memory counters are per app, Redis counters
    are shared by every app (and process) on the same Redis with the same key prefix.
    """

    enabled = _per_app("enabled")
    _storage = _per_app("_storage")
    _limiter = _per_app("_limiter")
    _fallback_limiter = _per_app("_fallback_limiter")
    _storage_dead = _per_app("_storage_dead")
    _key_prefix = _per_app("_key_prefix")
    _strategy = _per_app("_strategy")

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        # Before every request Flask-Limiter looks for application, default and blueprint
        # limits; a decorated view (our login) checks its own limits when it is called. With
        # none of the first three, as configured here, that look finds nothing on every
        # page, at a twentieth of a page's cost: skipped, unless such limits are set.
        if in_middleware and not self._request_wide_limits():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _request_wide_limits(self) -> bool:
        manager = self.limit_manager
        return bool(
            manager.application_limits
            or manager.default_limits
            or getattr(manager, "_blueprint_limits", True)  # unknown in another version: look
        )

    def init_app(self, app: Flask) -> None:
        self._binding = True  # while binding, the attributes are this app's, whatever is active
        try:
            for name, start in PER_APP.items():
                setattr(self, name, start)
            super().init_app(app)
            app.extensions[LIMITER_STATE] = {name: getattr(self, name) for name in PER_APP}
        finally:
            self._binding = False
