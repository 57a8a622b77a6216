"""The `auditapp` commands that use the database: init, serve, demo, users create, staff."""

from __future__ import annotations

import functools
import gc
import re
import socket
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import waitress
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import func, inspect, select

import auditapp
from auditapp import MIGRATIONS_DIR, create_app, server
from auditapp.checklists.loader import PROJECT_DIR
from auditapp.cli import main
from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent, AuditItem, ChecklistVersion, StaffMember, Team, User
from auditapp.services import demo as demo_data
from auditapp.services import demo_plans
from auditapp.services.setup import safe_url

PASSWORD = "a long enough password"
UNREACHABLE = "postgresql+psycopg://nobody:hunter22@127.0.0.1:1/none"
TABLES = {
    "alembic_version",
    "audit_events",
    "audit_items",
    "audits",
    "checklist_versions",
    "staff_members",
    "teams",
    "users",
}
MODELS = (User, Team, StaffMember, Audit, AuditItem, AuditEvent, ChecklistVersion)


class Cli:
    """Runs `auditapp ...` in-process and closes the database engines the command opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runner = CliRunner()
        self.apps: list[Flask] = []
        real = auditapp.create_app

        def recording_create_app(test_config=None):
            app = real(test_config)
            self.apps.append(app)
            return app

        # The commands import create_app from the package when they run.
        monkeypatch.setattr(auditapp, "create_app", recording_create_app)

    def __call__(self, *args: str, input: str | None = None) -> Result:
        try:
            return self.runner.invoke(main, list(args), input=input)
        finally:
            while self.apps:
                with self.apps.pop().app_context():
                    db.engine.dispose()


def use_database(monkeypatch: pytest.MonkeyPatch, url: str, checklists: Path = PROJECT_DIR):
    """Point the commands (which read only the environment) at this database."""
    monkeypatch.setenv("AUDITAPP_DATABASE_URL", url)
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(checklists))
    monkeypatch.setenv("AUDITAPP_SECRET_KEY", "test-secret")


@contextmanager
def opened(url: str) -> Iterator[Flask]:
    """The app on `url` with its context pushed, for checking what a command stored."""
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def counts(url: str) -> dict[str, int]:
    with opened(url):
        return {model.__name__: count(model) for model in MODELS}


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def no_traceback(result: Result) -> None:
    """The command ended by itself: CliRunner catches (and hides) what would be a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def fails_clearly(result: Result, message: str, exit_code: int = 1) -> None:
    """Non-zero exit, the message on stderr, and no traceback anywhere."""
    no_traceback(result)
    assert result.exit_code == exit_code, (result.output, result.exception)
    assert message in result.stderr, result.output


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def schema_snapshot(url: str) -> dict:
    with opened(url):
        inspector = inspect(db.engine)
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
        return {
            "revision": revision,
            "tables": {
                table: (
                    [c["name"] for c in inspector.get_columns(table)],
                    sorted(i["name"] for i in inspector.get_indexes(table)),
                )
                for table in inspector.get_table_names()
            },
        }


@pytest.fixture
def cli(monkeypatch) -> Cli:
    return Cli(monkeypatch)


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    """A fresh SQLite file of this test's own (not yet created), set in the environment."""
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    use_database(monkeypatch, database)
    return database


@pytest.fixture
def ready(cli, url) -> str:
    """The test's database after `auditapp init`."""
    ok(cli("init"))
    return url


# init and serve ------------------------------------------------------------------------------


def test_init_creates_schema_at_head(cli, url):
    result = ok(cli("init"))
    assert "Database ready" in result.output
    assert "Traceback" not in result.output
    snapshot = schema_snapshot(url)
    assert set(snapshot["tables"]) >= TABLES
    assert snapshot["revision"] == head_revision()
    with opened(url):
        assert all(count(model) == 0 for model in MODELS)


