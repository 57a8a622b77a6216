"""Who may open what: logging in and out, the login wall, the role table, private audits,
error pages and CSRF.

The role table (`PAGES`) names every route of the app with the status each role gets;
`test_every_route_is_in_the_role_table` fails when a route is added without a row, so
that nobody adds a page without deciding who may open it.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, running_app, text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Team, User
from auditapp.services import jobs, users
from auditapp.services.audit_queries import AuditFilters

ROLES = ("admin", "supervisor", "trainer", "staff")
WRONG_LOGIN = "Wrong email or password."
FORBIDDEN = "You cannot open this page"

# Endpoints outside the role table: the login page and static files are public, and
# logging out is covered by the login tests.
PUBLIC = {"static", "bootstrap.static", "auth.login"}
NOT_IN_ROLE_TABLE = PUBLIC | {"auth.logout"}


def assert_forbidden(response) -> None:
    assert response.status_code == 403, text_of(response)
    assert FORBIDDEN in text_of(response)
    assert "Traceback" not in response.get_data(as_text=True)


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"].startswith("/login")


def audit_link(audit_id: int) -> str:
    return f'href="/audits/{audit_id}"'


# ---------------------------------------------------------------------------------------
# 1. Logging in and out
# ---------------------------------------------------------------------------------------


def test_login_page_renders_without_a_login(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log in" in text_of(response)


def test_good_login_redirects_home_and_the_session_reaches_pages(client, make_user):
    user = make_user("supervisor", email="sam@example.com")
    response = client.post("/login", data={"email": "sam@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.name in text_of(home)
    assert client.get("/audits").status_code == 200


def test_email_is_matched_case_insensitively(client, make_user):
    make_user("trainer", email="tia@example.com")
    response = client.post("/login", data={"email": " TIA@Example.com ", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    make_user("supervisor", email="sam@example.com")
    wrong_password = client.post(
        "/login", data={"email": "sam@example.com", "password": "not the password"}
    )
    unknown_email = client.post(
        "/login", data={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown_email.status_code
    assert wrong_password.status_code in (400, 401)
    assert WRONG_LOGIN in text_of(wrong_password)
    assert WRONG_LOGIN in text_of(unknown_email)
    assert_sent_to_login(client.get("/audits"))


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user("supervisor", email="gone@example.com")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": "gone@example.com", "password": PASSWORD})
    assert response.status_code != 302
    assert WRONG_LOGIN in text_of(response)
    assert_sent_to_login(client.get("/audits"))


def test_deactivating_a_user_ends_their_open_session(client, login, make_user):
    user = login(make_user("supervisor"))
    assert client.get("/audits").status_code == 200
    user.active = False
    db.session.commit()
    assert_sent_to_login(client.get("/audits"))


def test_logout_is_post_only(client, login_as):
    login_as("trainer")
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/audits").status_code == 200, "a GET must not log anyone out"


def test_after_logout_pages_redirect_to_login(client, login_as):
    login_as("admin")
    response = client.post("/logout")
    assert_sent_to_login(response)
    for url in ("/", "/audits", "/users"):
        assert_sent_to_login(client.get(url))


def test_login_honours_a_same_site_next(client, make_user):
    make_user("trainer", email="tia@example.com")
    response = client.post(
        "/login",
        query_string={"next": "/audits"},
        data={"email": "tia@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/audits"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "javascript:alert(1)"],
    ids=["absolute-url", "scheme-relative", "javascript"],
)
def test_login_refuses_an_off_site_next(client, make_user, target):
    make_user("trainer", email="tia@example.com")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "tia@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_with_a_backslash_stays_on_this_site(client, make_user):
    """Browsers read `/\\host` as `//host`; the redirect must not leave the site."""
    make_user("trainer", email="tia@example.com")
    response = client.post(
        "/login",
        query_string={"next": "/\\evil.example"},
        data={"email": "tia@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert urlsplit(location).netloc == ""


# ---------------------------------------------------------------------------------------
# 2. The login wall
# ---------------------------------------------------------------------------------------


def test_every_page_but_login_needs_a_login(app, client, make_staff, make_user, make_audit):
    staff = make_staff("Ana Lopez", team="Front desk")
    user = make_user("trainer")
    audit = make_audit(staff=staff)
    values = {
        "audit_id": audit.id,
        "staff_id": staff.id,
        "team_id": staff.team_id,
        "user_id": user.id,
        "checklist_id": "counter-basics",
        "session_id": 1,
        "kind": "audits_csv",
        "job_id": 1,
        "plan_id": 1,
    }
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url}: {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), f"{method} {url}"
        checked.append(rule.endpoint)
    assert len(checked) >= 17, checked  # the walk really visited the app's pages


# ---------------------------------------------------------------------------------------
# 3. Roles x pages
# ---------------------------------------------------------------------------------------

ALL = dict.fromkeys(ROLES, 200)
READERS_ONLY = {"admin": 200, "supervisor": 200, "trainer": 200, "staff": 403}
MANAGERS_ONLY = {"admin": 200, "supervisor": 200, "trainer": 403, "staff": 403}
SUPERVISOR_ONLY = {"admin": 403, "supervisor": 200, "trainer": 403, "staff": 403}
TRAINER_ONLY = {"admin": 403, "supervisor": 403, "trainer": 200, "staff": 403}
ADMIN_ONLY = {"admin": 200, "supervisor": 403, "trainer": 403, "staff": 403}
PLANNERS_ONLY = {"admin": 200, "supervisor": 403, "trainer": 200, "staff": 403}


def allowed(roles: dict[str, int], status: int) -> dict[str, int]:
    """The same roles, with `status` for those let in (a POST's form error, a redirect)."""
    return {role: status if code == 200 else code for role, code in roles.items()}


# (method, url template, status per role). Placeholders: {audit} a submitted audit of
# {staff}, another person; {own} the staff member linked to the staff login, with the
# submitted audit {own_audit}; {draft} a draft by the logged-in supervisor (by another
# supervisor for the other roles); {team} a team; {user} a user who is not logged in.
# POSTs carry no form data: a role that may use the page gets the form's 400, which
# shows it passed the role check while nothing changed.
PAGES = [
    ("GET", "/", {**ALL, "staff": 302}),  # staff go straight to their audits
    ("GET", "/audits", ALL),
    ("GET", "/audits/{audit}", {**ALL, "staff": 403}),
    ("GET", "/audits/{audit}/history", {**ALL, "staff": 403}),
    ("GET", "/audits/{own_audit}", ALL),
    ("GET", "/audits/new", SUPERVISOR_ONLY),
    ("POST", "/audits/new", SUPERVISOR_ONLY),  # no staff/checklist chosen: the start page
    ("GET", "/audits/{draft}/edit", SUPERVISOR_ONLY),
    ("POST", "/audits/{draft}/edit", allowed(SUPERVISOR_ONLY, 400)),
    ("GET", "/audits/{audit}/edit", allowed(SUPERVISOR_ONLY, 302)),  # submitted: to the audit
    ("GET", "/audits/{audit}/amend", SUPERVISOR_ONLY),
    ("POST", "/audits/{audit}/amend", allowed(SUPERVISOR_ONLY, 400)),
    ("GET", "/staff", READERS_ONLY),
    ("POST", "/staff", allowed(MANAGERS_ONLY, 400)),  # trainers read but do not add
    ("GET", "/staff/{own}", {**ALL}),
    ("GET", "/staff/{staff}", {**ALL, "staff": 403}),
    ("GET", "/staff/{staff}/edit", MANAGERS_ONLY),
    ("POST", "/staff/{staff}/edit", allowed(MANAGERS_ONLY, 400)),
    ("POST", "/staff/import", allowed(MANAGERS_ONLY, 400)),
    ("GET", "/teams", READERS_ONLY),
    ("POST", "/teams", allowed(MANAGERS_ONLY, 400)),
    ("GET", "/teams/{team}/edit", MANAGERS_ONLY),
    ("POST", "/teams/{team}/edit", allowed(MANAGERS_ONLY, 400)),
    ("GET", "/users", ADMIN_ONLY),
    ("POST", "/users", allowed(ADMIN_ONLY, 400)),
    ("GET", "/users/{user}/password", ADMIN_ONLY),
    ("POST", "/users/{user}/password", allowed(ADMIN_ONLY, 400)),
    ("POST", "/users/{user}/active", allowed(ADMIN_ONLY, 302)),
    ("POST", "/users/{user}/role", allowed(ADMIN_ONLY, 400)),  # no role chosen
    # -- one's own account: every role --
    ("GET", "/account", ALL),
    ("POST", "/account/password", allowed(ALL, 400)),
    ("POST", "/account/logout-everywhere", allowed(ALL, 302)),
    ("POST", "/account/email", allowed(ALL, 302)),  # nothing ticked: every kind off
    ("GET", "/checklists", READERS_ONLY),
    ("GET", "/checklists/counter-basics", READERS_ONLY),
    # Every download is checked exactly like its page.
    ("GET", "/audits/{audit}.pdf", {**ALL, "staff": 403}),
    ("GET", "/audits/{own_audit}.pdf", ALL),
    ("GET", "/audits/{draft}.pdf", SUPERVISOR_ONLY),  # drafts: only their author
    # Each role prints only what its /audits shows; the file is made by a job.
    ("POST", "/audits/print", allowed(ALL, 302)),
    ("GET", "/jobs", ALL),
    # Only its requester may see a job or download its file (here another user's).
    ("GET", "/jobs/{job}", dict.fromkeys(ROLES, 403)),
    ("GET", "/jobs/{job}/download", dict.fromkeys(ROLES, 403)),
    ("GET", "/checklists/counter-basics.pdf", READERS_ONLY),
    # -- staff acknowledgement and disputes --
    # Only the staff login of the audit's staff member responds; any supervisor answers.
    ("POST", "/audits/{own_audit}/acknowledge", {**dict.fromkeys(ROLES, 403), "staff": 302}),
    ("POST", "/audits/{audit}/acknowledge", dict.fromkeys(ROLES, 403)),
    ("POST", "/audits/{own_audit}/dispute", {**dict.fromkeys(ROLES, 403), "staff": 400}),
    ("POST", "/audits/{audit}/dispute", dict.fromkeys(ROLES, 403)),
    ("POST", "/audits/{audit}/dispute/reject", allowed(SUPERVISOR_ONLY, 400)),
    ("POST", "/audits/{own_audit}/dispute/reject", allowed(SUPERVISOR_ONLY, 400)),
    # -- exports --
    ("GET", "/audits/export.csv", ALL),  # each role exports only what its /audits shows
    ("GET", "/audits/answers.csv", ALL),
    ("POST", "/audits/export/audits_csv", allowed(ALL, 302)),
    ("POST", "/audits/export/answers_csv", allowed(ALL, 302)),
    # -- staff progress --
    ("GET", "/staff/{staff}/report.pdf", {**ALL, "staff": 403}),
    ("GET", "/staff/{own}/report.pdf", ALL),
    # -- team insights --
    ("GET", "/insights", READERS_ONLY),
    ("GET", "/teams/{team}", READERS_ONLY),
    ("GET", "/teams/{team}/report.pdf", READERS_ONLY),
    # -- coaching --
    ("GET", "/coaching", READERS_ONLY),
    ("GET", "/staff/{staff}/coaching/new", TRAINER_ONLY),
    ("POST", "/staff/{staff}/coaching/new", TRAINER_ONLY),  # no checklist chosen yet
    # -- event log --
    ("GET", "/admin/log", ADMIN_ONLY),
    # -- email --
    ("GET", "/admin/mail", ADMIN_ONLY),
    ("GET", "/admin/mail/defaults", ADMIN_ONLY),
    ("POST", "/admin/mail/defaults", allowed(ADMIN_ONLY, 302)),  # nothing ticked: all off
    # -- calibration: {calibration} is an open session (no upload) that a supervisor or a
    # trainer logged in rates and has not submitted yet; admins open any session --
    ("GET", "/plans", PLANNERS_ONLY),
    ("GET", "/plans/new", PLANNERS_ONLY),
    ("POST", "/plans/new", allowed(PLANNERS_ONLY, 400)),
    ("GET", "/plans/999999/edit", allowed(PLANNERS_ONLY, 404)),  # no such plan
    ("POST", "/plans/999999/edit", allowed(PLANNERS_ONLY, 404)),
    ("POST", "/plans/999999/end", allowed(PLANNERS_ONLY, 404)),
    ("GET", "/plans/compliance", PLANNERS_ONLY),
    ("GET", "/plans/compliance.csv", PLANNERS_ONLY),
    ("GET", "/calibration", READERS_ONLY),
    ("GET", "/calibration/new", READERS_ONLY),
    ("POST", "/calibration/new", allowed(READERS_ONLY, 400)),
    ("GET", "/calibration/{calibration}", READERS_ONLY),
    ("GET", "/calibration/{calibration}/score", {**READERS_ONLY, "admin": 403}),
    ("POST", "/calibration/{calibration}/score", {**allowed(READERS_ONLY, 400), "admin": 403}),
    # Only its trainer (or an admin) records the consensus: not in review, so sent back.
    (
        "GET",
        "/calibration/{calibration}/consensus",
        {**allowed(READERS_ONLY, 302), "supervisor": 403},
    ),
    (
        "POST",
        "/calibration/{calibration}/consensus",
        {**allowed(READERS_ONLY, 302), "supervisor": 403},
    ),
    ("POST", "/calibration/{calibration}/close", {**allowed(READERS_ONLY, 400), "supervisor": 403}),
    # Blind until submitted: nobody sees answers of an open session before submitting.
    ("GET", "/calibration/{calibration}/results", dict.fromkeys(ROLES, 403)),
    ("GET", "/calibration/{calibration}/results.json", dict.fromkeys(ROLES, 403)),
    ("GET", "/calibration/{calibration}/results.pdf", dict.fromkeys(ROLES, 403)),
    ("GET", "/calibration/{calibration}/material", {**allowed(READERS_ONLY, 404)}),  # none
    # Scoring offline: the package a supervisor's device keeps; a POST with no JSON body is
    # the endpoint's 400.
    ("GET", "/offline/", SUPERVISOR_ONLY),
    ("GET", "/offline/sw.js", SUPERVISOR_ONLY),
    ("GET", "/offline/package.json", SUPERVISOR_ONLY),
    ("POST", "/offline/audits", allowed(SUPERVISOR_ONLY, 400)),
]

TABLE = [
    pytest.param(role, method, url, statuses[role], id=f"{role}-{method}-{url}")
    for method, url, statuses in PAGES
    for role in ROLES
]


@pytest.fixture
def world(make_staff, make_user, make_audit):
    """The records every URL in the role table points at."""
    other = make_staff("Olga Other", team="Back office")
    own = make_staff("Oscar Own", team="Front desk")
    author = make_user("supervisor", email="author@example.com")
    return SimpleNamespace(
        other=other,
        own=own,
        author=author,
        audit=make_audit(staff=other, supervisor=author),
        own_audit=make_audit(staff=own, supervisor=author),
        bystander=(bystander := make_user("trainer", email="bystander@example.com")),
        job=jobs.request_pdf(bystander, AuditFilters(), "every audit"),
    )


@pytest.mark.parametrize(("role", "method", "url", "expected"), TABLE)
def test_role_table(
    client, world, make_user, make_audit, make_calibration, login, role, method, url, expected
):
    user = login(make_user(role, staff=world.own if role == "staff" else None))
    draft_author = user if role == "supervisor" else world.author
    rating = role in ("supervisor", "trainer")
    ids = {
        "audit": world.audit.id,
        "own_audit": world.own_audit.id,
        "draft": make_audit(staff=world.other, supervisor=draft_author, submit=False).id,
        "staff": world.other.id,
        "own": world.own.id,
        "team": world.other.team_id,
        "user": world.bystander.id,
        "calibration": make_calibration(
            raters=[user, world.author] if rating else [world.author, make_user("supervisor")],
            by=world.bystander,
        ).id,
        "job": world.job.id,
    }
    response = client.open(url.format(**ids), method=method, data={})
    if response.mimetype == "application/pdf":
        assert response.status_code == expected == 200
        assert response.data.startswith(b"%PDF-")
        return
    assert response.status_code == expected, text_of(response)
    if expected == 403:
        assert_forbidden(response)
    if expected == 302 and url == "/account/logout-everywhere":
        # The one page that sends its user to the login page: they asked to be logged out.
        assert "logged out everywhere" in text_of(client.get("/login"))
    elif expected == 302:
        assert not response.headers["Location"].startswith("/login")
    assert "Traceback" not in response.get_data(as_text=True)


def test_every_route_is_in_the_role_table(app):
    """A new route (or a new method on one) fails here until PAGES says who may use it."""
    adapter = app.url_map.bind("localhost")
    dummy = dict.fromkeys(
        ("audit", "own_audit", "draft", "staff", "own", "team", "user", "calibration", "job"), 1
    )
    covered: dict[tuple[str, str], set[str]] = {}
    for method, url, statuses in PAGES:
        endpoint, _ = adapter.match(url.format(**dummy), method=method)
        covered.setdefault((endpoint, method), set()).update(statuses)
        # The table agrees with the roles the view itself declares.
        declared = app.view_functions[endpoint].allowed_roles
        for role, status in statuses.items():
            if role not in declared:
                assert status == 403, f"{role} {method} {url}: the view allows only {declared}"
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_IN_ROLE_TABLE:
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "allowed_roles"), f"{rule.endpoint} lacks roles_required(...)"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if covered.get((rule.endpoint, method)) != set(ROLES):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes missing from PAGES in tests/test_access.py: " + ", ".join(missing)


