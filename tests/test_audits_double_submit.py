"""Double submits and supervisors saving at once: every audit stored exactly once."""

from __future__ import annotations

import contextlib
import threading

import pytest
from audits_support import (
    audit_count,
    audit_id_from,
    events_of,
    items_of,
    logged_in_client,
    new_url,
    run_in_threads,
    start_in_own_context,
)
from conftest import ITEM_TEXTS, form_data, text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem, ChecklistVersion
from auditapp.services import audits as audit_service
from auditapp.services import checklists as checklist_store

# --- 7. double submit --------------------------------------------------------------------


def test_double_submit_stores_one_audit(client, supervisor, staff):
    data = form_data(token="tok-double")
    first = client.post(new_url(staff.id), data=data)
    assert first.status_code == 302
    assert "submitted: 92.0%" in text_of(client.get(first.headers["Location"]))

    second = client.post(new_url(staff.id), data=data)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    page = text_of(client.get(second.headers["Location"]))
    assert "was already saved; nothing was stored twice" in page
    assert audit_count() == 1
    audit_id = audit_id_from(first.headers["Location"])
    assert len(items_of(audit_id)) == len(ITEM_TEXTS)
    assert [e.action for e in events_of(audit_id)] == ["created", "submitted"]


def hold_until_both_store_the_checklist_version(monkeypatch) -> None:
    """Make two threads race for real: neither may look for (and add) the stored copy of
    the checklist version before the other is about to as well."""
    both_storing = threading.Barrier(2)
    original = checklist_store.stored_version

    def wait_then_store(checklist, *, by):
        # A broken barrier means only one thread got here: nothing to race with.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_storing.wait(timeout=5)
        return original(checklist, by=by)

    monkeypatch.setattr(checklist_store, "stored_version", wait_then_store)


def hold_until_both_looked_the_token_up(monkeypatch) -> None:
    """Make two threads race for real: each has looked the token up and found nothing
    before either may go on."""
    both_looked = threading.Barrier(2)
    looked = threading.local()
    original = audit_service.find_by_token

    def find_by_token_then_wait(token):
        found = original(token)
        if not getattr(looked, "done", False):
            looked.done = True
            both_looked.wait(timeout=10)
        return found

    monkeypatch.setattr(audit_service, "find_by_token", find_by_token_then_wait)


@pytest.mark.parametrize(
    "version_stored",
    [
        pytest.param(True, id="checklist-version-already-stored"),
        pytest.param(False, id="first-audit-of-the-checklist-version"),
    ],
)
def test_same_token_from_two_threads_stores_one_audit(
    app, make_user, staff, monkeypatch, version_stored
):
    supervisor = make_user("supervisor")
    if version_stored:
        checklist_store.stored_version(checklist_store.available()["counter-basics"], by=None)
        db.session.commit()
        hold_until_both_looked_the_token_up(monkeypatch)
    else:
        hold_until_both_store_the_checklist_version(monkeypatch)
    results: list[tuple[int, bool]] = []
    run_in_threads(*[start_in_own_context(app, supervisor.id, staff.id, "tok-race", results)] * 2)

    assert len(results) == 2
    assert results[0][0] == results[1][0]
    assert sorted(created for _, created in results) == [False, True]
    assert audit_count() == 1
    assert db.session.scalar(select(func.count(AuditItem.id))) == len(ITEM_TEXTS)
    assert db.session.scalar(select(func.count(ChecklistVersion.id))) == 1


# --- 8. concurrency ----------------------------------------------------------------------


def test_two_supervisors_submitting_at_once_are_both_stored(app, make_user, make_staff, make_audit):
    make_audit()  # the checklist version is already stored
    sup_a, sup_b = make_user("supervisor"), make_user("supervisor")
    staff_a, staff_b = make_staff("Bea Kim"), make_staff("Carl Diaz")
    clients = [logged_in_client(app, sup_a), logged_in_client(app, sup_b)]
    start_together = threading.Barrier(2)
    responses = {}

    def submit(index, staff_id, token):
        def run():
            start_together.wait(timeout=10)
            responses[index] = clients[index].post(new_url(staff_id), data=form_data(token=token))

        return run

    before = audit_count()
    run_in_threads(submit(0, staff_a.id, "tok-a"), submit(1, staff_b.id, "tok-b"))
    assert [responses[i].status_code for i in (0, 1)] == [302, 302]
    db.session.expire_all()
    stored = {
        a.form_token: a
        for a in db.session.execute(
            select(Audit).where(Audit.form_token.in_(["tok-a", "tok-b"]))
        ).scalars()
    }
    assert audit_count() == before + 2
    assert stored["tok-a"].staff_member_id == staff_a.id
    assert stored["tok-a"].supervisor_id == sup_a.id
    assert stored["tok-b"].staff_member_id == staff_b.id
    assert stored["tok-b"].supervisor_id == sup_b.id
    assert all(a.status == "submitted" for a in stored.values())


def test_first_two_audits_of_a_new_checklist_version_at_once_are_both_stored(
    app, make_user, make_staff, monkeypatch
):
    """Two supervisors are the first to use a checklist (version) at the same moment."""
    supervisor = make_user("supervisor")
    staff_a, staff_b = make_staff("Bea Kim"), make_staff("Carl Diaz")
    assert db.session.scalar(select(func.count(ChecklistVersion.id))) == 0

    hold_until_both_store_the_checklist_version(monkeypatch)
    results: list[tuple[int, bool]] = []
    run_in_threads(
        start_in_own_context(app, supervisor.id, staff_a.id, "tok-first-a", results),
        start_in_own_context(app, supervisor.id, staff_b.id, "tok-first-b", results),
    )
    assert sorted(created for _, created in results) == [True, True]
    assert audit_count() == 2
    assert db.session.scalar(select(func.count(ChecklistVersion.id))) == 1