def test_init_twice_succeeds_and_changes_nothing(cli, url):
    ok(cli("init"))
    ok(cli("staff", "add", "Ana Lopez", "--team", "Front desk", "--code", "E1"))
    before_schema, before_rows = schema_snapshot(url), counts(url)

    result = ok(cli("init"))

    assert "Database ready" in result.output
    assert schema_snapshot(url) == before_schema
    assert counts(url) == before_rows
    with opened(url):
        assert db.session.execute(select(StaffMember.name)).scalar_one() == "Ana Lopez"


@pytest.fixture
def no_server(monkeypatch) -> list:
    """Replace waitress.serve so that no test can block on a real server."""
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append((app, kw)))
    return calls


@pytest.mark.parametrize(
    "args",
    [
        ("serve",),
        ("staff", "add", "Ana Lopez", "--team", "Front desk"),
        ("users", "create", "a@example.com", "--name", "A", "--role", "admin", "--password-stdin"),
    ],
    ids=["serve", "staff-add", "users-create"],
)
def test_commands_on_a_database_without_tables_say_run_init(cli, url, no_server, args):
    result = cli(*args, input=PASSWORD + "\n")
    no_traceback(result)
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    assert lines[0].endswith("run 'auditapp init' first")
    assert "has no tables yet" in lines[0]
    assert "Traceback" not in result.output
    assert no_server == []


def test_serve_on_a_ready_database_hands_the_app_to_waitress(cli, ready, no_server):
    result = ok(cli("serve", "--host", "0.0.0.0", "--port", "8123", "--threads", "4"))
    assert "auditapp is running at http://0.0.0.0:8123" in result.output
    [(app, options)] = no_server
    assert isinstance(app, Flask)
    assert options["host"] == "0.0.0.0"
    assert options["port"] == 8123
    assert options["threads"] == 4


def test_serve_puts_the_startup_objects_out_of_the_collectors_reach(cli, ready, monkeypatch):
    """Full garbage collections would otherwise walk every module and mapper again, every
    dozen trainer pages (docs/performance.md)."""
    frozen_when_serving = []
    monkeypatch.setattr(
        waitress, "serve", lambda app, **kw: frozen_when_serving.append(gc.get_freeze_count())
    )
    gc.unfreeze()
    try:
        ok(cli("serve"))
        assert frozen_when_serving[0] > 10_000  # the modules, the app, its mappers
    finally:
        gc.unfreeze()  # the rest of the tests collect as usual


@pytest.fixture
def no_arbiter(monkeypatch) -> list:
    """Replace gunicorn's arbiter run so that no test forks real workers; records what it
    would have served, with which settings, and the connections open at that moment."""
    from gunicorn.app.base import BaseApplication

    calls = []

    def run(self):
        with self.wsgi().app_context():
            checked_out = db.engine.pool.checkedout()
        calls.append((self.wsgi(), self.cfg, checked_out, gc.get_freeze_count()))

    monkeypatch.setattr(BaseApplication, "run", run)
    return calls


def test_serve_with_workers_hands_the_app_to_gunicorn(
    cli, ready, monkeypatch, no_server, no_arbiter
):
    monkeypatch.setenv("AUDITAPP_RATELIMIT_ENABLED", "false")  # no login counters to share
    gc.unfreeze()
    try:
        result = ok(cli("serve", "--port", "8124", "--workers", "3", "--threads", "2"))
    finally:
        gc.unfreeze()
    assert "auditapp is running at http://127.0.0.1:8124, 3 processes" in result.output
    assert no_server == []  # not waitress
    [(app, cfg, checked_out, frozen)] = no_arbiter
    assert isinstance(app, Flask)
    assert cfg.bind == ["127.0.0.1:8124"]
    assert (cfg.workers, cfg.threads, cfg.worker_class_str) == (3, 2, "gthread")
    assert cfg.preload_app
    assert cfg.secure_scheme_headers == {}  # only AUDITAPP_PROXY_FIX decides what to trust
    assert cfg.control_socket_disable
    assert checked_out == 0  # no database connection crosses the fork
    assert frozen > 10_000  # frozen before the fork, so the workers share those pages


