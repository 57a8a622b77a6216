"""Hostile input over every form and URL: each gets a clear 4xx page and changes nothing.

The route walks read `app.url_map`, so a new route is covered as soon as it exists; a new
POST route fails `test_every_post_route_has_a_valid_post` until VALID_POSTS says what a
good post to it looks like (the hostile variants are built from that).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from types import SimpleNamespace
from typing import ClassVar
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import GOOD_ANSWERS, PASSWORD, form_data, text_of
from flask import g
from markupsafe import escape
from sqlalchemy import func, select
from test_access import EXPIRED, FORBIDDEN, ROLES, assert_forbidden, token_from
from test_calibration_workflow import new_form
from test_pdf import pdf_text
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.test import encode_multipart

from auditapp.extensions import db
from auditapp.models import Audit, StaffMember
from auditapp.services import jobs, plans, responses, users
from auditapp.services.audit_queries import AuditFilters
from auditapp.validators import MAX_ID, bad_character

NOT_FOUND = "Page not found"
PUBLIC = {"static", "bootstrap.static", "auth.login"}
METHODS = ("GET", "POST")


# ---------------------------------------------------------------------------------------
# Helpers: the whole database before and after, the app's routes
# ---------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows in every table of the schema."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def dump() -> dict[str, list[tuple]]:
    """Every row of every table: equal dumps mean nothing was added, changed or removed
    (updated_at and revision columns included). Logging in, which the tests do between
    requests, begins and ends logins, sets the login times and logs both: those are left
    out."""
    db.session.expire_all()
    return {
        table.name: sorted(
            tuple(repr(row[c.name]) for c in table.columns if c.name not in LOGIN_TIMES)
            for row in db.session.execute(table.select()).mappings()
            if row.get("action") not in LOGIN_ACTIONS
        )
        for table in db.metadata.sorted_tables
        if table.name != "logins"
    }


LOGIN_TIMES = {"last_login_at", "previous_login_at"}
LOGIN_ACTIONS = {"logged_in", "logged_out"}


def assert_clean_error(response, status: int, message: str | None = None) -> None:
    """The status asked for, on a page that says what went wrong, with no traceback."""
    page = text_of(response)
    assert response.status_code == status, f"{response.status_code}: {page[:300]}"
    assert "Traceback" not in response.get_data(as_text=True)
    assert f"Error {status}" in page or status in (400,), page[:300]
    if message:
        assert message in page, page[:300]


def routes(app, *, methods=METHODS):
    """(rule, method) for every route behind the login wall."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods & set(methods)):
            yield rule, method


def allowed_roles(app, endpoint: str) -> tuple[str, ...]:
    # Logging out is for anyone logged in.
    return getattr(app.view_functions[endpoint], "allowed_roles", ROLES)


def submitted_by_all(session, raters) -> None:
    """Every rater of a calibration session submits: it is in review."""
    from auditapp.services import audits, calibration_answers

    for n, rater in enumerate(raters):
        calibration_answers.save_answers(
            session,
            rater,
            token=f"all-{session.id}-{n}",
            interaction=audits.Interaction(channel="in_person", observed_at=datetime(2026, 1, 5)),
            entry=audits.Answers.clean(GOOD_ANSWERS, {}),
            submit=True,
        )


@pytest.fixture
def world(make_staff, make_user, make_audit, make_calibration):
    """Supervisor A's draft and submitted audits; B is another supervisor; the staff login
    is Oscar's, who has his own audit; Olga is another staff member. Calibration sessions
    set up by the trainer: one open that A rates, one in review awaiting its consensus, one
    in review with no reference (A and B rated both)."""
    olga = make_staff("Olga Other", team="Back office")
    oscar = make_staff("Oscar Own", team="Front desk")
    author = make_user("supervisor", email="author@example.com")
    staff_login = make_user("staff", email="oscar@example.com", staff=oscar)
    other_supervisor = make_user("supervisor", email="other@example.com")
    trainer = make_user("trainer", email="trainer@example.com")
    pair = [author, other_supervisor]
    calibration_open = make_calibration(raters=[author, trainer], by=trainer)
    calibration_consensus = make_calibration(raters=pair, by=trainer, reference_mode="consensus")
    calibration_review = make_calibration(raters=pair, by=trainer)
    submitted_by_all(calibration_consensus, pair)
    submitted_by_all(calibration_review, pair)
    plan = plans.create(
        plans.PlanInput(
            team_id=olga.team_id, checklist_id="counter-basics", audits_per_period=2, period="week"
        ),
        by=trainer,
    )
    return SimpleNamespace(
        plan=plan,
        calibration_open=calibration_open,
        calibration_consensus=calibration_consensus,
        calibration_review=calibration_review,
        olga=olga,
        oscar=oscar,
        author=author,
        other_supervisor=other_supervisor,
        trainer=trainer,
        admin=make_user("admin", email="admin@example.com"),
        staff_login=staff_login,
        bystander=make_user("trainer", email="bystander@example.com"),
        audit=make_audit(staff=olga, supervisor=author),
        own_audit=make_audit(staff=oscar, supervisor=author),
        draft=make_audit(staff=olga, supervisor=author, submit=False),
        undisputed=make_audit(staff=oscar, supervisor=author),
        disputed=responses.dispute(
            make_audit(staff=oscar, supervisor=author), staff_login, "That was not me"
        ),
    )


