"""Faults: a database that refuses writes, one that is gone, and a server killed mid-submit.

The read-only database is real: SQLite opened with `mode=ro`, PostgreSQL sessions with
`default_transaction_read_only` (chmod would not stop these tests, which may run as root).
The kill tests run `auditapp serve` as a subprocess and SIGKILL it while a submit is inside
its transaction, held there by a lock the test takes on the database, so no fault hook is
needed in the app.
"""

from __future__ import annotations

import html
import http.client
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import GOOD_ANSWERS, PASSWORD, form_data, text_of
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from auditapp import create_app
from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, User
from auditapp.services import logins
from auditapp.views.audit_forms import NOT_SAVED
from auditapp.views.auth import LOGIN_TOKEN

COMMENTS = {"comment_greeted": "Said hello <late>, after 30 s", "comment_warmth": "Warm & calm"}
NOTES = "Busy Monday; queue of six"


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@contextmanager
def read_only_app(database_url: str, checklists_dir: Path, **config):
    """The app on the same database, which refuses every write."""
    overrides = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "CHECKLISTS_DIR": str(checklists_dir),
        "WTF_CSRF_ENABLED": False,
        **config,
    }
    if _is_sqlite(database_url):
        path = make_url(database_url).database
        overrides["DATABASE_URL"] = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        overrides["DATABASE_URL"] = database_url
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": "-c default_transaction_read_only=on"}
        }
    app = create_app(overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def full_disk_app(database_url: str, checklists_dir: Path):
    """The app on the same SQLite file, which may not grow by one page: a full disk.

    VACUUM first leaves no free page to reuse, and SQLite's max_page_count then makes any
    write that needs a new page fail exactly as a full disk does (SQLITE_FULL).
    """
    path = make_url(database_url).database
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("VACUUM")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "CHECKLISTS_DIR": str(checklists_dir),
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": database_url,
        }
    )
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _no_room(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    try:
        yield app
    finally:
        engine.dispose()


def logged_in_client(app, user):
    """A client of `app` whose session says `user`, logged in through the test's own app
    (`app` may be one that cannot write)."""
    user_id = user if isinstance(user, int) else user.id
    token = logins.begin(db.session.get(User, user_id), max_age=timedelta(days=1))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[LOGIN_TOKEN] = token
    return client


def audit_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Audit)).scalar_one()


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(match.group(1)).strip()