def test_serve_with_workers_refuses_per_process_login_counters(cli, ready, no_arbiter):
    result = cli("serve", "--workers", "2")
    fails_clearly(result, "--workers 2 needs the login limits in a store every process shares")
    assert "AUDITAPP_RATELIMIT_STORAGE_URI" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert no_arbiter == []


def test_serve_with_workers_refuses_an_unreachable_limit_store(cli, ready, monkeypatch, no_arbiter):
    monkeypatch.setenv("AUDITAPP_RATELIMIT_STORAGE_URI", "redis://:secret@127.0.0.1:9/0")
    result = cli("serve", "--workers", "2")
    fails_clearly(result, "cannot reach the login limits' store redis://:***@127.0.0.1:9/0")
    assert "secret" not in result.output
    assert no_arbiter == []


def test_serve_with_workers_where_gunicorn_cannot_run_says_so(cli, ready, monkeypatch):
    monkeypatch.setenv("AUDITAPP_RATELIMIT_ENABLED", "false")
    monkeypatch.setitem(sys.modules, "gunicorn.app.base", None)  # as on Windows: no gunicorn
    result = cli("serve", "--workers", "2")
    fails_clearly(result, "--workers 2 needs gunicorn, which runs on Linux and macOS only")
    assert "use --workers 1" in result.stderr


def test_serve_on_an_ipv6_address_binds_it_in_brackets():
    assert server.gunicorn_settings("::1", 8000, 4, 2, "auditapp")["bind"] == ["[::1]:8000"]


def test_serve_rejects_a_bad_port(cli, ready, no_server):
    fails_clearly(cli("serve", "--port", "70000"), "Invalid value for '--port'", exit_code=2)
    assert no_server == []


@pytest.mark.parametrize("command", ["init", "serve"])
def test_unreachable_database_is_one_clear_line(cli, monkeypatch, no_server, command):
    use_database(monkeypatch, UNREACHABLE)
    result = cli(command)
    no_traceback(result)
    assert result.exit_code == 1, (result.output, result.exception)
    errors = result.output.strip().splitlines()
    assert len(errors) == 1, result.output
    assert errors[0].startswith("Error: ")
    assert errors[0].startswith("Error: cannot use the database postgresql+psycopg://nobody:")
    assert "Traceback" not in result.output
    assert "hunter22" not in result.output  # the password is never printed
    assert no_server == []


@pytest.mark.parametrize(
    "database",
    ["not a database url", "postgres://nobody:hunter22@127.0.0.1:1/none"],
    ids=["not-a-url", "unknown-scheme"],
)
@pytest.mark.parametrize("command", ["init", "serve"])
def test_malformed_database_url_is_one_clear_line(cli, monkeypatch, no_server, command, database):
    use_database(monkeypatch, database)
    result = cli(command)
    no_traceback(result)
    assert result.exit_code == 1, (result.output, result.exception)
    errors = result.output.strip().splitlines()
    assert len(errors) == 1, result.output
    assert errors[0].startswith("Error: ")
    assert "hunter22" not in result.output
    assert no_server == []


def test_database_url_is_printed_without_its_password():
    url = "postgresql+psycopg://auditor:s3cretpw@db.example.org:5432/audits?sslmode=require"
    assert safe_url(url) == "postgresql+psycopg://auditor:***@db.example.org:5432/audits"
    assert safe_url("not a url") == "(unreadable database URL)"


def test_unreachable_database_error_hides_the_password(cli, monkeypatch, no_server):
    use_database(monkeypatch, "postgresql+psycopg://auditor:s3cretpw@127.0.0.1:1/none")
    for command in ("init", "serve"):
        result = cli(command)
        no_traceback(result)
        assert result.exit_code == 1
        assert "Error: cannot use the database postgresql+psycopg://auditor:***@" in result.output
        assert "s3cretpw" not in result.output
    assert no_server == []