def user_for(world, role: str):
    return {
        "admin": world.admin,
        "supervisor": world.author,
        "trainer": world.trainer,
        "staff": world.staff_login,
    }[role]


def url_args(world, endpoint: str, rule) -> dict:
    """The ids a route's URL needs: records the role in VALID_POSTS may act on."""
    audit = {
        "audits.edit": world.draft,
        "responses.acknowledge": world.own_audit,
        "responses.dispute": world.undisputed,
        "responses.reject": world.disputed,
    }.get(endpoint, world.audit)
    values = {
        "audit_id": audit.id,
        "staff_id": world.olga.id,
        "team_id": world.olga.team_id,
        "user_id": world.bystander.id,
        "checklist_id": "counter-basics",
        "kind": "answers_csv",
        "job_id": 1,
        "plan_id": world.plan.id,
        "session_id": {
            "calibration.score": world.calibration_open,
            "calibration.consensus": world.calibration_consensus,
        }.get(endpoint, world.calibration_review).id,
    }
    return {name: values[name] for name in rule.arguments}


def build(app, world, rule, **query) -> str:
    url = app.url_map.bind("localhost").build(rule.endpoint, url_args(world, rule.endpoint, rule))
    extra = EXTRA_QUERY.get(rule.endpoint, {})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in {**extra, **query}.items()))


def PLAN_FORM(w):
    return {"team": str(w.olga.team_id), "checklist": "counter-basics", "period": "week"}


