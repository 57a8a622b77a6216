"""The server's side of scoring offline (services/offline.py, views/offline.py): the package
a device keeps, and audits sent back as JSON, stored exactly once, scored here against the
checklist version the device's form showed."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta

import pytest
from audits_support import THANKED_NO_OVERALL
from conftest import GOOD_ANSWERS, PASSWORD
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit
from auditapp.services import audits as audit_service
from auditapp.services import people
from auditapp.views.audit_forms import INTERACTION_FIELDS

CSRF_INPUT = r'name="csrf_token"[^>]*value="([^"]+)"'


def package(client) -> dict:
    response = client.get("/offline/package.json")
    assert response.status_code == 200
    return response.get_json()


def audit_json(staff_id, fingerprint, answers=GOOD_ANSWERS, *, token="dev-1", submit=True):
    return {
        "token": token,
        "fingerprint": fingerprint,
        "staff_member_id": staff_id,
        "submit": submit,
        "interaction": {
            "channel": "in_person",
            "observed_at": (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "customer_type": "repeat",
            "duration_minutes": 7,
        },
        "answers": dict(answers),
        "comments": {"warmth": "Smiled at once"},
    }


def audits_stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Audit.id)))


@pytest.fixture
def ready(client, login_as, make_staff):
    """A supervisor signed in, one staff member, and the package their device keeps."""
    supervisor = login_as("supervisor")
    staff = make_staff("Ana Lopez")
    kept = package(client)
    [checklist] = kept["checklists"]
    return supervisor, staff, checklist["fingerprint"], kept


def test_the_package_holds_the_checklists_in_use_and_the_roster(ready, make_staff):
    _, staff, fingerprint, kept = ready
    [checklist] = kept["checklists"]
    assert (checklist["id"], checklist["title"]) == ("counter-basics", "Counter basics")
    # The form page's own fields, without the hidden ones (the device makes its token).
    assert 'name="item_greeted"' in checklist["form_html"]
    assert 'name="channel"' in checklist["form_html"]
    assert 'name="token"' not in checklist["form_html"]
    assert 'name="csrf_token"' not in checklist["form_html"]
    assert kept["supervisor"] == ready[0].id and kept["csrf_token"]
    assert kept["staff"] == [{"id": staff.id, "label": "Ana Lopez (Front desk)"}]
    assert kept["refreshed_at"][:4] == str(datetime.now().year)
    # The device sorts a form's fields by the server's own list of interaction fields.
    assert kept["interaction_fields"] == list(INTERACTION_FIELDS)
    # Stored on the server as soon as it is handed out.
    from auditapp.services.offline import pinned_checklist

    assert pinned_checklist(fingerprint).id == "counter-basics"


def test_an_audit_sent_is_scored_here_and_stored_once_however_often_it_is_sent(client, ready):
    supervisor, staff, fingerprint, _ = ready
    sent = audit_json(staff.id, fingerprint, {**GOOD_ANSWERS, "thanked": "no"})
    sent["overall"] = 100.0  # a score from the device is never read
    first = client.post("/offline/audits", json=sent)
    assert first.status_code == 201, first.get_json()
    stored = first.get_json()
    assert stored["status"] == "submitted"
    assert stored["overall"] == pytest.approx(THANKED_NO_OVERALL)
    assert stored["url"] == f"/audits/{stored['id']}"
    again = client.post("/offline/audits", json=sent)  # the answer was lost on the way
    assert again.status_code == 200 and again.get_json()["id"] == stored["id"]
    assert audits_stored() == 1
    audit = db.session.get(Audit, stored["id"])
    assert (audit.supervisor_id, audit.staff_member_id) == (supervisor.id, staff.id)
    assert audit.comments == {"warmth": "Smiled at once"}


def test_two_tabs_sending_the_same_audit_store_one(app, ready):
    """Two tabs (two cookies) send one waiting audit: the second is told it is stored. The
    race of two sends at the same instant ends in the same audit service, whose raced token
    is tested in tests/test_audits_double_submit.py."""
    supervisor, staff, fingerprint, _ = ready
    sent = audit_json(staff.id, fingerprint, token="two-tabs")
    tabs = [app.test_client() for _ in range(2)]
    for tab in tabs:
        tab.post("/login", data={"email": supervisor.email, "password": PASSWORD})
    first, second = (tab.post("/offline/audits", json=sent) for tab in tabs)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert audits_stored() == 1


def test_an_audit_is_scored_against_the_version_the_device_showed(client, ready, checklists_dir):
    _, staff, fingerprint, _ = ready
    # While the device is offline, "thanked" is reworded and weighs three times as much.
    path = checklists_dir / "counter-basics.yaml"
    path.write_text(
        path.read_text().replace(
            "        text: Thanked the customer\n",
            "        text: Thanked the customer by name\n        weight: 3\n",
        )
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert package(client)["checklists"][0]["fingerprint"] != fingerprint
    response = client.post(
        "/offline/audits",
        json=audit_json(staff.id, fingerprint, {**GOOD_ANSWERS, "thanked": "no"}),
    )
    assert response.status_code == 201
    assert response.get_json()["overall"] == pytest.approx(THANKED_NO_OVERALL)  # not 67.0
    audit = db.session.get(Audit, response.get_json()["id"])
    assert audit.checklist_version.fingerprint == fingerprint
    page = client.get(response.get_json()["url"]).get_data(as_text=True)
    assert "Thanked the customer" in page and "Thanked the customer by name" not in page


def test_a_stale_copy_of_an_amended_audit_is_refused_with_its_answers_kept(client, ready):
    supervisor, staff, fingerprint, _ = ready
    sent = audit_json(staff.id, fingerprint)
    stored = client.post("/offline/audits", json=sent).get_json()
    audit = db.session.get(Audit, stored["id"])
    audit_service.amend(
        audit,
        user=supervisor,
        interaction=audit_service.Interaction.of(audit),
        entry=audit_service.Answers.clean({**GOOD_ANSWERS, "smiled": "sometimes"}, {}),
        reason="Watched the recording again",
    )
    response = client.post("/offline/audits", json=sent)
    assert response.status_code == 409
    body = response.get_json()
    assert "already submitted" in body["message"]
    assert body["answers"]["smiled"] == "often"  # the device's copy, for review
    assert body["url"] == stored["url"]  # the supervisor's own audit, to compare
    db.session.expire_all()
    assert db.session.get(Audit, stored["id"]).answers["smiled"] == "sometimes"
    assert audits_stored() == 1


def test_what_cannot_be_stored_says_why_by_field_and_stores_nothing(client, ready):
    _, staff, fingerprint, _ = ready
    missing = {k: v for k, v in GOOD_ANSWERS.items() if k != "thanked"}
    response = client.post("/offline/audits", json=audit_json(staff.id, fingerprint, missing))
    assert response.status_code == 422
    assert "item_thanked" in response.get_json()["problems"]

    future = audit_json(staff.id, fingerprint, token="dev-2")
    future["interaction"]["observed_at"] = "2999-01-01T10:00"
    response = client.post("/offline/audits", json=future)
    assert response.status_code == 422
    assert "observed_at" in response.get_json()["problems"]

    response = client.post("/offline/audits", json=audit_json(staff.id, "0" * 64, token="d3"))
    assert response.status_code == 422
    assert "refresh what is kept offline" in response.get_json()["message"]

    for body in ([], "audit", {"staff_member_id": "1"}, {"staff_member_id": 2**40}):
        response = client.post("/offline/audits", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["message"]
    bad = audit_json(staff.id, fingerprint, token="d4")
    bad["answers"] = ["yes"]
    assert client.post("/offline/audits", json=bad).status_code == 400
    assert audits_stored() == 0


def test_a_staff_member_deactivated_meanwhile_is_named_and_nothing_is_stored(client, ready):
    _, staff, fingerprint, _ = ready
    people.update_staff(staff, staff.name, staff.team_id, staff.employee_code, False, by=None)
    response = client.post("/offline/audits", json=audit_json(staff.id, fingerprint))
    assert response.status_code == 422
    assert "Ana Lopez is no longer active." in response.get_json()["message"]
    assert audits_stored() == 0


@pytest.mark.parametrize("role", ["staff", "trainer", "admin"])
def test_only_supervisors_keep_a_package_or_send_audits(client, login_as, make_staff, role):
    login_as(role)
    staff = make_staff("Ana Lopez")
    assert client.get("/offline/package.json").status_code == 403
    response = client.post("/offline/audits", json=audit_json(staff.id, "x" * 64))
    assert response.status_code == 403
    assert audits_stored() == 0


def test_signed_out_devices_are_sent_to_log_in(client, make_staff):
    staff = make_staff("Ana Lopez")
    assert client.get("/offline/package.json").status_code == 302
    assert client.post("/offline/audits", json=audit_json(staff.id, "x")).status_code == 302
    assert audits_stored() == 0


def test_a_send_without_a_good_csrf_token_is_refused_and_one_with_it_is_stored(app, ready):
    from flask import g

    supervisor, staff, fingerprint, _ = ready
    app.config["WTF_CSRF_ENABLED"] = True  # as outside the tests
    g.pop("_login_user", None)  # the tests' app context outlives requests
    g.pop("csrf_token", None)
    device = app.test_client()
    login_page = device.get("/login").get_data(as_text=True)
    token = re.search(CSRF_INPUT, login_page)[1]
    device.post(
        "/login", data={"email": supervisor.email, "password": PASSWORD, "csrf_token": token}
    )
    sent = audit_json(staff.id, fingerprint, token="csrf")
    for header in ({}, {"X-CSRFToken": "not-a-token"}, {"X-CSRFToken": ""}):
        response = device.post("/offline/audits", json=sent, headers=header)
        assert response.status_code == 400, header
    assert audits_stored() == 0
    # The device takes a fresh token from the package before it sends what waits.
    fresh = device.get("/offline/package.json").get_json()["csrf_token"]
    response = device.post("/offline/audits", json=sent, headers={"X-CSRFToken": fresh})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert audits_stored() == 1


def test_a_body_over_the_size_limit_is_refused_and_nothing_is_stored(client, ready, app):
    _, staff, fingerprint, _ = ready
    sent = audit_json(staff.id, fingerprint)
    sent["interaction"]["notes"] = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert client.post("/offline/audits", json=sent).status_code == 413
    assert audits_stored() == 0


def test_the_service_worker_keeps_the_offline_page_and_files_that_exist(client, ready):
    response = client.get("/offline/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body)[1])
    assert shell[0] == "/offline/"
    assert "/static/offline/app.js" in shell and "/static/manifest.webmanifest" in shell
    for url in shell:
        with client.get(url) as kept:
            assert kept.status_code == 200, url
    # The cache's name follows the files kept: a release that changes one replaces them all.
    assert re.search(r'const CACHE = "auditapp-shell-[0-9a-f]{12}";', body)


def test_the_offline_page_says_what_it_needs_and_loads_its_script(client, ready):
    page = client.get("/offline/").get_data(as_text=True)
    assert "<noscript>" in page and "Scoring offline needs JavaScript" in page
    assert '<script type="module" src="/static/offline/page.js"></script>' in page
    assert 'rel="manifest"' in page


def test_only_a_supervisors_pages_carry_the_badge_and_the_offline_script(client, login_as):
    login_as("supervisor")
    page = client.get("/").get_data(as_text=True)
    assert 'id="offline-badge"' in page and "/static/offline/app.js" in page
    client.post("/logout")
    login_as("trainer")
    page = client.get("/").get_data(as_text=True)
    assert 'id="offline-badge"' not in page and "/static/offline/app.js" not in page


def test_logging_out_tells_the_browser_to_clear_what_the_device_kept(client, ready):
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/offline/package.json").status_code == 302