# ---------------------------------------------------------------------------------------
# 4. Staff see only their own audits
# ---------------------------------------------------------------------------------------


@pytest.fixture
def two_people(make_staff, make_user, make_audit):
    """Alice has a staff login; Bruno does not. Each has two submitted audits."""
    alice = make_staff("Alice Mine", team="Front desk")
    bruno = make_staff("Bruno Theirs", team="Back office")
    supervisor = make_user("supervisor", email="sup@example.com")
    return SimpleNamespace(
        alice=alice,
        bruno=bruno,
        supervisor=supervisor,
        login=make_user("staff", email="alice@example.com", staff=alice),
        alices=[make_audit(staff=alice, supervisor=supervisor) for _ in range(2)],
        brunos=[make_audit(staff=bruno, supervisor=supervisor) for _ in range(2)],
    )


def test_staff_list_shows_only_their_own_audits(client, login, two_people):
    login(two_people.login)
    response = client.get("/audits")
    assert response.status_code == 200
    page = text_of(response)
    html = response.get_data(as_text=True)
    assert "My audits" in page  # their own list, without a column of their own name
    assert "Bruno Theirs" not in page
    for audit in two_people.alices:
        assert audit_link(audit.id) in html
    for audit in two_people.brunos:
        assert audit_link(audit.id) not in html


