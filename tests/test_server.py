"""`auditapp serve --workers 2` for real: gunicorn's processes, one app, shared login limits.

Each test starts the server as a subprocess on the test database, with the login counters
in the test Redis (several processes need a shared store; the command refuses memory://).
Which worker answers a request is up to the kernel, so the throttling test stops one worker
(SIGSTOP) to send every request to the other, then swaps them.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import time
from pathlib import Path

import pytest
from conftest import REDIS_URL
from test_faults import Browser, served

from auditapp.extensions import db

THROTTLED = "Too many login attempts. Wait a minute and try again."


def workers_of(master: int) -> set[int]:
    """The pids of the master's child processes, read from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def wait_for_workers(master: int, count: int, *, besides: set[int] = frozenset()) -> set[int]:
    deadline = time.monotonic() + 30
    while len(pids := workers_of(master) - besides) < count:
        assert time.monotonic() < deadline, f"{master} has workers {workers_of(master)}"
        time.sleep(0.05)
    return pids


@pytest.fixture
def two_workers(app, database_url, checklists_dir, tmp_path, redis_prefix):
    """`auditapp serve --workers 2`; yields (master process, port, worker pids)."""
    _, prefix = redis_prefix
    limits = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    with served(database_url, checklists_dir, tmp_path, "--workers", "2", **limits) as (
        master,
        port,
    ):
        yield master, port, wait_for_workers(master.pid, 2)


def refused_login(port: int, email: str) -> tuple[int, str]:
    browser = Browser(port)  # a new connection for each request, as a new browser would use
    page = browser.request("GET", "/login")[2]
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page)[1]
    form = {"email": email, "password": "not the password", "csrf_token": csrf}
    status, _, page = browser.request("POST", "/login", form)
    return status, page


def test_two_workers_serve_one_supervisor_through_a_whole_audit(
    two_workers, make_user, make_staff, tmp_path
):
    master, port, workers = two_workers
    supervisor, staff = make_user("supervisor"), make_staff()
    db.session.commit()
    browser = Browser(port)  # a new connection per request: the workers take turns at random
    browser.log_in(supervisor)
    for _ in range(6):  # the session cookie and the CSRF token hold in either worker
        path, form = browser.audit_form(staff.id)
    status, location, _ = browser.request("POST", path, form)
    assert status == 302 and re.search(r"/audits/\d+$", location), (status, location)
    status, _, page = browser.request("GET", location.split(f":{port}")[-1])
    assert status == 200 and staff.name in page
    assert "Booting worker" in (tmp_path / "server.log").read_text()
    assert workers_of(master.pid) == workers


def test_refused_logins_are_counted_across_the_workers(two_workers, redis_prefix):
    _, port, workers = two_workers
    first, second = sorted(workers)
    try:
        os.kill(second, signal.SIGSTOP)  # every request now reaches `first`
        for _ in range(3):
            assert refused_login(port, "pat@example.com")[0] == 401
        os.kill(second, signal.SIGCONT)
        os.kill(first, signal.SIGSTOP)  # and now `second`, which has counted none itself
        for _ in range(2):
            assert refused_login(port, "pat@example.com")[0] == 401
        status, page = refused_login(port, "pat@example.com")
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    assert status == 429
    assert THROTTLED in page
    server, prefix = redis_prefix
    assert list(server.scan_iter(f"*{prefix}*")), "the counters are in Redis"


def test_forwarded_https_is_not_believed_without_a_configured_proxy(two_workers):
    """gunicorn's own trust of local proxies is off: AUDITAPP_PROXY_FIX alone decides."""
    _, port, _ = two_workers
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    [cookie] = [c for c in response.headers.get_all("Set-Cookie") if c.startswith("session=")]
    assert "secure" not in cookie.lower()


def test_a_killed_worker_is_replaced_and_the_pages_still_load(two_workers, make_user):
    master, port, workers = two_workers
    supervisor = make_user("supervisor")
    db.session.commit()
    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    replacement = wait_for_workers(master.pid, 1, besides=workers)
    assert killed not in workers_of(master.pid) and len(workers_of(master.pid)) == 2, replacement
    browser = Browser(port)
    browser.log_in(supervisor)
    for _ in range(6):
        assert browser.request("GET", "/audits")[0] == 200


def test_sigterm_stops_the_master_and_every_worker(two_workers):
    master, _, workers = two_workers
    master.terminate()
    assert master.wait(30) == 0
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its master"
        time.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_serve_runs_a_worker_beside_it_and_stops_it_with_the_server(
    app, database_url, checklists_dir, tmp_path
):
    with served(database_url, checklists_dir, tmp_path, background=True) as (server, _):
        (child,) = wait_for_workers(server.pid, 1)
        command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        assert command[1:4] == [b"-m", b"auditapp", b"worker"]
        server.terminate()  # as a service manager stops it
        server.wait(timeout=30)
    assert (
        not Path(f"/proc/{child}").exists()
        or b"zombie" in Path(f"/proc/{child}/status").read_bytes().lower()
    )
    assert "Background tasks: one `auditapp worker` process" in (
        (tmp_path / "server.log").read_text()
    )