# demo ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`auditapp demo` run twice on a new database: the outputs and the row counts after each."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_database(monkeypatch, url)
        cli = Cli(monkeypatch)
        first = cli("demo")
        after_first = counts(url)
        second = cli("demo")
        after_second = counts(url)
    return {
        "url": url,
        "first": first,
        "second": second,
        "after_first": after_first,
        "after_second": after_second,
    }


def submitted_audits():
    return db.session.execute(select(Audit).where(Audit.status == "submitted")).scalars().all()


def test_demo_loads_people_and_teams(demo):
    ok(demo["first"])
    with opened(demo["url"]):
        roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert roles["admin"] == 1
        assert roles["supervisor"] == 2
        assert roles["trainer"] == 1
        assert roles["staff"] >= 1
        teams = db.session.execute(select(Team)).scalars().all()
        assert len(teams) == 2
        assert count(StaffMember) == 12
        assert sum(len(team.members) for team in teams) == 12
        assert all(len(team.members) >= 1 for team in teams)
        staff_logins = db.session.execute(select(User).where(User.role == "staff")).scalars().all()
        assert all(user.staff_member is not None for user in staff_logins)
        assert {user.staff_member.name for user in staff_logins} <= {
            s.name for s in db.session.execute(select(StaffMember)).scalars()
        }


def test_demo_audits_cover_every_checklist_over_a_year(demo):
    shipped = {path.stem for path in PROJECT_DIR.glob("*.yaml")}
    assert len(shipped) >= 2
    with opened(demo["url"]):
        audits = submitted_audits()
        assert 2000 <= len(audits) <= 3000
        assert {a.checklist_id for a in audits} == shipped
        observed = [a.observed_at for a in audits]
        assert max(observed) - min(observed) >= timedelta(days=350)
        assert len({a.staff_member_id for a in audits}) >= 10
        assert len({a.supervisor_id for a in audits}) == 2
        assert all(a.overall is not None and a.submitted_at is not None for a in audits)
        assert count(AuditItem) > len(audits)


def test_demo_has_open_coaching_actions_one_overdue_from_audits_that_missed_them(demo):
    from auditapp.models import CoachingAction
    from auditapp.services import coaching

    with opened(demo["url"]):
        actions = db.session.execute(select(CoachingAction)).scalars().all()
        assert len(actions) == 4 and all(a.closed_at is None for a in actions)
        assert sum(coaching.is_overdue(a) for a in actions) == 1
        for action in actions:
            missed = set(coaching.missed_in(db.session.get(Audit, action.audit_id)))
            assert action.item_ids and set(action.item_ids) <= missed


def test_demo_scores_vary_realistically(demo):
    with opened(demo["url"]):
        audits = submitted_audits()
        passed = [a.passed for a in audits]
        assert any(passed), "every demo audit fails"
        assert not all(passed), "every demo audit passes"
        overall = [a.overall for a in audits]
        assert statistics.stdev(overall) > 5
        assert all(0 <= score <= 100 for score in overall)


def test_demo_prints_logins_and_password(demo):
    output = ok(demo["first"]).output
    with opened(demo["url"]):
        assert f"Loaded demo data: {len(submitted_audits())} audits." in output
    assert demo_data.PASSWORD in output
    for email, role in demo_data.LOGINS:
        assert any(email in line and role in line for line in output.splitlines()), email
    assert len(demo_data.LOGINS) >= 5


def test_demo_leaves_example_emails_in_the_outbox_and_one_failure(demo):
    import email
    from email import policy

    from auditapp.models import MailMessage
    from auditapp.services import mail

    assert "Example emails: in " in demo["first"].output
    with opened(demo["url"]):
        rows = db.session.execute(select(MailMessage).order_by(MailMessage.id)).scalars().all()
        outbox = mail.outbox_dir()
        kinds = {r.kind for r in rows if r.status == "sent"}
        assert {"audit_submitted", "calibration_invitation", "weekly_digest"} <= kinds
        assert {r.transport for r in rows if r.status == "sent"} == {"outbox"}
        [failed] = [r for r in rows if r.status == "failed"]
        assert failed.attempts == mail.ATTEMPTS and failed.last_error
        for row in rows:
            path = outbox / f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}-{row.kind}.eml"
            assert path.exists() == (row.status == "sent"), path
        digest = next(r for r in rows if r.kind == "weekly_digest")
        path = outbox / f"{digest.created_at:%Y%m%d-%H%M%S}-{digest.id:06d}-weekly_digest.eml"
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert parsed["To"] == "Tess Lindqvist <tess.trainer@example.com>"
        assert "OVERDUE COACHING" in parsed.get_body(("plain",)).get_content()