def test_staff_cannot_open_another_persons_audit_or_page(client, login, two_people):
    login(two_people.login)
    for audit in two_people.brunos:
        assert_forbidden(client.get(f"/audits/{audit.id}"))
    assert_forbidden(client.get(f"/staff/{two_people.bruno.id}"))
    assert client.get(f"/audits/{two_people.alices[0].id}").status_code == 200
    assert client.get(f"/staff/{two_people.alice.id}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["staff={bruno}", "team={bruno_team}", "supervisor={supervisor}", "status=draft"],
    ids=["staff", "team", "supervisor", "status"],
)
def test_staff_filters_cannot_widen_the_list(client, login, two_people, query):
    login(two_people.login)
    response = client.get(
        "/audits?"
        + query.format(
            bruno=two_people.bruno.id,
            bruno_team=two_people.bruno.team_id,
            supervisor=two_people.supervisor.id,
        )
    )
    assert response.status_code in (200, 400), text_of(response)
    html = response.get_data(as_text=True)
    assert "Bruno Theirs" not in text_of(response)
    for audit in two_people.brunos:
        assert audit_link(audit.id) not in html


# ---------------------------------------------------------------------------------------
# 5. Drafts are private to the supervisor writing them
# ---------------------------------------------------------------------------------------


@pytest.fixture
def draft(make_staff, make_user, make_audit):
    """A draft by supervisor A about Dana, who has a staff login."""
    dana = make_staff("Dana Observed", team="Front desk")
    author = make_user("supervisor", email="a@example.com")
    return SimpleNamespace(
        dana=dana,
        author=author,
        dana_login=make_user("staff", email="dana@example.com", staff=dana),
        audit=make_audit(staff=dana, supervisor=author, submit=False),
    )


