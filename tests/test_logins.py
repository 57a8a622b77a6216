"""Logins kept on the server: logout ends that login, a new password, deactivation or a role
change end every login of the user; a new session and CSRF token at login; the user's own
page; the same for every server process."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD, text_of
from sqlalchemy import func, select
from test_faults import Browser
from test_server import two_workers  # noqa: F401 (a fixture)

from auditapp.extensions import db
from auditapp.models import LogEntry, Login, Team, User
from auditapp.models._time import utcnow
from auditapp.services import users

NEW_PASSWORD = "a brand new passphrase"


def logged_in(app, user, password: str = PASSWORD):
    """A test client of its own, logged in as `user` through the login form."""
    client = app.test_client()
    with app.app_context():  # a context of its own: the fixture's keeps `g` from before
        response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, text_of(response)
    return client


def opens(app, client, path: str = "/audits") -> bool:
    """Whether `client`'s session still opens `path` (else it is sent to log in)."""
    with app.app_context():
        response = client.get(path)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200, text_of(response)
    return True


def copy_of(app, client):
    """Another client holding the same session cookie: the cookie someone kept."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


SIGN_INS = ("logged_in", "logged_out")


def actions() -> list[str]:
    """The logged actions, oldest first, without the logins and logouts the tests make."""
    db.session.expire_all()
    query = select(LogEntry.action).where(LogEntry.action.not_in(SIGN_INS))
    return list(db.session.scalars(query.order_by(LogEntry.id)))


def newest_entry() -> LogEntry:
    """The newest entry that is not a login or logout."""
    db.session.expire_all()
    query = select(LogEntry).where(LogEntry.action.not_in(SIGN_INS))
    return db.session.scalars(query.order_by(LogEntry.id.desc())).first()


# ---------------------------------------------------------------------------------------
# Logout
# ---------------------------------------------------------------------------------------


def test_a_cookie_kept_from_before_logout_opens_nothing_and_posts_nothing(app, make_user):
    supervisor = make_user("supervisor")
    client = logged_in(app, supervisor)
    kept = copy_of(app, client)
    assert opens(app, kept) and opens(app, kept, "/audits/new")
    with app.app_context():
        assert client.post("/logout").status_code == 302
    assert not opens(app, kept)
    assert not opens(app, kept, "/audits/new")
    with app.app_context():
        response = kept.post("/teams", data={"name": "Made after logout"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(Team)) == 0


def test_logout_ends_only_that_login(app, make_user):
    supervisor = make_user("supervisor")
    tablet, laptop = logged_in(app, supervisor), logged_in(app, supervisor)
    with app.app_context():
        tablet.post("/logout")
    assert not opens(app, tablet)
    assert opens(app, laptop)


def test_logout_leaves_nothing_of_the_session_behind(app, make_user):
    client = logged_in(app, make_user("supervisor"))
    with app.app_context():
        client.post("/logout")
    with client.session_transaction() as session:
        assert set(session) <= {"_flashes"}, dict(session)


# ---------------------------------------------------------------------------------------
# A new password, deactivation, a role change: every login of that user ends
# ---------------------------------------------------------------------------------------


def test_an_admin_password_reset_ends_every_login_of_that_user(app, make_user):
    supervisor, bystander = make_user("supervisor"), make_user("supervisor")
    tablet, laptop = logged_in(app, supervisor), logged_in(app, supervisor)
    other = logged_in(app, bystander)
    admin = logged_in(app, make_user("admin"))
    with app.app_context():
        response = admin.post(f"/users/{supervisor.id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302, text_of(response)
    assert not opens(app, tablet) and not opens(app, laptop)
    assert opens(app, other)  # someone else's login is untouched
    assert opens(app, logged_in(app, supervisor, NEW_PASSWORD))
    assert actions()[-1] == "password_reset"


def test_deactivating_ends_every_login_and_reactivating_does_not_revive_them(app, make_user):
    supervisor = make_user("supervisor")
    before = logged_in(app, supervisor)
    admin = logged_in(app, make_user("admin"))
    with app.app_context():
        assert admin.post(f"/users/{supervisor.id}/active").status_code == 302
    assert not opens(app, before)
    with app.app_context():
        assert admin.post(f"/users/{supervisor.id}/active").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, supervisor.id).active
    assert not opens(app, before)  # the old cookie stays dead
    assert opens(app, logged_in(app, supervisor))  # a new login works
    assert actions()[-2:] == ["user_deactivated", "user_reactivated"]


def test_a_role_change_ends_every_login_and_the_next_one_has_the_new_role(app, make_user):
    trainer = make_user("trainer")
    before = logged_in(app, trainer)
    assert not opens_new_audit(app, before)
    admin = logged_in(app, make_user("admin"))
    with app.app_context():
        response = admin.post(f"/users/{trainer.id}/role", data={"role": "supervisor"})
    assert response.status_code == 302, text_of(response)
    assert not opens(app, before)
    assert opens_new_audit(app, logged_in(app, trainer))
    entry = newest_entry()
    assert entry.action == "role_changed"
    assert (entry.details["old"], entry.details["new"]) == ("trainer", "supervisor")


def opens_new_audit(app, client) -> bool:
    with app.app_context():
        return client.get("/audits/new").status_code == 200


@pytest.mark.parametrize(
    ("who", "role", "message"),
    [
        ("self", "trainer", "You cannot change your own role."),
        ("staff", "supervisor", "A staff login belongs to one staff member"),
        ("supervisor", "owner", "Choose one of the roles offered."),
    ],
)
def test_role_changes_that_are_refused_say_why_and_change_nothing(
    app, make_user, who, role, message
):
    admin = make_user("admin")
    target = {"self": admin, "staff": None, "supervisor": None}[who] or make_user(who)
    client = logged_in(app, admin)
    with app.app_context():
        response = client.post(f"/users/{target.id}/role", data={"role": role})
    assert response.status_code == 400
    assert message in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, target.id).role == ("admin" if who == "self" else who)


# ---------------------------------------------------------------------------------------
# Login: a new session and a new CSRF token
# ---------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(database_url, checklists_dir):
    from conftest import running_app

    with running_app(database_url, checklists_dir, WTF_CSRF_ENABLED=True) as app:
        yield app


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)[1]


def test_the_csrf_token_of_the_login_page_is_refused_after_login(csrf_app):
    user = users.create_user("sam@example.com", "Sam", "supervisor", PASSWORD)
    client = csrf_app.test_client()
    with csrf_app.app_context():
        before = csrf_token(client.get("/login").get_data(as_text=True))
        form = {"email": user.email, "password": PASSWORD, "csrf_token": before}
        assert client.post("/login", data=form).status_code == 302
        refused = client.post("/teams", data={"name": "Night", "csrf_token": before})
        assert refused.status_code == 400
        after = csrf_token(client.get("/teams").get_data(as_text=True))
        assert after != before
        assert client.post("/teams", data={"name": "Night", "csrf_token": after}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1


def test_a_login_older_than_the_longest_a_login_lasts_is_refused(app, make_user):
    supervisor = make_user("supervisor")
    client = logged_in(app, supervisor)
    login = db.session.scalars(select(Login).where(Login.user_id == supervisor.id)).one()
    login.started_at = utcnow() - timedelta(days=app.config["LOGIN_MAX_DAYS"], seconds=1)
    db.session.commit()
    assert not opens(app, client)


def test_ended_and_outlived_logins_are_forgotten_at_the_next_login(app, make_user):
    supervisor = make_user("supervisor")
    for _ in range(3):
        client = logged_in(app, supervisor)
        with app.app_context():
            client.post("/logout")
    logged_in(app, supervisor)
    assert db.session.scalar(select(func.count()).select_from(Login)) == 1


# ---------------------------------------------------------------------------------------
# My account
# ---------------------------------------------------------------------------------------


def change_password(app, client, current: str, new: str, confirm: str | None = None):
    form = {"current_password": current, "password": new, "confirm": confirm or new}
    with app.app_context():
        return client.post("/account/password", data=form)


@pytest.mark.parametrize("role", ["admin", "supervisor", "trainer", "staff"])
def test_every_role_changes_their_own_password_and_their_other_logins_end(app, make_user, role):
    user = make_user(role)
    here, elsewhere = logged_in(app, user), logged_in(app, user)
    response = change_password(app, here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    with app.app_context():  # this device goes on, on a new login
        assert "Your password is changed" in text_of(here.get("/account"))
    assert not opens(app, elsewhere, "/account")
    assert opens(app, logged_in(app, user, NEW_PASSWORD), "/account")
    assert actions()[-1] == "password_changed"


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "current_password", "not your current password"),
        (PASSWORD, "short", None, "password", "at least 8 characters"),
        (PASSWORD, "password123", None, "password", "one of the most common"),
        (PASSWORD, "poiuytrewq", None, "password", "a run of letters"),
        (PASSWORD, "zzzzzzzzzz", None, "password", "one character repeated"),
        (PASSWORD, PASSWORD, None, "password", "the same as the current one"),
        (PASSWORD, NEW_PASSWORD, "something else", "confirm", "The two new passwords differ"),
    ],
)
def test_a_refused_password_change_says_why_beside_the_field_and_changes_nothing(
    app, make_user, current, new, confirm, field, message
):
    user = make_user("supervisor")
    here, elsewhere = logged_in(app, user), logged_in(app, user)
    response = change_password(app, here, current, new, confirm)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The message sits with its field: Bootstrap-Flask writes it right after the input.
    assert re.search(
        rf'id="{field}"[^>]*>\s*<div class="invalid-feedback[^"]*">[^<]*{message}', page
    ), page
    assert opens(app, here) and opens(app, elsewhere)
    assert opens(app, logged_in(app, user, PASSWORD))


def test_the_account_page_shows_the_previous_login_and_how_many_are_open(app, make_user):
    user = make_user("trainer")
    first = logged_in(app, user)
    db.session.expire_all()
    first_at = db.session.get(User, user.id).last_login_at
    second = logged_in(app, user)
    with app.app_context():
        page = text_of(second.get("/account"))
    assert f"Login before this one {first_at:%d %b %Y %H:%M}" in page
    assert "Open logins 2 (this device and 1 other)" in page
    assert opens(app, first)


def test_log_out_everywhere_ends_every_login_of_mine_and_no_one_elses(app, make_user):
    user, other = make_user("staff"), make_user("staff")
    here, elsewhere, theirs = logged_in(app, user), logged_in(app, user), logged_in(app, other)
    with app.app_context():
        response = here.post("/account/logout-everywhere")
    assert response.headers["Location"].startswith("/login")
    assert not opens(app, here, "/account") and not opens(app, elsewhere, "/account")
    assert opens(app, theirs, "/account")
    with app.app_context():
        assert "You are logged out everywhere (2 logins ended)" in text_of(here.get("/login"))
    assert actions()[-1] == "logged_out_everywhere"


def test_the_navbar_names_the_user_and_links_to_their_account(app, make_user):
    client = logged_in(app, make_user("trainer"))
    with app.app_context():
        page = client.get("/audits").get_data(as_text=True)
    shown = r'<a [^>]*href="/account"[^>]*>Trainer<span[^>]*> · Trainer</span></a>'
    assert re.search(shown, page), page


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


def test_users_list_shows_every_user_their_role_state_and_last_login(cli, app, make_user):
    make_user("admin", email="ada@example.com")
    gone = make_user("trainer", email="tia@example.com")
    users.set_user_active(gone, False)
    logged_in(app, make_user("supervisor", email="sam@example.com"))
    result = cli("users", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert lines["ada@example.com"][1:4] == ["admin", "active", "never"]
    assert lines["tia@example.com"][1:3] == ["trainer", "deactivated"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", lines["sam@example.com"][3])


def test_a_locked_out_admin_sets_a_new_password_from_the_terminal(cli, app, make_user):
    admin = make_user("admin", email="ada@example.com")
    old = logged_in(app, admin)
    runner_input = f"{NEW_PASSWORD}\n"
    from click.testing import CliRunner

    from auditapp.cli import main

    result = CliRunner().invoke(
        main, ["users", "set-password", "ADA@example.com", "--password-stdin"], input=runner_input
    )
    assert result.exit_code == 0, result.output
    assert "every login of theirs has ended" in result.output
    assert not opens(app, old)
    assert opens(app, logged_in(app, admin, NEW_PASSWORD))
    entry = newest_entry()
    assert entry.action == "password_reset" and entry.actor.startswith("command line")


def test_deactivating_from_the_terminal_ends_every_login(cli, app, make_user):
    supervisor = make_user("supervisor", email="sam@example.com")
    client = logged_in(app, supervisor)
    result = cli("users", "deactivate", "sam@example.com")
    assert result.exit_code == 0, result.output
    assert not opens(app, client)
    with app.app_context():
        response = client.post("/login", data={"email": supervisor.email, "password": PASSWORD})
    assert response.status_code == 401
    assert cli("users", "activate", "sam@example.com").exit_code == 0
    assert actions()[-2:] == ["user_deactivated", "user_reactivated"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "set-password", "nobody@example.com", "--password-stdin"], "x" * 9, "no user"),
        (["users", "set-password", "sam@example.com", "--password-stdin"], "short", "8 char"),
        (["users", "set-password", "sam@example.com"], NEW_PASSWORD, "--password-stdin"),
        (["users", "deactivate", "nobody@example.com"], "", "no user with the email"),
    ],
)
def test_terminal_mistakes_exit_1_with_one_clear_line(cli, make_user, args, stdin, message):
    make_user("supervisor", email="sam@example.com")
    from click.testing import CliRunner

    from auditapp.cli import main

    result = CliRunner().invoke(main, args, input=stdin + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------
# Every process: the login is ended in the database, not in one process's memory
# ---------------------------------------------------------------------------------------


def browser_cookie_copy(browser: Browser) -> Browser:
    kept = Browser(browser.port)
    kept.cookies = dict(browser.cookies)
    return kept


def test_with_two_workers_logout_and_a_reset_end_logins_in_both(
    two_workers,  # noqa: F811
    make_user,
):
    _, port, _ = two_workers
    supervisor, admin = make_user("supervisor"), make_user("admin")
    db.session.commit()
    first = Browser(port)
    first.log_in(supervisor)
    kept = browser_cookie_copy(first)
    for _ in range(10):  # each request on a new connection: either worker answers
        assert kept.request("GET", "/audits")[0] == 200
    token = csrf_token(first.request("GET", "/audits")[2])
    assert first.request("POST", "/logout", {"csrf_token": token})[0] == 302
    statuses = [kept.request("GET", "/audits")[0] for _ in range(30)]
    assert statuses == [302] * 30

    second = Browser(port)
    second.log_in(supervisor)
    kept = browser_cookie_copy(second)
    boss = Browser(port)
    boss.log_in(admin)
    page = boss.request("GET", f"/users/{supervisor.id}/password")[2]
    form = {"password": NEW_PASSWORD, "csrf_token": csrf_token(page)}
    assert boss.request("POST", f"/users/{supervisor.id}/password", form)[0] == 302
    statuses = [kept.request("GET", "/audits")[0] for _ in range(30)]
    assert statuses == [302] * 30