def test_demo_second_run_adds_nothing_and_says_so(demo):
    result = ok(demo["second"])
    assert "already loaded" in result.output
    assert "nothing was added" in result.output
    assert demo["after_second"] == demo["after_first"]
    assert demo["after_first"]["Audit"] >= 2000


def test_demo_totals_equal_a_rebuild_from_the_rows(demo):
    """The demo adds its audits in bulk and rebuilds the totals once: they must be exact."""
    from auditapp.models import InteractionMonthTotal, ItemDayTotal, StaffItemMonthTotal
    from auditapp.services import rollups

    tables = (ItemDayTotal, InteractionMonthTotal, StaffItemMonthTotal)

    def rows(table) -> list[str]:  # every column but the id, which a rebuild renumbers
        return sorted(repr(tuple(r)[1:]) for r in db.session.execute(select(table.__table__)))

    with opened(demo["url"]):
        loaded = {t: rows(t) for t in tables}
        rollups.rebuild_all(db.session)
        rebuilt = {t: rows(t) for t in tables}
        db.session.rollback()
    for table in tables:
        assert loaded[table] and loaded[table] == rebuilt[table], table


def test_the_demos_trainer_pages_show_colour_not_too_few(demo):
    """Out of the box the heat map has real colours: no cell rests on too few audits."""
    trainer = next(email for email, role in demo_data.LOGINS if role == "trainer")
    with opened(demo["url"]) as app:
        client = app.test_client()
        client.post("/login", data={"email": trainer, "password": demo_data.PASSWORD})
        page = client.get("/insights").get_data(as_text=True)
    heat = page.split('class="table table-sm table-bordered align-middle heatmap"', 1)[1]
    heat = heat.split("</table>", 1)[0]
    assert len(re.findall(r'class="text-center heat-\d+"', heat)) >= 12 * 3
    assert "too few" not in heat


def test_demo_plans_leave_people_due_and_overdue_on_the_supervisors_queue(demo):
    import email
    from email import policy

    from auditapp.models import ObservationPlan
    from auditapp.services.plan_status import standings

    supervisor = next(email for email, role in demo_data.LOGINS if role == "supervisor")
    with opened(demo["url"]) as app:
        assert count(ObservationPlan) == len(demo_plans.PLANS)
        statuses = {s.status for s in standings()}
        assert {"due", "overdue"} <= statuses, statuses
        client = app.test_client()
        client.post("/login", data={"email": supervisor, "password": demo_data.PASSWORD})
        home = client.get("/").get_data(as_text=True)
    assert "Overdue" in home and "Due" in home and "Start audit" in home
    with opened(demo["url"]):
        [digest] = Path(demo_data.outbox()).glob("*-weekly_digest.eml")
        body = email.message_from_bytes(digest.read_bytes(), policy=policy.default)
        text = body.get_body(("plain",)).get_content()
    assert "OBSERVATION PLANS: WHO IS SHORT" in text
    assert "Everyone is on track" not in text
    assert re.search(r": overdue, \d of \d ", text), text


def test_demo_logins_work(demo):
    supervisor = next(email for email, role in demo_data.LOGINS if role == "supervisor")
    with opened(demo["url"]) as app:
        client = app.test_client()
        response = client.post("/login", data={"email": supervisor, "password": demo_data.PASSWORD})
        assert response.status_code == 302
        assert "/login" not in response.headers["Location"]
        client.post("/logout")
        wrong = client.post("/login", data={"email": supervisor, "password": "not it at all"})
        assert wrong.status_code != 302
        for email, _role in demo_data.LOGINS:
            user = db.session.execute(select(User).where(User.email == email)).scalar_one()
            assert user.check_password(demo_data.PASSWORD), email


