"""Layering: views and the command line call services, which own every query and write;
and no page sends a query per row it shows (as Indico's query-count fixture checks)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from plans_support import make_plan

import auditapp
from auditapp.services import coaching
from auditapp.services.checklists import available

PACKAGE = Path(auditapp.__file__).parent
# Rolling back after a refused write is error handling, not a query.
ALLOWED = {"rollback", "remove", "dispose", "get_or_404"}
QUERYING = {"execute", "scalar", "scalars", "paginate", "commit", "add", "flush", "get", "delete"}


def _db_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, ast.unparse(node.func.value)
        if owner in ("db", "db.session") and name in QUERYING and name not in ALLOWED:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {owner}.{name}")
        if name == "select" or (isinstance(node.func, ast.Name) and node.func.id == "select"):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: select(...)")
    return found


@pytest.mark.parametrize("folder", ["views", "cli"])
def test_views_and_commands_leave_queries_and_writes_to_the_services(folder):
    calls = [c for path in sorted((PACKAGE / folder).glob("*.py")) for c in _db_calls(path)]
    assert not calls, "move these into a service:\n" + "\n".join(calls)


def _world(make_staff, make_audit, make_user, people: int, first: int = 0) -> dict:
    trainer = make_user("trainer")
    staff = [make_staff(f"Person {n}", team=f"Team {n}") for n in range(first, first + people)]
    for member in staff:
        make_plan(member.team_id, per_period=2)  # each person due on the queue
        audit = make_audit(staff=member)
        coaching.record(
            trainer=trainer,
            staff=member,
            target=coaching.Target(available()["counter-basics"], ("greeted",)),
            note="Greet first",
            follow_up_on=date(2030, 1, 1),
            audit=audit,
        )
    return {"staff": staff[0].id, "team": staff[0].team_id}


PAGES = [
    ("trainer", "/"),
    ("supervisor", "/"),
    ("trainer", "/plans"),
    ("trainer", "/plans/compliance"),
    ("trainer", "/audits"),
    ("trainer", "/staff"),
    ("trainer", "/teams"),
    ("trainer", "/coaching"),
    ("trainer", "/insights"),
    ("trainer", "/teams/{team}"),
    ("trainer", "/staff/{staff}"),
    ("admin", "/users"),
    ("admin", "/admin/log"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_no_page_sends_a_query_per_row(
    client, login_as, make_staff, make_audit, make_user, count_queries, role, path
):
    """The same page over 3 and then 9 staff members, audits and coaching actions sends no
    more queries: one per kind of row, never one per row. (It may send fewer: a person with
    enough audits skips the "too few to judge" reads.)"""
    login_as(role)
    few = _world(make_staff, make_audit, make_user, 3)
    url = path.format(**few)
    # A request first each time: it loads what a process keeps (the checklists) and the
    # signed-in user the test's writes expired.
    client.get(url)
    with_few = count_queries(lambda: client.get(url))
    _world(make_staff, make_audit, make_user, 6, first=3)
    client.get(url)
    response = None

    def get():
        nonlocal response
        response = client.get(url)

    with_many = count_queries(get)
    assert response.status_code == 200
    if (role, path) == ("supervisor", "/"):  # the queue holds all nine, due under their plans
        assert response.get_data(as_text=True).count(">Start audit</a>") == 9
    assert with_many <= with_few, f"{url}: {with_few} queries for 3 rows, {with_many} for 9"


def test_services_are_told_who_acts_and_never_look_for_the_signed_in_user():
    users_of_current = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted((PACKAGE / "services").glob("*.py"))
        if "current_user" in path.read_text()
    ]
    assert not users_of_current, users_of_current


def test_services_render_without_building_a_request():
    fake_requests = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted((PACKAGE / "services").glob("*.py"))
        if "test_request_context" in path.read_text()
    ]
    assert not fake_requests, fake_requests


def test_an_audit_pdf_renders_with_the_app_alone(app, submitted):
    from flask import has_request_context

    from auditapp.services import reports

    audit_id, _ = submitted
    with app.app_context():
        assert not has_request_context()
        audit = reports.load_audit(audit_id)
        assert reports.audit_pdf(audit, use_cache=False).startswith(b"%PDF")


def test_an_admins_change_to_a_user_is_logged_as_theirs(client, login_as, make_user):
    from sqlalchemy import select

    from auditapp.extensions import db
    from auditapp.models import LogEntry

    admin = login_as("admin", email="ada@example.com")
    target = make_user("supervisor")
    client.post(f"/users/{target.id}/active")
    client.post(f"/users/{target.id}/role", data={"role": "trainer"})
    client.post(f"/users/{target.id}/password", data={"password": "a new long passphrase"})
    entries = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc()).limit(3)).all()
    assert {e.action for e in entries} == {"user_deactivated", "role_changed", "password_reset"}
    assert {(e.user_id, e.actor) for e in entries} == {(admin.id, "ada@example.com")}