@pytest.mark.parametrize("reader", ["other supervisor", "trainer", "admin", "observed staff"])
def test_draft_is_hidden_from_everyone_but_its_author(client, login, make_user, draft, reader):
    if reader == "observed staff":
        user = draft.dana_login
    else:
        user = make_user(reader.split()[-1], email=f"{reader.replace(' ', '-')}@example.com")
    login(user)
    assert_forbidden(client.get(f"/audits/{draft.audit.id}"))
    for url in ("/audits", "/audits?status=draft", "/"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code in (200, 400), f"{url}: {text_of(response)}"
        html = response.get_data(as_text=True)
        assert audit_link(draft.audit.id) not in html, url
        assert f"/audits/{draft.audit.id}/edit" not in html, url


def test_draft_author_sees_and_edits_it(client, login, draft):
    login(draft.author)
    assert client.get(f"/audits/{draft.audit.id}").status_code == 200
    assert client.get(f"/audits/{draft.audit.id}/edit").status_code == 200
    listing = client.get("/audits?status=draft")
    assert listing.status_code == 200
    assert audit_link(draft.audit.id) in listing.get_data(as_text=True)
    home = client.get("/")
    assert f"/audits/{draft.audit.id}/edit" in home.get_data(as_text=True)


def test_other_supervisor_cannot_edit_the_draft(client, login, make_user, draft):
    login(make_user("supervisor", email="b@example.com"))
    assert_forbidden(client.get(f"/audits/{draft.audit.id}/edit"))
    assert_forbidden(client.post(f"/audits/{draft.audit.id}/edit", data={}))


# ---------------------------------------------------------------------------------------
# 6. Not found
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("admin", "/audits/999999"),
        ("supervisor", "/audits/999999/edit"),
        ("supervisor", "/audits/999999/amend"),
        ("admin", "/staff/999999"),
        ("admin", "/staff/999999/edit"),
        ("admin", "/teams/999999/edit"),
        ("admin", "/users/999999/password"),
        ("trainer", "/checklists/no-such-checklist"),
        ("staff", "/no-such-page"),
    ],
    ids=lambda value: value if value.startswith("/") else None,
)
def test_missing_records_give_page_not_found(client, login_as, role, url):
    """Asked by a role that may use the page (others get 403 before any lookup)."""
    login_as(role)
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/audits?page=-1", "/audits?page=0", "/audits?page=99999", "/staff?page=-1"],
    ids=["audits-negative", "audits-zero", "audits-huge", "staff-negative"],
)
def test_page_numbers_out_of_range_give_404(client, login_as, make_audit, url):
    make_audit()
    login_as("trainer")
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