# A good post to each POST route, with the role that may send it and the status it gets.
# The hostile tests send the same posts with something wrong, so each starts from a post
# that would have changed something.
VALID_POSTS = {
    "audits.new": ("supervisor", lambda w: form_data()),
    "audits.edit": ("supervisor", lambda w: form_data(token=w.draft.form_token)),
    "audits.amend": ("supervisor", lambda w: form_data(reason="Wrong channel")),
    "responses.acknowledge": ("staff", lambda w: {"acknowledge": "1"}),
    "responses.dispute": ("staff", lambda w: {"comment": "Not me", "dispute": "1"}),
    "responses.reject": ("supervisor", lambda w: {"reason": "It was you", "reject": "1"}),
    "staff.index": ("admin", lambda w: {"name": "Nia New", "team_id": str(w.olga.team_id)}),
    "staff.edit": (
        "admin",
        lambda w: {"name": "Olga Renamed", "team_id": str(w.olga.team_id), "active": "y"},
    ),
    "staff.import_roster": ("admin", lambda w: {"roster": "name,team\nNia New,Ops\n"}),
    "teams.index": ("admin", lambda w: {"name": "Night shift"}),
    "teams.edit": ("admin", lambda w: {"name": "Back room"}),
    "users.index": (
        "admin",
        lambda w: {
            "name": "Una User",
            "email": "una@example.com",
            "role": "trainer",
            "staff_member_id": "0",
            "password": "long enough pw",
        },
    ),
    "users.password": ("admin", lambda w: {"password": "another long pw"}),
    "users.toggle_active": ("admin", lambda w: {}),
    "users.role": ("admin", lambda w: {"role": "supervisor"}),
    "account.password": (
        "trainer",
        lambda w: {
            "current_password": PASSWORD,
            "password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    ),
    "account.logout_everywhere": ("trainer", lambda w: {}),
    "account.email": ("trainer", lambda w: {"kinds": "weekly_digest"}),
    "mail_log.defaults": ("admin", lambda w: {"kinds": "weekly_digest"}),
    "coaching.new": (
        "trainer",
        lambda w: {"note": "Greet first", "follow_up_on": "2030-01-01", "item_ids": "greeted"},
    ),
    "auth.logout": ("admin", lambda w: {}),
    "calibration.new": (
        "trainer",
        lambda w: new_form([w.author, w.other_supervisor]),
    ),
    "calibration.score": ("supervisor", lambda w: form_data(token="calibration-score")),
    "calibration.consensus": ("trainer", lambda w: form_data(token="calibration-consensus")),
    "calibration.close": ("trainer", lambda w: {}),
    "jobs.print_audits": ("trainer", lambda w: {"result": "passed"}),
    "plans.new": ("trainer", lambda w: {**PLAN_FORM(w), "audits_per_period": "3"}),
    "plans.edit": ("trainer", lambda w: {**PLAN_FORM(w), "audits_per_period": "4"}),
    "plans.end": ("trainer", lambda w: {}),
    "jobs.export": ("trainer", lambda w: {"result": "passed"}),
}
# Endpoints that take JSON, not a form: the same hostile cases (roles, CSRF, size, bad
# values) are in the file named, in the shape a JSON client sends them.
JSON_POSTS = {"offline.send": "tests/test_offline.py"}
EXTRA_QUERY = {
    "audits.new": {"staff": "{olga}", "checklist": "counter-basics"},
    "coaching.new": {"checklist": "counter-basics"},
}


def post_url(app, world, rule) -> str:
    url = build(app, world, rule)
    return url.format(olga=world.olga.id).rstrip("?")


def valid_post(world, endpoint: str):
    if endpoint in JSON_POSTS:
        return "supervisor", None  # no body: refused on role alone, or the endpoint's 400
    role, data = VALID_POSTS[endpoint]
    return role, data(world)


def login(client, user) -> None:
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)


def post_routes(app):
    """The routes that take a form (JSON_POSTS are tested in their own files)."""
    return [r for r, _ in routes(app, methods=("POST",)) if r.endpoint not in JSON_POSTS]


# ---------------------------------------------------------------------------------------
# 0. The valid posts really change something (so refusing them below means something)
# ---------------------------------------------------------------------------------------


def test_every_post_route_has_a_valid_post(app):
    missing = [r.endpoint for r in post_routes(app) if r.endpoint not in VALID_POSTS]
    assert not missing, "add these to VALID_POSTS in tests/test_hostile.py: " + ", ".join(missing)


def test_the_valid_posts_change_the_database(app, client, world):
    for rule in post_routes(app):
        if rule.endpoint == "auth.logout":
            continue
        role, data = valid_post(world, rule.endpoint)
        login(client, user_for(world, role))
        before = dump()
        response = client.post(post_url(app, world, rule), data=data)
        assert response.status_code == 302, f"{rule.endpoint}: {text_of(response)[:400]}"
        assert dump() != before, rule.endpoint
        if rule.endpoint == "account.password":  # the later posts log in with the old one
            users.reset_password(user_for(world, role), PASSWORD)


# ---------------------------------------------------------------------------------------
# 1. Ids in the URL: missing, out of range, not numbers, other people's
# ---------------------------------------------------------------------------------------


def int_args(rule) -> list[str]:
    return [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]


def id_routes(app):
    return [(rule, method) for rule, method in routes(app) if int_args(rule)]


def with_ids(app, world, rule, value: str) -> str:
    """The route's URL with every int argument replaced by `value` (other args as usual)."""
    sentinel = 424242
    args = {**url_args(world, rule.endpoint, rule), **dict.fromkeys(int_args(rule), sentinel)}
    url = app.url_map.bind("localhost").build(rule.endpoint, args)
    return url.replace(str(sentinel), value)


@pytest.mark.parametrize("value", ["999999", str(MAX_ID), str(MAX_ID + 1), "9" * 20])
def test_ids_that_name_no_record_give_404_and_change_nothing(app, client, world, value):
    before = dump()
    failures = []
    checked = 0
    for rule, method in id_routes(app):
        role = VALID_POSTS.get(rule.endpoint, (allowed_roles(app, rule.endpoint)[0],))[0]
        login(client, user_for(world, role))
        data = valid_post(world, rule.endpoint)[1] if method == "POST" else None
        response = client.open(with_ids(app, world, rule, value), method=method, data=data)
        checked += 1
        if response.status_code != 404 or NOT_FOUND not in text_of(response):
            failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert not failures, failures
    assert checked >= 20
    assert dump() == before


@pytest.mark.parametrize("value", ["-1", "0", "1e3", "abc", "1.5", "0x1F", "%00", "%ff"])
def test_ids_that_are_not_positive_whole_numbers_give_404(app, client, world, value):
    login(client, world.admin)
    before = dump()
    failures = []
    for rule, method in id_routes(app):
        response = client.open(with_ids(app, world, rule, value), method=method)
        if response.status_code != 404 or NOT_FOUND not in text_of(response):
            failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert not failures, failures
    assert dump() == before


def test_a_source_audit_id_in_the_query_that_names_nothing_gives_404(app, client, world):
    login(client, world.trainer)
    for value in ("999999", "9" * 20, "-5"):
        response = client.get(f"/staff/{world.olga.id}/coaching/new?audit={value}")
        assert_clean_error(response, 404, NOT_FOUND)


def audit_routes(app):
    return [(r, m) for r, m in routes(app) if "audit_id" in r.arguments]


@pytest.mark.parametrize("reader", ["other supervisor", "trainer", "admin", "staff"])
def test_a_draft_is_refused_on_every_audit_url_to_all_but_its_author(app, client, world, reader):
    user = {
        "other supervisor": world.other_supervisor,
        "trainer": world.trainer,
        "admin": world.admin,
        "staff": world.staff_login,
    }[reader]
    login(client, user)
    before = dump()
    failures = []
    for rule, method in audit_routes(app):
        url = app.url_map.bind("localhost").build(rule.endpoint, {"audit_id": world.draft.id})
        data = valid_post(world, rule.endpoint)[1] if method == "POST" else None
        response = client.open(url, method=method, data=data)
        if response.status_code != 403 or FORBIDDEN not in text_of(response):
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, failures
    assert dump() == before


def test_staff_are_refused_every_url_about_someone_else(app, client, world):
    """Olga's audit and page, with Oscar's staff login, on every route staff may use."""
    login(client, world.staff_login)
    before = dump()
    failures = []
    checked = 0
    for rule, method in routes(app):
        if "staff" not in allowed_roles(app, rule.endpoint):
            continue
        if not {"audit_id", "staff_id"} & set(rule.arguments):
            continue
        args = {"audit_id": world.audit.id, "staff_id": world.olga.id}
        url = app.url_map.bind("localhost").build(
            rule.endpoint, {k: v for k, v in args.items() if k in rule.arguments}
        )
        data = valid_post(world, rule.endpoint)[1] if method == "POST" else None
        response = client.open(url, method=method, data=data)
        checked += 1
        if response.status_code != 403 or FORBIDDEN not in text_of(response):
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, failures
    assert checked >= 6
    assert dump() == before


@pytest.mark.parametrize("role", ROLES)
def test_roles_are_refused_every_url_not_theirs_and_nothing_changes(app, client, world, role):
    """A staff login on every supervisor/trainer/admin URL, and so on for each role; the
    POSTs carry a good form, so a missed role check would change the database."""
    login(client, user_for(world, role))
    before = dump()
    failures = []
    for rule, method in routes(app):
        if role in allowed_roles(app, rule.endpoint):
            continue
        data = valid_post(world, rule.endpoint)[1] if method == "POST" else None
        url = post_url(app, world, rule)
        response = client.open(url, method=method, data=data)
        if response.status_code != 403:
            failures.append(f"{method} {url}: {response.status_code}")
        else:
            assert_forbidden(response)
    assert not failures, failures
    assert dump() == before


# ---------------------------------------------------------------------------------------
# 2. Query strings on every page that reads one
# ---------------------------------------------------------------------------------------

HOSTILE_VALUES = (
    "-1",
    "0",
    "999999999999",
    "9" * 30,
    "abc",
    "1e3",
    "2026-13-45",
    "%00",
    "%ff%fe",
    "%3Cscript%3E",
    "a" * 3000,
    # Boundary dates, a signalling NaN, other digits (tests/test_hostile_inputs.py has more).
    "9999-12-31",
    "0001-01-01",
    "sNaN",
    "١٢",
)
REPEATED = {"abc", "9" * 30, "%00"}  # also given after a good value of the same name


def get_routes(app):
    return [rule for rule, _ in routes(app, methods=("GET",))]


class TrackingArgs(ImmutableMultiDict):
    """Query arguments that note which names the view asked for."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def params_read(app, client, url: str) -> set[str]:
    """The query arguments a page looks at (asked with one dummy argument present)."""
    TrackingArgs.read = set()
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}_=1")
    response.close()
    return TrackingArgs.read - {"_"}


def test_hostile_query_strings_never_give_a_server_error(app, client, world):
    """Every hostile value in every argument each page reads, given once and twice: a page
    (200), a clear 400 or a 404; never a 500."""
    app.request_class = type(
        "Tracking", (app.request_class,), {"parameter_storage_class": TrackingArgs}
    )
    failures = []
    tried = 0
    for rule in get_routes(app):
        login(client, user_for(world, allowed_roles(app, rule.endpoint)[0]))
        base = post_url(app, world, rule)
        joiner = "&" if "?" in base else "?"
        for param in sorted(params_read(app, client, base)):
            for value in HOSTILE_VALUES:
                repeated = [f"{param}=1&{param}={value}"] if value in REPEATED else []
                for query in (f"{param}={value}", *repeated):
                    response = client.get(f"{base}{joiner}{query}")
                    body = response.get_data()
                    response.close()
                    tried += 1
                    if response.status_code not in (200, 302, 400, 404) or (
                        response.status_code >= 400 and b"Traceback" in body
                    ):
                        failures.append(f"{rule.rule}?{query[:40]}: {response.status_code}")
    assert not failures, failures
    assert tried > 300


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("date_from=2026-13-45", 400, "Not a valid date value."),
        ("date_from=2026-11-10&date_to=2026-11-01", 400, "The end date is before the start date."),
        ("staff=abc", 400, "Invalid Choice: could not coerce."),
        ("team=999999", 400, "Not a valid choice."),
        ("checklist=no-such-list", 400, "Not a valid choice."),
        ("page=-1", 404, NOT_FOUND),
        ("page=999999999999", 404, NOT_FOUND),
        ("page=99999999999999999999999", 404, NOT_FOUND),
    ],
)
@pytest.mark.parametrize("path", ["/audits", "/audits/export.csv"])
def test_audit_list_filters_say_what_is_wrong(app, client, world, path, query, status, message):
    login(client, world.author)
    if path != "/audits" and query.startswith("page"):
        return  # exports have no pages
    response = client.get(f"{path}?{query}")
    assert_clean_error(response, status, message)


@pytest.mark.parametrize(
    ("path", "start", "end"),
    [
        ("/insights", "date_from", "date_to"),
        ("/teams/{team}", "date_from", "date_to"),
        ("/teams/{team}/report.pdf", "date_from", "date_to"),
        ("/staff/{staff}", "from", "to"),
        ("/staff/{staff}/report.pdf", "from", "to"),
    ],
)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{start}=2026-13-45", "Not a valid date value."),
        ("{start}=2026-11-10&{end}=2026-11-01", "The end date is before the start date."),
    ],
)
def test_period_filters_say_what_is_wrong(app, client, world, path, start, end, query, message):
    login(client, world.trainer)
    url = path.format(team=world.olga.team_id, staff=world.olga.id)
    response = client.get(f"{url}?{query.format(start=start, end=end)}")
    assert response.status_code == 400, text_of(response)[:300]
    assert message in text_of(response)


# ---------------------------------------------------------------------------------------
# 3. Free text: too long, control characters, text that is not UTF-8, ordinary Unicode
# ---------------------------------------------------------------------------------------

# Every free-text field of every form, with its limit.
TEXT_FIELDS = {
    "audits.new": {"notes": 5000, "comment_greeted": 2000, "token": 64},
    "audits.edit": {"notes": 5000, "comment_greeted": 2000},
    "audits.amend": {"notes": 5000, "comment_greeted": 2000, "reason": 2000},
    "responses.dispute": {"comment": 2000},
    "responses.reject": {"reason": 2000},
    "staff.index": {"name": 120, "code": 40},
    "staff.edit": {"name": 120, "code": 40},
    "teams.index": {"name": 120},
    "teams.edit": {"name": 120},
    "users.index": {"name": 120, "email": 254},
    "coaching.new": {"note": 2000},
    "calibration.new": {"title": 200, "material_text": 50_000},
    "calibration.score": {"notes": 5000, "comment_greeted": 2000},
    "calibration.consensus": {"notes": 5000, "comment_greeted": 2000},
}
TEXT_CASES = [(e, f) for e, fields in TEXT_FIELDS.items() for f in fields]
# The address check speaks first for an email; the hidden token has no place to show one.
UNSHOWN = {"email", "token"}
CONTROL = {
    "nul": "a\x00b",
    "bell": "a\x07b",
    "escape": "a\x1b[31mb",
    "delete": "a\x7fb",
    "c1": "a\x85b",
    "right-to-left-override": "safe\u202etxt.exe",
}


def send(app, client, world, endpoint: str, **fields):
    role, data = valid_post(world, endpoint)
    login(client, user_for(world, role))
    rule = next(r for r in post_routes(app) if r.endpoint == endpoint)
    return client.post(post_url(app, world, rule), data={**data, **fields})


def test_every_form_with_free_text_is_listed(app):
    forms_with_text = {e for e in VALID_POSTS if e not in TEXT_FIELDS}
    assert forms_with_text == {
        "responses.acknowledge",
        "users.password",
        "users.toggle_active",
        "users.role",  # a choice, not text
        "auth.logout",
        "account.logout_everywhere",
        "account.password",  # passwords: any character may be part of one
        "staff.import_roster",  # checked row by row, below
        "calibration.close",
        "plans.new",  # choices and a number
        "plans.edit",
        "plans.end",
        "jobs.print_audits",  # the /audits filters: choices and dates
        "jobs.export",
        "account.email",  # choices, not text
        "mail_log.defaults",
    }


@pytest.mark.parametrize(("endpoint", "field"), TEXT_CASES)
@pytest.mark.parametrize("extra", [1, 100_000], ids=["one-over", "100k"])
def test_text_over_its_limit_is_refused_next_to_the_field(
    app, client, world, endpoint, field, extra
):
    limit = TEXT_FIELDS[endpoint][field]
    before = dump()
    response = send(app, client, world, endpoint, **{field: "x" * (limit + extra)})
    assert response.status_code == 400, text_of(response)[:300]
    if field not in UNSHOWN:
        assert f"cannot be longer than {limit} characters" in text_of(response)
    assert dump() == before


@pytest.mark.parametrize(("endpoint", "field"), TEXT_CASES)
@pytest.mark.parametrize("value", CONTROL.values(), ids=CONTROL.keys())
def test_control_characters_are_refused_next_to_the_field(
    app, client, world, endpoint, field, value
):
    before = dump()
    response = send(app, client, world, endpoint, **{field: value})
    assert response.status_code == 400, text_of(response)[:300]
    page = text_of(response)
    if field not in UNSHOWN:
        assert "control character" in page, page[:500]
    assert dump() == before


@pytest.mark.parametrize(("endpoint", "field"), TEXT_CASES)
def test_text_that_is_not_utf8_is_refused(app, client, world, endpoint, field):
    role, data = valid_post(world, endpoint)
    login(client, user_for(world, role))
    rule = next(r for r in post_routes(app) if r.endpoint == endpoint)
    data.pop(field, None)
    body = urlencode(data, doseq=True) + f"&{field}=ab%ff%fe"
    before = dump()
    response = client.post(
        post_url(app, world, rule), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400, text_of(response)[:300]
    if field not in UNSHOWN:
        assert "could not be read" in text_of(response)
    assert dump() == before


UNICODE_NAMES = {
    "accents": "Zoë Ångström-Núñez",
    "arabic": "محمد الأحمد",
    "emoji-zwj": "Family 👩\u200d👩\u200d👧",
    "combining": "Rene\u0301e Z\u0324\u0308\u0342\u0301\u0300\u0306\u0311",
    "cjk": "山田 花子",
    "markup": '<b>Bold</b> & "quoted"',
}


@pytest.mark.parametrize("name", UNICODE_NAMES.values(), ids=UNICODE_NAMES.keys())
def test_ordinary_unicode_is_stored_and_shown_escaped(app, client, world, name):
    response = send(app, client, world, "staff.index", name=name)
    assert response.status_code == 302, text_of(response)[:300]
    stored = db.session.scalar(select(StaffMember).where(StaffMember.name == name))
    assert stored is not None
    page = client.get(f"/staff/{stored.id}")
    assert page.status_code == 200
    assert escape(name) in page.get_data(as_text=True)


def test_tabs_and_line_breaks_in_a_comment_are_kept(app, client, world):
    comment = "First line\twith a tab\r\nSecond line, 日本語 👍"
    response = send(app, client, world, "audits.new", comment_greeted=comment, token="tok-u")
    assert response.status_code == 302, text_of(response)[:300]
    audit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Second line, 日本語 👍" in page


@pytest.mark.parametrize("value", CONTROL.values(), ids=CONTROL.keys())
def test_a_roster_row_with_a_control_character_names_its_line(app, client, world, value):
    before = dump()
    roster = f"name,team,code\nGood Person,Ops,\n{value},Ops,\n"
    response = send(app, client, world, "staff.import_roster", roster=roster)
    assert response.status_code == 400, text_of(response)[:300]
    assert "line 3: the name contains a" in text_of(response)
    assert dump() == before


def test_the_cli_import_names_the_file_and_line_of_a_control_character(
    app, world, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from auditapp.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text("name,team,code\nGood Person,Ops,\nBad\x00Person,Ops,\nOk,Ops\x1b,\n")
    monkeypatch.setenv("AUDITAPP_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", app.config["CHECKLISTS_DIR"])
    before = dump()
    result = CliRunner().invoke(main, ["staff", "import", str(roster)])
    assert result.exit_code == 1, result.output
    assert f"{roster}:3: the name contains a control character (U+0000)" in result.output
    assert f"{roster}:4: the team contains a control character (U+001B)" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["staff", "add", "Bad\x07Name", "--team", "Ops"])
    assert result.exit_code == 1
    assert "The name contains a control character (U+0007)" in result.output
    assert dump() == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("plain", None),
        ("tab\tnew\nline\r", None),
        ("👩\u200d👩\u200d👧 e\u0301 محمد", None),
        ("\x00", "contains a control character (U+0000)"),
        ("\x9f", "contains a control character (U+009F)"),
        ("\u2066isolate", "contains a text-direction control character (U+2066)"),
        ("\ud800", "could not be read"),
        ("\ufffd", "could not be read"),
    ],
)
def test_bad_character(text, reason):
    found = bad_character(text)
    assert (found is None) if reason is None else (reason in found)


def test_the_login_form_refuses_a_nul_in_the_email(app, client, world):
    """PostgreSQL refuses NUL in a query parameter: the form must stop it first."""
    response = client.post("/login", data={"email": "admin@example.com\x00", "password": "x"})
    assert response.status_code in (400, 401), text_of(response)[:300]
    assert "control character" in text_of(response)


# ---------------------------------------------------------------------------------------
# 4. Production settings: CSRF tokens required, request size limited
# ---------------------------------------------------------------------------------------


def production(app) -> None:
    """Turn CSRF on, as it is outside the tests (read by Flask-WTF on every request)."""
    app.config["WTF_CSRF_ENABLED"] = True


def csrf_login(client, user) -> None:
    # The tests' app context (and so flask.g) outlives requests: forget the last login.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    token = token_from(client.get("/login"))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, text_of(response)[:300]


@pytest.mark.parametrize("token", [None, "", "not-a-token", "IjEi.wrong.signature"])
def test_posts_without_a_good_csrf_token_are_refused_and_change_nothing(app, world, token):
    production(app)
    failures = []
    for rule in post_routes(app):
        role, data = valid_post(world, rule.endpoint)
        client = app.test_client()
        csrf_login(client, user_for(world, role))
        if token is not None:
            data = {**data, "csrf_token": token}
        before = dump()
        response = client.post(post_url(app, world, rule), data=data)
        page = text_of(response)
        if response.status_code != 400 or EXPIRED not in page:
            failures.append(f"{rule.endpoint}: {response.status_code} {page[:80]}")
        assert dump() == before, rule.endpoint
    assert not failures, failures


def test_a_login_without_a_csrf_token_is_refused(app, world):
    production(app)
    client = app.test_client()
    response = client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    assert_clean_error(response, 400, EXPIRED)


TOO_BIG = 2 * 1024 * 1024 + 1


@pytest.mark.parametrize("how", ["field", "file"])
def test_posts_over_the_size_limit_get_413_and_change_nothing(app, world, how):
    production(app)
    # The calibration upload page alone takes a larger request: its limit, made small here.
    app.config["CALIBRATION_UPLOAD_MAX_MB"] = 0.5
    failures = []
    rules = [*post_routes(app), app.url_map._rules_by_endpoint["auth.login"][0]]
    for rule in rules:
        client = app.test_client()
        if rule.endpoint == "auth.login":
            role, data = "admin", {"email": world.admin.email, "password": PASSWORD}
        else:
            role, data = valid_post(world, rule.endpoint)
            csrf_login(client, user_for(world, role))
        if how == "field":
            body, content_type = urlencode({**data, "padding": "x" * TOO_BIG}, doseq=True), None
        else:
            files = {**data, "upload": FileStorage(io.BytesIO(b"x" * TOO_BIG), "big.csv")}
            boundary, body = encode_multipart(MultiDict(files))
            content_type = f"multipart/form-data; boundary={boundary}"
        before = dump()
        response = client.post(
            post_url(app, world, rule),
            data=body,
            content_type=content_type or "application/x-www-form-urlencoded",
        )
        page = text_of(response)
        if response.status_code != 413 or "Too much data" not in page:
            failures.append(f"{rule.endpoint}: {response.status_code} {page[:80]}")
        assert dump() == before, rule.endpoint
    assert not failures, failures


def test_text_not_sent_as_utf8_is_refused_with_csrf_on(app, world):
    """The check reads the raw body before CSRFProtect parses it."""
    production(app)
    client = app.test_client()
    csrf_login(client, world.admin)
    token = token_from(client.get("/teams"))
    before = dump()
    response = client.post(
        "/teams",
        data=f"csrf_token={token}&name=Caf%e9",
        content_type="application/x-www-form-urlencoded",
    )
    assert_clean_error(response, 400, "could not be read")
    assert dump() == before
    response = client.post("/teams", data={"csrf_token": token, "name": "Café"})
    assert response.status_code == 302, text_of(response)[:300]


# ---------------------------------------------------------------------------------------
# 5. Markup and formulas in names and comments: shown as text everywhere
# ---------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("https://evil.example","x")'


@pytest.fixture
def hostile_world(world, make_staff, make_audit, make_calibration):
    """Records whose names and comments are markup and a spreadsheet formula."""
    from auditapp.services import users

    staff = make_staff(SCRIPT, team=ATTRIBUTE)
    audit = make_audit(
        staff=staff,
        supervisor=world.author,
        answers={**GOOD_ANSWERS, "greeted": "no"},
    )
    db.session.execute(
        Audit.__table__.update().where(Audit.id == audit.id).values(notes=f"{SCRIPT} {FORMULA}")
    )
    users.create_user("x@example.com", ATTRIBUTE, "trainer", PASSWORD)
    db.session.commit()
    world.hostile_staff, world.hostile_audit = staff, audit
    pair = [world.author, world.other_supervisor]
    world.hostile_calibration = make_calibration(
        raters=pair, by=world.trainer, title=SCRIPT, material_text=f"{ATTRIBUTE} {SCRIPT}"
    )
    submitted_by_all(world.hostile_calibration, pair)
    return world


def test_markup_in_names_and_notes_is_escaped_on_every_page(app, client, hostile_world):
    w = hostile_world
    failures = []
    pages = 0
    for role in ("admin", "supervisor", "trainer"):
        login(client, user_for(w, role))
        # A job of their own, whose filters name the staff member: its page repeats them.
        job = jobs.request_pdf(user_for(w, role), AuditFilters(), f"Staff member: {SCRIPT}")
        for rule in get_routes(app):
            if role not in allowed_roles(app, rule.endpoint):
                continue
            args = {
                "audit_id": w.hostile_audit.id,
                "staff_id": w.hostile_staff.id,
                "team_id": w.hostile_staff.team_id,
                "user_id": w.bystander.id,
                "checklist_id": "counter-basics",
                "session_id": w.hostile_calibration.id,
                "job_id": job.id,
                "plan_id": w.plan.id,
            }
            url = app.url_map.bind("localhost").build(
                rule.endpoint, {k: v for k, v in args.items() if k in rule.arguments}
            )
            response = client.get(url)
            body = response.get_data()
            response.close()
            if response.mimetype != "text/html":
                continue
            pages += 1
            html = body.decode()
            for raw in (SCRIPT, "<img src=x"):
                if raw in html:
                    failures.append(f"{role} {url}: {raw}")
    assert not failures, failures
    assert pages >= 20
    login(client, w.admin)
    staff_page = client.get(f"/staff/{w.hostile_staff.id}").get_data(as_text=True)
    assert str(escape(SCRIPT)) in staff_page


def test_markup_is_plain_text_in_pdfs(app, client, hostile_world):
    login(client, hostile_world.author)
    response = client.get(f"/audits/{hostile_world.hostile_audit.id}.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data))
    assert SCRIPT in text
    assert '"><img src=x onerror=alert(1)>' in text


def test_formulas_are_defused_and_markup_kept_as_text_in_csv(app, client, hostile_world):
    login(client, hostile_world.author)
    response = client.get("/audits/export.csv")
    assert response.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for c in row]
    assert SCRIPT in cells
    assert not any(c.startswith(("=", "+", "-", "@")) and "HYPERLINK" in c for c in cells)
    assert any(c.startswith(("'=", f"{SCRIPT} =")) for c in cells if "HYPERLINK" in c)


# ---------------------------------------------------------------------------------------
# 6. Redirects stay on this site; wrong methods get a page saying so
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "http:/evil.example",
        " //evil.example",
        "\t//evil.example",
        "/%2F%2Fevil.example",
        "%2F%2Fevil.example",
        "///evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_login_next_never_leaves_the_site(app, client, world, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": world.admin.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "", location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location.replace("%2F", "/").split("/")[1:2], location


def test_wrong_methods_get_a_405_page(app, client, world):
    login(client, world.admin)
    before = dump()
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in {"static", "bootstrap.static"}:
            continue
        url = post_url(app, world, rule)
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - rule.methods:
            response = client.open(url, method=method)
            if response.status_code != 405 or "Not allowed" not in text_of(response):
                failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert not failures, failures
    assert dump() == before