def test_demo_on_a_database_with_clashing_data_does_not_crash(cli, ready, monkeypatch):
    """An employee code the demo wants is taken: load around it or refuse clearly, no crash."""
    monkeypatch.setattr(demo_data, "load", functools.partial(demo_data.load, count=12))
    ok(cli("staff", "add", "Zoe Ward", "--team", "Back office", "--code", "E100"))
    before = counts(ready)
    result = cli("demo")
    no_traceback(result)
    if result.exit_code != 0:
        assert result.stderr.startswith("Error: "), result.output
        assert counts(ready) == before  # refused: nothing half-loaded
    with opened(ready):
        assert (
            db.session.execute(
                select(StaffMember.name).where(StaffMember.employee_code == "E100")
            ).scalar_one()
            == "Zoe Ward"
        )


# users create --------------------------------------------------------------------------------


def create_user(cli, email, *options, password=PASSWORD):
    return cli("users", "create", email, *options, "--password-stdin", input=password + "\n")


def test_users_create_stores_a_hashed_password(cli, ready):
    result = ok(
        create_user(cli, " Pat.Lee@Example.com ", "--name", "Pat Lee", "--role", "supervisor")
    )
    assert "Created supervisor pat.lee@example.com." in result.output
    with opened(ready):
        user = db.session.execute(select(User)).scalar_one()
        assert user.email == "pat.lee@example.com"
        assert user.name == "Pat Lee"
        assert user.role == "supervisor"
        assert user.staff_member_id is None
        assert user.password_hash != PASSWORD
        assert PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD)
        assert not user.check_password(PASSWORD + "x")


@pytest.mark.parametrize("staff", ["E7", "Ana Lopez", "ana lopez"])
def test_users_create_staff_login_linked_by_code_or_name(cli, ready, staff):
    ok(cli("staff", "add", "Ana Lopez", "--team", "Front desk", "--code", "E7"))
    result = ok(
        create_user(cli, "ana@example.com", "--name", "Ana", "--role", "staff", "--staff", staff)
    )
    assert "Created staff ana@example.com." in result.output
    with opened(ready):
        user = db.session.execute(select(User)).scalar_one()
        assert user.staff_member.employee_code == "E7"
        assert user.check_password(PASSWORD)


def test_users_create_password_may_end_in_spaces(cli, ready):
    ok(create_user(cli, "x@example.com", "--name", "X", "--role", "admin", password="  spaced  "))
    with opened(ready):
        assert db.session.execute(select(User)).scalar_one().check_password("  spaced  ")


@pytest.mark.parametrize(
    ("options", "password", "message", "exit_code"),
    [
        (
            ["--name", "Twin", "--role", "admin"],
            PASSWORD,
            "A user with the email taken@example.com already exists.",
            1,
        ),
        (["--name", "Boss", "--role", "boss"], PASSWORD, "Invalid value for '--role'", 2),
        (["--name", "Short", "--role", "admin"], "short", "at least 8 characters", 1),
        (["--name", "Empty", "--role", "admin"], "", "at least 8 characters", 1),
        (
            ["--name", "Staff", "--role", "staff"],
            PASSWORD,
            "A staff login must be linked to a staff member.",
            1,
        ),
        (
            ["--name", "Ghost", "--role", "staff", "--staff", "Nobody Here"],
            PASSWORD,
            "no staff member named or coded 'Nobody Here'",
            1,
        ),
    ],
    ids=[
        "duplicate-email",
        "unknown-role",
        "short-password",
        "empty-password",
        "staff-no-link",
        "unknown-staff",
    ],
)
def test_users_create_bad_input_fails_clearly(cli, ready, options, password, message, exit_code):
    ok(create_user(cli, "taken@example.com", "--name", "First", "--role", "trainer"))
    email = "TAKEN@example.com" if "Twin" in options else "new@example.com"
    result = create_user(cli, email, *options, password=password)
    fails_clearly(result, message, exit_code)
    if exit_code == 2:
        assert "'boss' is not one of" in result.stderr
    with opened(ready):
        assert db.session.execute(select(User.email)).scalars().all() == ["taken@example.com"]


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("not-an-email", "Pat Lee", "email"),
        ("pat@", "Pat Lee", "email"),
        ("pat@example.com", "   ", "name"),
    ],
    ids=["no-at-sign", "no-domain", "blank-name"],
)
def test_users_create_rejects_what_the_web_form_rejects(cli, ready, email, name, message):
    """The web form requires a valid email and a name; the CLI must not let them through."""
    result = create_user(cli, email, "--name", name, "--role", "supervisor")
    no_traceback(result)
    assert result.exit_code != 0, result.output
    assert message in result.stderr.lower(), result.output
    assert counts(ready)["User"] == 0


