"""Fixtures: the real app on a real database (SQLite, or PostgreSQL when
AUDITAPP_TEST_DATABASE_URL is set), with the schema built by the migrations."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

# Keep every test run's secret key and files out of the project's instance/ folder.
os.environ.setdefault("AUDITAPP_INSTANCE_PATH", tempfile.mkdtemp(prefix="auditapp-test-"))
# Flask-Limiter keeps the key prefix of the first app it is bound to for every later one (one
# app per process is what it is built for), so a test run's login counters in Redis are told
# apart from another run's by a prefix of the run's own.
os.environ["AUDITAPP_RATELIMIT_KEY_PREFIX"] = f"auditapp-test-{uuid.uuid4().hex}"

from auditapp import create_app, queue
from auditapp.cli import main
from auditapp.extensions import db
from auditapp.models import StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import people, users

DATA = Path(__file__).parent / "data"
RUN_PREFIX = os.environ["AUDITAPP_RATELIMIT_KEY_PREFIX"]
PASSWORD = "correct horse battery"
# Redis for the shared-counter tests. CI sets AUDITAPP_REQUIRE_REDIS=1 so that a missing
# server fails there instead of skipping.
REDIS_URL = os.environ.get("AUDITAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("AUDITAPP_REQUIRE_REDIS") == "1"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, only the tests that reach the database: the browser tests (their server
    runs on it) and every test built on `database_url`. The rest (the checklist format,
    scoring, statistics, charts, the CLI on files of its own) is the same on any database and
    runs in the SQLite pass, which CI runs beside this one."""
    if not os.environ.get("AUDITAPP_TEST_DATABASE_URL"):
        return
    kept, left = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (kept if uses_database or item.get_closest_marker("browser") else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """An empty database brought to the newest migration once per test session."""
    url = os.environ.get("AUDITAPP_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        from auditapp.services.setup import upgrade_schema

        upgrade_schema()
        db.engine.dispose()
    return url


@pytest.fixture
def checklists_dir(tmp_path) -> Path:
    """A checklists folder of this test's own, holding counter-basics.yaml."""
    folder = tmp_path / "checklists"
    folder.mkdir()
    shutil.copy(DATA / "valid" / "counter-basics.yaml", folder)
    return folder


@contextmanager
def running_app(database_url: str, checklists_dir: Path, **overrides):
    """The app on the test database, emptied again afterwards."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "CHECKLISTS_DIR": str(checklists_dir),
        # Tests edit checklist files and look at once; the once-a-second look is tested apart.
        "CHECKLISTS_RECHECK_SECONDS": 0,
        # One zone whatever the machine's: times on pages are then the same everywhere.
        "TIME_ZONE": "UTC",
        "WTF_CSRF_ENABLED": False,
        # Hashing stays real, just cheap: scrypt would make each test user cost ~0.1 s.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    app = create_app({**config, **overrides})
    with app.app_context():
        try:
            yield app
        finally:
            # Tasks a test left waiting must not run in the next test's app.
            queue.current().huey.flush()
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()


@pytest.fixture
def app(database_url, checklists_dir):
    with running_app(database_url, checklists_dir) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app, database_url, checklists_dir, monkeypatch):
    """Run `auditapp ...` against the test database and checklists."""
    monkeypatch.setenv("AUDITAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(checklists_dir))
    monkeypatch.setenv("AUDITAPP_SECRET_KEY", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def in_threads(database_url: str, checklists_dir: Path, work, count: int) -> list[Exception]:
    """Run work(n) for n in range(count) in threads that start together, each inside an
    app of its own, as separate server processes would be; returns what they raised."""
    errors: list[Exception] = []
    together = threading.Barrier(count, timeout=60)
    # Made here, one after another: CPython 3.11 can fail compiling code in several threads
    # at once ("AST constructor recursion depth mismatch"), and making an app compiles some.
    config = {"DATABASE_URL": database_url, "CHECKLISTS_DIR": str(checklists_dir)}
    apps = [create_app(config) for _ in range(count)]

    def run(n: int) -> None:
        try:
            with apps[n].app_context():
                together.wait()
                work(n)
                db.session.remove()
                db.engine.dispose()
        except Exception as exc:  # handed back to the test, which names it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def make_staff(app):
    def make(name: str = "Ana Lopez", team: str | None = "Front desk", code: str | None = None):
        return people.add_staff(name, team, code, by=None)

    return make


@pytest.fixture
def make_user(app, make_staff):
    def make(role: str, email: str | None = None, staff: StaffMember | None = None) -> User:
        email = email or f"{role}-{User.query.count() + 1}@example.com"
        if role == "staff" and staff is None:
            staff = make_staff(f"Staff {email}")
        return users.create_user(
            email, role.title(), role, PASSWORD, staff_member_id=staff.id if staff else None
        )

    return make


@pytest.fixture
def login(client):
    """Log the test client in as a user (by POSTing the real login form)."""

    def log_in(user: User):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return log_in


@pytest.fixture
def login_as(make_user, login):
    """Create a user with `role` and log the client in as them."""
    return lambda role, **kwargs: login(make_user(role, **kwargs))


# The items of tests/data/valid/counter-basics.yaml, by id.
ITEM_TEXTS = {
    "greeted": "Greeted the customer",
    "warmth": "Greeted with warmth",
    "smiled": "Smiled",
    "thanked": "Thanked the customer",
    "argued": "Argued with the customer",
}


GOOD_ANSWERS = {
    "greeted": "yes",
    "warmth": "4",
    "smiled": "often",
    "thanked": "yes",
    "argued": "no",
}


def form_data(answers=GOOD_ANSWERS, *, submit=True, token="tok-1", fingerprint=None, **fields):
    """POST data for the counter-basics scoring form."""
    from auditapp.checklists import load_checklist

    data = {
        "token": token,
        "fingerprint": fingerprint
        or load_checklist(DATA / "valid" / "counter-basics.yaml").fingerprint,
        "channel": "in_person",
        "observed_at": (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "customer_type": "repeat",
        "duration_minutes": "7",
        "outcome": "resolved",
        "monetary_value": "",
        "notes": "",
    }
    data.update({f"item_{k.replace('-', '_')}": v for k, v in answers.items()})
    data["submit" if submit else "save_draft"] = "1"
    data.update(fields)
    return data


@pytest.fixture
def make_audit(app, make_user, make_staff):
    """Store an audit through the service, as the web form would."""
    from auditapp.services.checklists import available

    def make(staff=None, supervisor=None, answers=GOOD_ANSWERS, submit=True, **interaction):
        supervisor = supervisor or make_user("supervisor")
        staff = staff or make_staff(f"Person {StaffMember.query.count() + 1}")
        values = {"channel": "in_person", "observed_at": datetime(2026, 11, 2, 10, 30)}
        values.update(interaction)
        audit, _ = audit_service.start(
            supervisor=supervisor,
            staff=staff,
            checklist=available()["counter-basics"],
            token=f"t-{datetime.now().timestamp()}-{staff.id}-{supervisor.id}-{id(values)}",
            interaction=audit_service.Interaction(**values),
            entry=audit_service.Answers.clean(dict(answers), {}),
            submit=submit,
        )
        return audit

    return make


def text_of(response) -> str:
    """The visible text of a page, whitespace collapsed, for asserting on what users read."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the test Redis (for a server process it starts;
    the apps of the test process use RUN_PREFIX), their keys deleted afterwards."""
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.RedisError as error:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    prefix = f"{RUN_PREFIX}-{uuid.uuid4().hex}"
    yield server, prefix
    keys = list(server.scan_iter(f"*{RUN_PREFIX}*"))
    if keys:
        server.delete(*keys)
    server.close()


class StoppedClock:
    """The app's clock (auditapp/clock.py) stopped at `moment` (aware) until set again."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock():
    """Stop the app's clock at 2 Nov 2026 12:00 UTC (or `clock.set(...)`): tests that
    depend on "now" or "today" then mean the same whatever day they run."""
    from datetime import UTC

    from auditapp import clock as app_clock

    stopped = StoppedClock(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    old = app_clock.set_source(lambda: stopped.moment)
    yield stopped
    app_clock.set_source(old)


@pytest.fixture
def count_queries(app):
    """count_queries(fn) -> how many SQL statements fn() sent to the database."""
    from sqlalchemy import event

    def count(fn) -> int:
        sent = []

        def note(conn, cursor, statement, *args):
            sent.append(statement)

        # A fresh identity map, as a real request starts with: rows the test made would
        # otherwise answer lazy loads without a query and hide a query per row.
        db.session.expunge_all()
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(sent)

    return count


# The audit tests' people and their submitted audit (tests/test_audits_*.py); a test file may
# define its own fixture of the same name.
@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.fixture
def staff(make_staff):
    return make_staff("Ana Lopez", "Front desk")


@pytest.fixture
def submitted(client, supervisor, staff):
    """An audit submitted through the form; returns (audit id, the form data posted)."""
    data = form_data(token="tok-submitted")
    response = client.post(f"/audits/new?staff={staff.id}&checklist=counter-basics", data=data)
    assert response.status_code == 302, text_of(response)
    client.get(response.headers["Location"])  # read the flash message
    return int(response.headers["Location"].rsplit("/", 1)[1]), data


@pytest.fixture
def make_calibration(app, make_user):
    """Store a calibration session through the service; returns it. The raters default to
    two new supervisors; `by` (the creator) to a new trainer."""
    from auditapp import clock as app_clock
    from auditapp.services import calibration_sessions
    from auditapp.services.checklists import available

    def make(raters=None, by=None, upload=None, **options):
        raters = raters if raters is not None else [make_user("supervisor") for _ in range(2)]
        values = {
            "title": "Phone call about a late delivery",
            "checklist": available()["counter-basics"],
            "channel": "in_person",
            "material_kind": "text",
            "material_text": "The customer walks in; the clerk looks up and says hello.",
            "rater_ids": tuple(u.id for u in raters),
            "reference_mode": "none",
            "deadline": app_clock.local_now() + timedelta(days=3),
        }
        values.update(options)
        return calibration_sessions.create(
            by or make_user("trainer"), calibration_sessions.NewSession(**values), upload
        )

    return make