# ---------------------------------------------------------------------------------------
# 7. CSRF
# ---------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
EXPIRED = "The form had expired"


@pytest.fixture
def csrf_app(database_url, checklists_dir):
    """The app as it runs in production: CSRF tokens required (the `app` fixture turns
    them off). Do not mix with fixtures that use `app`."""
    with running_app(database_url, checklists_dir, WTF_CSRF_ENABLED=True) as app:
        yield app


@pytest.fixture
def csrf_client(csrf_app):
    users.create_user("admin@example.com", "Admin", "admin", PASSWORD)
    return csrf_app.test_client()


def token_from(response) -> str:
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, "no csrf_token on the page"
    return match.group(1)


def csrf_login(client) -> None:
    token = token_from(client.get("/login"))
    response = client.post(
        "/login",
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, text_of(response)


def count_teams() -> int:
    return db.session.scalar(select(func.count(Team.id)))


def test_login_without_csrf_token_is_refused(csrf_client):
    response = csrf_client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert "Traceback" not in response.get_data(as_text=True)
    assert_sent_to_login(csrf_client.get("/audits"))
    assert db.session.scalar(select(User.last_login_at)) is None


def test_login_with_csrf_token_works(csrf_client):
    csrf_login(csrf_client)
    assert csrf_client.get("/audits").status_code == 200


def test_post_without_csrf_token_changes_nothing(csrf_client):
    csrf_login(csrf_client)
    response = csrf_client.post("/teams", data={"name": "Night shift"})
    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert count_teams() == 0
    # The same form with the page's token goes through: the refusal was about the token.
    token = token_from(csrf_client.get("/teams"))
    response = csrf_client.post("/teams", data={"name": "Night shift", "csrf_token": token})
    assert response.status_code == 302, text_of(response)
    assert count_teams() == 1


def test_logout_without_csrf_token_keeps_the_session(csrf_client):
    csrf_login(csrf_client)
    response = csrf_client.post("/logout")
    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert csrf_client.get("/audits").status_code == 200