def test_users_create_staff_member_with_a_login_already(cli, ready):
    ok(cli("staff", "add", "Ana Lopez", "--team", "Front desk", "--code", "E7"))
    ok(create_user(cli, "ana@example.com", "--name", "Ana", "--role", "staff", "--staff", "E7"))
    result = create_user(
        cli, "ana2@example.com", "--name", "Ana", "--role", "staff", "--staff", "E7"
    )
    fails_clearly(result, "That staff member already has a login (ana@example.com).")
    assert counts(ready)["User"] == 1


# staff add -----------------------------------------------------------------------------------


def staff_rows() -> list[tuple[str, str | None, str | None]]:
    return db.session.execute(
        select(StaffMember.name, StaffMember.employee_code, Team.name)
        .outerjoin(Team)
        .order_by(StaffMember.id)
    ).all()


def test_staff_add_creates_the_team_when_new(cli, ready):
    result = ok(cli("staff", "add", "  Ana   Lopez ", "--team", "Front desk", "--code", "E1"))
    assert "Added Ana Lopez to Front desk." in result.output
    ok(cli("staff", "add", "Ben Carter", "--team", "front desk"))
    ok(cli("staff", "add", "Grace Kim", "--team", "Contact centre", "--code", "E2"))
    with opened(ready):
        assert staff_rows() == [
            ("Ana Lopez", "E1", "Front desk"),
            ("Ben Carter", None, "Front desk"),
            ("Grace Kim", "E2", "Contact centre"),
        ]
        assert sorted(db.session.execute(select(Team.name)).scalars()) == [
            "Contact centre",
            "Front desk",
        ]


def test_staff_add_duplicate_code_fails_clearly(cli, ready):
    ok(cli("staff", "add", "Ana Lopez", "--team", "Front desk", "--code", "E1"))
    result = cli("staff", "add", "Ben Carter", "--team", "Back office", "--code", "E1")
    fails_clearly(result, "The employee code E1 is already used by Ana Lopez.")
    with opened(ready):
        assert staff_rows() == [("Ana Lopez", "E1", "Front desk")]
        assert count(Team) == 1  # the failed add left no new team behind


def test_staff_add_bad_input(cli, ready):
    fails_clearly(cli("staff", "add", "   ", "--team", "Front desk"), "needs a name")
    fails_clearly(cli("staff", "add", "Ana Lopez"), "Missing option '--team'", exit_code=2)
    assert counts(ready)["StaffMember"] == 0


# staff import --------------------------------------------------------------------------------