def checked_values(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons called `name`."""
    inputs = re.findall(r"<input[^>]*>", page)
    return [
        html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
        for tag in inputs
        if f'name="{name}"' in tag and re.search(r"\schecked\b", tag)
    ]


def test_submit_to_a_read_only_database_gives_the_form_back_with_every_answer(
    app, database_url, checklists_dir, make_user, make_staff
):
    supervisor, staff = make_user("supervisor"), make_staff()
    data = form_data(token="read-only-1", notes=NOTES, **COMMENTS)
    with read_only_app(database_url, checklists_dir) as ro:
        client = logged_in_client(ro, supervisor)
        url = f"/audits/new?staff={staff.id}&checklist=counter-basics"
        assert client.get(url).status_code == 200  # reading still works
        response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert NOT_SAVED in text_of(response)
    assert "Traceback" not in page
    for field in ("item_greeted", "item_warmth", "item_smiled", "item_thanked", "item_argued"):
        assert checked_values(page, field) == [data[field]], field
    for field, typed in COMMENTS.items():
        assert textarea(page, field) == typed
    assert textarea(page, "notes") == NOTES
    assert 'value="read-only-1"' in page  # the same token: sending it again stores it once
    assert audit_count() == 0

    # The database takes writes again: the very same form is stored, once.
    client = logged_in_client(app, supervisor)
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302
    assert audit_count() == 1


@pytest.mark.skipif(
    not os.environ.get("AUDITAPP_TEST_DATABASE_URL", "sqlite").startswith("sqlite"),
    reason="a full disk is simulated with SQLite's max_page_count",
)
def test_submit_to_a_full_disk_gives_the_form_back_with_every_answer(
    app, database_url, checklists_dir, make_user, make_staff
):
    supervisor, staff = make_user("supervisor"), make_staff()
    url = f"/audits/new?staff={staff.id}&checklist=counter-basics"
    supervisor_id = supervisor.id
    db.session.remove()  # VACUUM needs the test's own session closed
    # Long notes: the row then needs overflow pages, where an empty table's page has room.
    notes = " ".join([NOTES] * 180)
    data = form_data(token="disk-full-1", notes=notes, **COMMENTS)
    with full_disk_app(database_url, checklists_dir) as full:
        response = logged_in_client(full, supervisor_id).post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503, text_of(response)
    assert NOT_SAVED in text_of(response)
    assert checked_values(page, "item_warmth") == [data["item_warmth"]]
    assert textarea(page, "comment_greeted") == COMMENTS["comment_greeted"]
    assert textarea(page, "notes") == notes
    assert audit_count() == 0


def test_saving_a_draft_to_a_read_only_database_keeps_the_answers(
    app, database_url, checklists_dir, make_user, make_audit
):
    supervisor = make_user("supervisor")
    draft = make_audit(supervisor=supervisor, submit=False, answers={"greeted": "no"})
    data = form_data(submit=False, notes=NOTES, **COMMENTS)
    with read_only_app(database_url, checklists_dir) as ro:
        response = logged_in_client(ro, supervisor).post(f"/audits/{draft.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert NOT_SAVED in text_of(response)
    assert checked_values(page, "item_greeted") == ["yes"]  # as typed, not as stored
    assert textarea(page, "comment_warmth") == COMMENTS["comment_warmth"]
    assert textarea(page, "notes") == NOTES
    db.session.rollback()
    assert db.session.get(Audit, draft.id).answers == {"greeted": "no"}


def test_amending_on_a_read_only_database_keeps_the_changes_and_the_reason(
    app, database_url, checklists_dir, make_user, make_audit
):
    supervisor = make_user("supervisor")
    audit = make_audit(supervisor=supervisor)
    before = audit.overall
    data = form_data(answers={**GOOD_ANSWERS, "argued": "yes"}, reason="Second look at the tape")
    with read_only_app(database_url, checklists_dir) as ro:
        response = logged_in_client(ro, supervisor).post(f"/audits/{audit.id}/amend", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert NOT_SAVED in text_of(response)
    assert checked_values(page, "item_argued") == ["yes"]
    assert textarea(page, "reason") == "Second look at the tape"
    db.session.rollback()
    assert db.session.get(Audit, audit.id).overall == before
    assert db.session.get(Audit, audit.id).revision == 0


def test_other_pages_that_write_get_a_503_page(
    app, database_url, checklists_dir, make_user, client
):
    admin = make_user("admin")
    with read_only_app(database_url, checklists_dir) as ro:
        ro_client = logged_in_client(ro, admin)
        assert ro_client.get("/teams").status_code == 200
        response = ro_client.post("/teams", data={"name": "Night shift"})
    assert response.status_code == 503
    words = text_of(response)
    assert "The database cannot be used just now" in words
    assert "try again in a moment" in words
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_database_gone_while_running_gives_a_503_not_a_traceback(
    app, checklists_dir, make_user, tmp_path
):
    user = make_user("admin")
    gone = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "CHECKLISTS_DIR": str(checklists_dir),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}",
        }
    )
    response = logged_in_client(gone, user).get("/audits")
    assert response.status_code == 503
    assert "The database cannot be used just now" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    with gone.app_context():
        db.engine.dispose()


# A database that cannot be reached at start ---------------------------------------------------


@pytest.mark.parametrize("command", ["init", "serve", "demo"])
@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x", "Connection refused"),
        ("sqlite:////no/such/folder/auditapp.sqlite3", "unable to open database file"),
    ],
    ids=["pg-refused", "sqlite-no-folder"],
)
def test_unreachable_database_at_start_is_one_line(command, url, reason, tmp_path):
    env = {**os.environ, "AUDITAPP_DATABASE_URL": url, "AUDITAPP_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: cannot use the database ")
    assert reason in line
    assert "s3cret" not in line


# The server killed in the middle of a submit -------------------------------------------------

HIDDEN = re.compile(r'name="(csrf_token|token|fingerprint)" type="hidden" value="([^"]*)"')


class Browser:
    """A browser on the real server: cookies, and the hidden fields of the last form."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), page

    def log_in(self, user) -> None:
        hidden = dict(HIDDEN.findall(self.request("GET", "/login")[2]))
        form = {"email": user.email, "password": PASSWORD, "csrf_token": hidden["csrf_token"]}
        assert self.request("POST", "/login", form)[0] == 302

    def audit_form(self, staff_id: int) -> tuple[str, dict[str, str]]:
        """Open a new counter-basics audit; the URL and the whole form, filled in."""
        path = f"/audits/new?staff={staff_id}&checklist=counter-basics"
        status, _, page = self.request("GET", path)
        assert status == 200
        hidden = dict(HIDDEN.findall(page))
        return path, {**form_data(token=hidden["token"]), **hidden}


@contextmanager
def served(
    database_url: str,
    checklists_dir: Path,
    workdir: Path,
    *options: str,
    background: bool = False,
    **settings: str,
):
    """`auditapp serve [options]` in its own process, `settings` as AUDITAPP_* variables;
    yields (process, port). The web server alone unless `background`: most of these tests
    count its processes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "AUDITAPP_DATABASE_URL": database_url,
        "AUDITAPP_SECRET_KEY": "test",  # the same key in every run: sessions survive a restart
        "AUDITAPP_CHECKLISTS_DIR": str(checklists_dir),
        "AUDITAPP_INSTANCE_PATH": str(workdir),
        # Several supervisors log in from 127.0.0.1 within seconds; throttling is tested elsewhere.
        "AUDITAPP_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        **{f"AUDITAPP_{name}": value for name, value in settings.items()},
    }
    log = (workdir / "server.log").open("a")
    command = [sys.executable, "-m", "auditapp", "serve", "--port", str(port), "--threads", "4"]
    if not background:
        command.append("--no-background")
    process = subprocess.Popen(
        [*command, *options],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (workdir / "server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()  # with --workers, gunicorn's master stops its workers first
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        log.close()


def post_in_background(browser: Browser, path: str, form: dict) -> tuple[threading.Thread, list]:
    outcome: list = []

    def post() -> None:
        try:
            outcome.append(browser.request("POST", path, form))
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread, outcome


def assert_every_audit_whole() -> int:
    """Each stored audit has all its item rows, section rows and events; returns how many."""
    db.session.rollback()
    audits = db.session.execute(select(Audit)).scalars().all()
    for audit in audits:
        checklist = Checklist.from_snapshot(audit.checklist_version.content)
        assert audit.status == "submitted"
        assert len(audit.items) == len(list(checklist.iter_items())), audit.id
        assert len(audit.sections) == len(checklist.sections), audit.id
        assert [e.action for e in audit.events] == ["created", "submitted"], audit.id
    orphans = (
        select(func.count()).select_from(AuditItem).where(~AuditItem.audit_id.in_(select(Audit.id)))
    )
    assert db.session.execute(orphans).scalar_one() == 0
    return len(audits)


@contextmanager
def write_lock_held(database_url: str):
    """Hold the database so that a submit waits inside its transaction.

    SQLite: BEGIN IMMEDIATE takes the one write lock, so the server's submit waits at its
    first write, after its reads. PostgreSQL: SHARE locks on the tables the audit's child rows
    go into, so the submit waits after its INSERT INTO audits, with that row written but not
    committed. Yields a function that tells whether the server is waiting (PostgreSQL) or None.
    """
    if _is_sqlite(database_url):
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield None
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    holder, watcher = engine.connect(), engine.connect()
    holder.execute(text("BEGIN"))
    holder.execute(text("LOCK TABLE audit_items, audit_sections, audit_events IN SHARE MODE"))

    def waiting_backend() -> int | None:
        """The server's backend, if it is waiting for our lock after inserting its audit row."""
        return watcher.execute(
            text(
                "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                "WHERE a.wait_event_type = 'Lock' AND a.query ILIKE 'INSERT INTO audit_%' "
                "AND l.relation = 'audits'::regclass AND l.mode = 'RowExclusiveLock' "
                "AND l.granted"
            )
        ).scalar()

    try:
        yield waiting_backend
    finally:
        holder.execute(text("ROLLBACK"))
        holder.close()
        watcher.close()
        engine.dispose()


def test_server_killed_mid_submit_stores_nothing_and_the_retry_stores_it_whole(
    app, database_url, checklists_dir, make_user, make_staff, tmp_path
):
    supervisor, staff = make_user("supervisor"), make_staff()
    db.session.commit()
    with served(database_url, checklists_dir, tmp_path) as (server, port):
        browser = Browser(port)
        browser.log_in(supervisor)
        path, form = browser.audit_form(staff.id)
        with write_lock_held(database_url) as waiting_backend:
            thread, outcome = post_in_background(browser, path, form)
            if waiting_backend is None:
                # Unanswered after a second (a submit takes milliseconds): it waits for the lock.
                thread.join(1.5)
                assert thread.is_alive(), outcome
            else:
                deadline = time.monotonic() + 20
                while (backend := waiting_backend()) is None:
                    assert time.monotonic() < deadline, "the submit never reached the lock"
                    time.sleep(0.05)
            server.send_signal(signal.SIGKILL)
            server.wait()
        thread.join(10)
        assert outcome and isinstance(outcome[0], Exception), outcome  # no answer came
    if waiting_backend is not None:
        _wait_for_backend_to_end(database_url, backend)
    assert assert_every_audit_whole() == 0

    with served(database_url, checklists_dir, tmp_path) as (_, port):
        browser.port = port  # the same browser, cookies and form: the supervisor sends again
        status, location, _ = browser.request("POST", path, form)
        assert status == 302 and re.search(r"/audits/\d+$", location), (status, location)
    assert assert_every_audit_whole() == 1
    assert db.session.execute(select(Audit.form_token)).scalar_one() == form["token"]


def _wait_for_backend_to_end(database_url: str, pid: int) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        deadline = time.monotonic() + 20
        query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        while connection.execute(query, {"pid": pid}).scalar_one():
            assert time.monotonic() < deadline, "the killed server's transaction lingers"
            time.sleep(0.05)
            connection.rollback()
    engine.dispose()


def test_server_killed_at_random_moments_leaves_only_whole_audits(
    app, database_url, checklists_dir, make_user, make_staff, tmp_path
):
    supervisors = [make_user("supervisor") for _ in range(3)]
    staff_id = make_staff().id  # the threads get plain values, not ORM objects
    told_saved: set[int] = set()
    rng = random.Random(20261123)
    for _ in range(4):
        with served(database_url, checklists_dir, tmp_path) as (server, port):
            browsers = [Browser(port) for _ in supervisors]
            for browser, supervisor in zip(browsers, supervisors, strict=True):
                browser.log_in(supervisor)
            stop = threading.Event()

            def keep_submitting(browser: Browser, stop: threading.Event) -> None:
                while not stop.is_set():
                    try:
                        path, form = browser.audit_form(staff_id)
                        status, location, _ = browser.request("POST", path, form)
                    except (OSError, http.client.HTTPException, AssertionError):
                        return  # the server is gone
                    if status == 302:
                        told_saved.add(int(location.rsplit("/", 1)[1]))

            threads = [threading.Thread(target=keep_submitting, args=(b, stop)) for b in browsers]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.5, 2.0))
            server.send_signal(signal.SIGKILL)
            server.wait()
            stop.set()
            for thread in threads:
                thread.join(10)
        stored = assert_every_audit_whole()
        ids = set(db.session.execute(select(Audit.id)).scalars())
        assert told_saved <= ids  # every audit the server confirmed was kept
        assert stored - len(told_saved) <= len(supervisors)  # at most the posts cut short
    assert told_saved, "no submit completed before the kills: the test proved nothing"
