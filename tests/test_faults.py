"""Faults: a database that refuses writes, one that is gone, and a server killed mid-submit.

The read-only database is real: SQLite opened with `mode=ro`, PostgreSQL sessions with
`default_transaction_read_only` (chmod would not stop these tests, which may run as root).
The kill tests run `auditapp serve` as a subprocess and SIGKILL it while a submit is inside
its transaction, held there by a lock the test takes on the database, so no fault hook is
needed in the app.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import form_data, text_of
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from auditapp import create_app
from auditapp.extensions import db
from auditapp.models import Audit
from auditapp.views.audit_forms import NOT_SAVED

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


def logged_in_client(app, user):
    """A client whose session says `user`, without the login's write (last_login_at)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
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