def write(tmp_path: Path, text: str | bytes, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_staff_import_good_roster(cli, ready, tmp_path):
    roster = write(
        tmp_path,
        "name,team,code\n"
        "Ana Lopez,Front desk,E1\n"
        "Ben Carter,front desk,E2\n"
        "\n"
        "Grace Kim,Contact centre,\n"
        '"Kim, Hugo",Contact centre,E3\n',
    )
    result = ok(cli("staff", "import", str(roster)))
    assert f"Imported 4 staff members from {roster}." in result.output
    with opened(ready):
        assert staff_rows() == [
            ("Ana Lopez", "E1", "Front desk"),
            ("Ben Carter", "E2", "Front desk"),
            ("Grace Kim", None, "Contact centre"),
            ("Kim, Hugo", "E3", "Contact centre"),
        ]
        assert count(Team) == 2


def test_staff_import_spreadsheet_export(cli, ready, tmp_path):
    """A BOM, capitalised headers with spaces, CRLF endings and columns in another order."""
    roster = write(
        tmp_path, "\ufeffCode , Name,Team\r\nE1,Ana Lopez,Front desk\r\nE2,Ben Carter,\r\n"
    )
    ok(cli("staff", "import", str(roster)))
    with opened(ready):
        assert staff_rows() == [("Ana Lopez", "E1", "Front desk"), ("Ben Carter", "E2", None)]


def test_staff_import_bad_rows_reported_by_line_and_nothing_imported(cli, ready, tmp_path):
    ok(cli("staff", "add", "Zoe Ward", "--team", "Back office", "--code", "E9"))
    roster = write(
        tmp_path,
        "name,team,code\n"  # line 1
        "Ana Lopez,Front desk,E1\n"  # 2: good
        ",Front desk,E2\n"  # 3: empty name
        "\n"  # 4: blank, skipped but counted
        "Ben Carter,Front desk,E1\n"  # 5: code repeats line 2
        "Chloe Nguyen,Front desk,E3,extra\n"  # 6: too many values
        "Dev Patel,Contact centre,E9\n"  # 7: code already in the database
        "Elif Demir,Contact centre,E4\n",  # 8: good
    )
    before = counts(ready)

    result = cli("staff", "import", str(roster))

    no_traceback(result)
    assert result.exit_code == 1, (result.output, result.exception)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("Error:")]
    assert errors == [
        f"{roster}:3: the name is empty",
        f"{roster}:5: employee code E1 repeats line 2",
        f"{roster}:6: more values than columns in the header",
        f"{roster}:7: The employee code E9 is already used by Zoe Ward.",
    ]
    assert f"Error: {roster}: 4 bad row(s); nothing was imported" in result.stderr
    assert counts(ready) == before
    with opened(ready):
        assert staff_rows() == [("Zoe Ward", "E9", "Back office")]
        assert count(Team) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("team,code\nFront desk,E1\n", ":1: the header row must have a 'name' column"),
        ("", ":1: the header row must have a 'name' column"),
        ("name,team,email\nAna,Front desk,a@example.com\n", ":1: unknown column(s) email"),
        ("name,team,code\n", ":1: the file has no staff members after the header"),
        ("name,team,code\n\n,,\n", ":1: the file has no staff members after the header"),
        (b"name,team\nJos\xe9,Front desk\n", "cannot read it"),
    ],
    ids=["no-name-column", "empty-file", "unknown-column", "header-only", "blank-rows", "latin1"],
)
def test_staff_import_bad_file_fails_clearly(cli, ready, tmp_path, content, message):
    roster = write(tmp_path, content)
    result = cli("staff", "import", str(roster))
    fails_clearly(result, f"{roster}{message}" if message.startswith(":") else message)
    assert str(roster) in result.stderr
    assert counts(ready)["StaffMember"] == 0


def test_staff_import_missing_file(cli, ready, tmp_path):
    missing = tmp_path / "nope.csv"
    result = cli("staff", "import", str(missing))
    fails_clearly(result, f"{missing}: cannot read it")
    assert "No such file or directory" in result.stderr


def test_serve_on_a_port_already_in_use_says_so_and_how_to_choose_another(cli, ready, no_server):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    fails_clearly(result, f"port {port} on 127.0.0.1 is already in use")
    assert f"for example: auditapp serve --port {port + 1}" in result.output
    assert "`" not in result.output
    assert "running at" not in result.output
    assert no_server == []


def test_serve_on_an_address_that_does_not_exist_says_so(cli, ready, no_server):
    fails_clearly(cli("serve", "--host", "no-such-host.invalid"), "no such address")
    assert no_server == []
