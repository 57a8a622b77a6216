"""Behind a reverse proxy (AUDITAPP_PROXY_FIX=1), under both servers `auditapp serve` runs.

Each test starts the real server in a subprocess (waitress by default, gunicorn with
--workers 2, its login counters in Redis) and sends what a proxy would add: X-Forwarded-For
with the client's address appended, X-Forwarded-Proto: https. The app's ProxyFix is the
one layer that reads them, trusting exactly PROXY_FIX hops, so under either server:
a request forwarded as HTTPS gets a Secure session cookie, and refused logins are counted
per forwarded client address, not once for the proxy's address that every client shares.
"""

from __future__ import annotations

import gc
import http.client
import os
import re
import urllib.parse
import uuid

import pytest
import waitress
from conftest import REQUIRE_REDIS
from test_faults import served

REDIS_URL = os.environ.get("AUDITAPP_TEST_PROXY_REDIS_URL", "redis://127.0.0.1:6379/11")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')


@pytest.fixture
def redis_limits():
    """Settings that keep the login counters in the test Redis under a prefix of this
    test's own, deleted afterwards."""
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.RedisError as error:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    prefix = f"auditapp-proxy-test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    keys = list(server.scan_iter(f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


@pytest.fixture(params=["waitress", "gunicorn"])
def behind_a_proxy(request, app, database_url, checklists_dir, tmp_path):
    """`auditapp serve` with AUDITAPP_PROXY_FIX=1 and two refused logins a minute per
    address; yields its port."""
    settings = {
        "PROXY_FIX": "1",
        "LOGIN_LIMIT_PER_ADDRESS": "2 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
    }
    options: tuple[str, ...] = ()
    if request.param == "gunicorn":
        settings.update(request.getfixturevalue("redis_limits"))
        options = ("--workers", "2")
    with served(database_url, checklists_dir, tmp_path, *options, **settings) as (_, port):
        yield port


def send(port: int, method: str, path: str, headers: dict, form: dict | None = None):
    """One request on a new connection; (status, Set-Cookie headers, page)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        connection.close()
    return response.status, response.headers.get_all("Set-Cookie") or [], page


def session_cookie(cookies: list[str]) -> str:
    [cookie] = [c for c in cookies if c.startswith("session=")]
    return cookie


def refused_login(port: int, forwarded_for: str) -> int:
    """A wrong password for a new email each time, from `forwarded_for` as the proxy says."""
    headers = {"X-Forwarded-For": forwarded_for}
    _, cookies, page = send(port, "GET", "/login", headers)
    session = session_cookie(cookies).split(";", 1)[0]
    form = {
        "email": f"{uuid.uuid4().hex[:12]}@example.com",
        "password": "not the password",
        "csrf_token": CSRF.search(page)[1],
    }
    return send(port, "POST", "/login", {**headers, "Cookie": session}, form)[0]


def test_a_request_forwarded_as_https_gets_a_secure_session_cookie(behind_a_proxy):
    port = behind_a_proxy
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    status, cookies, _ = send(port, "GET", "/login", forwarded)
    assert status == 200
    assert "; secure" in session_cookie(cookies).lower()
    # Forwarded as plain HTTP: no Secure flag, or the browser would not send it back.
    status, cookies, _ = send(port, "GET", "/login", {"X-Forwarded-Proto": "http"})
    assert status == 200
    assert "secure" not in session_cookie(cookies).lower()


def test_refused_logins_are_counted_per_forwarded_client_address(behind_a_proxy):
    port = behind_a_proxy
    assert [refused_login(port, "198.51.100.1") for _ in range(2)] == [401, 401]
    assert refused_login(port, "198.51.100.1") == 429  # that client's limit is reached
    # Another client behind the same proxy is not locked out by the first one.
    assert refused_login(port, "198.51.100.2") == 401


def test_only_the_hop_the_proxy_added_is_believed(behind_a_proxy):
    """PROXY_FIX=1: the last address, which the proxy appended. What the client put in
    front of it is not believed, so a client cannot dodge its limit by inventing some."""
    port = behind_a_proxy
    assert refused_login(port, "10.9.9.1, 198.51.100.3") == 401
    assert refused_login(port, "10.9.9.2, 198.51.100.3") == 401
    assert refused_login(port, "10.9.9.3, 198.51.100.3") == 429
    # And the first address is not what is counted: another client is not locked out.
    assert refused_login(port, "10.9.9.1, 198.51.100.4") == 401


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_waitress_passes_the_forwarded_headers_on_only_when_a_proxy_is_set(
    cli, monkeypatch, proxies
):
    """waitress reads none of them itself (no trusted_proxy): ProxyFix alone does."""
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("AUDITAPP_PROXY_FIX", str(proxies))
    try:
        result = cli("serve", "--port", "8125")
    finally:
        gc.unfreeze()  # `serve` froze the start-up objects; the other tests collect as usual
    assert result.exit_code == 0, result.output
    [options] = calls
    assert options["clear_untrusted_proxy_headers"] is (proxies == 0)
    assert "trusted_proxy" not in options
    said = f"Behind {proxies} proxy hop(s) (AUDITAPP_PROXY_FIX)"
    assert (said in result.output) is (proxies > 0)
