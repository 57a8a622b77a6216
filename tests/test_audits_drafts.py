"""Drafts: saved, shown again, private, submitted later; submitted audits are read-only."""

from __future__ import annotations

import pytest
from audits_support import (
    assert_between,
    audit_count,
    audit_id_from,
    checked_radio,
    events_of,
    fresh,
    hidden,
    items_of,
    new_url,
    textarea,
)
from conftest import GOOD_ANSWERS, ITEM_TEXTS, form_data, text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit

# --- 3. drafts ---------------------------------------------------------------------------


def test_draft_is_saved_reshown_and_submitted(client, supervisor, staff):
    partial = {"greeted": "yes", "warmth": "3"}
    data = form_data(partial, submit=False, token="tok-draft", comment_greeted="Quick hello")
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 302, text_of(response)
    audit_id = audit_id_from(response.headers["Location"])
    assert response.headers["Location"] == f"/audits/{audit_id}/edit"

    audit = fresh(audit_id)
    assert audit.status == "draft"
    assert audit.overall is None and audit.passed is None and audit.band is None
    assert audit.submitted_at is None
    assert audit.answers == partial
    assert audit.comments == {"greeted": "Quick hello"}
    assert items_of(audit_id) == {}

    edit = client.get(response.headers["Location"])
    assert edit.status_code == 200
    assert f"Draft #{audit_id} saved for Ana Lopez." in text_of(edit)
    assert f"Draft audit #{audit_id}" in text_of(edit)
    assert checked_radio(edit, "item_greeted") == "yes"
    assert checked_radio(edit, "item_warmth") == "3"
    assert checked_radio(edit, "item_smiled") is None
    assert checked_radio(edit, "item_thanked") is None
    assert textarea(edit, "comment_greeted") == "Quick hello"
    assert hidden(edit, "token") == "tok-draft"

    # Saving the draft again with more answers keeps it a draft.
    more = {**partial, "smiled": "sometimes"}
    response = client.post(
        f"/audits/{audit_id}/edit", data=form_data(more, submit=False, token="tok-draft")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}/edit"
    audit = fresh(audit_id)
    assert audit.status == "draft" and audit.answers == more

    response = client.post(f"/audits/{audit_id}/edit", data=form_data(token="tok-draft"))
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"/audits/{audit_id}"
    audit = fresh(audit_id)
    assert audit.status == "submitted"
    assert audit.overall == pytest.approx(92.0) and audit.passed is True
    assert audit.answers == GOOD_ANSWERS
    assert set(items_of(audit_id)) == set(ITEM_TEXTS)
    assert audit_count() == 1
    assert [e.action for e in events_of(audit_id)] == ["created", "submitted"]
    assert f"Audit #{audit_id} submitted: 92.0%, passed." in text_of(
        client.get(response.headers["Location"])
    )

    # Once submitted, the draft's edit page sends the supervisor to the result.
    response = client.get(f"/audits/{audit_id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}"
    assert "already submitted; it can only be amended" in text_of(
        client.get(response.headers["Location"])
    )


def test_submitting_an_incomplete_draft_keeps_it_a_draft(client, supervisor, staff):
    partial = {"greeted": "yes", "warmth": "3"}
    response = client.post(new_url(staff.id), data=form_data(partial, submit=False))
    audit_id = audit_id_from(response.headers["Location"])

    response = client.post(
        f"/audits/{audit_id}/edit", data=form_data({**partial, "smiled": "never"})
    )
    assert response.status_code == 400
    page = text_of(response)
    assert_between(page, "no answer given", "Thanked the customer", "Argued with the customer")
    assert checked_radio(response, "item_smiled") == "never"
    audit = fresh(audit_id)
    assert audit.status == "draft" and audit.answers == partial and audit.overall is None


def test_drafts_are_private_to_their_supervisor(client, supervisor, staff, login_as):
    response = client.post(new_url(staff.id), data=form_data({"greeted": "no"}, submit=False))
    audit_id = audit_id_from(response.headers["Location"])
    login_as("supervisor")
    assert client.get(f"/audits/{audit_id}").status_code == 403
    assert client.post(f"/audits/{audit_id}/edit", data=form_data()).status_code == 403
    assert fresh(audit_id).status == "draft"


# --- 4. submitted audits are read-only ---------------------------------------------------


def test_posting_to_edit_a_submitted_audit_changes_nothing(client, submitted):
    audit_id, data = submitted
    before = fresh(audit_id)
    answers, overall, updated = dict(before.answers), before.overall, before.updated_at

    changed = {**data, "item_thanked": "no", "notes": "Sneaky change", "submit": "1"}
    response = client.post(f"/audits/{audit_id}/edit", data=changed)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}"
    assert "it can only be amended" in text_of(client.get(response.headers["Location"]))

    after = fresh(audit_id)
    assert after.answers == answers
    assert after.notes == ""
    assert after.overall == overall and after.revision == 0
    assert after.updated_at == updated
    assert items_of(audit_id)["thanked"].answer == "yes"
    assert [e.action for e in events_of(audit_id)] == ["created", "submitted"]


# --- 11. a person's page -----------------------------------------------------------------


def test_back_after_saving_a_draft_then_submit_updates_that_draft(client, login_as, make_staff):
    """The same form posted again (Back, then Submit) completes the draft it created."""
    login_as("supervisor")
    staff = make_staff()
    partial = {"greeted": "yes"}
    first = client.post(new_url(staff.id), data=form_data(partial, submit=False, token="tok-b"))
    audit_id = audit_id_from(first.headers["Location"])
    second = client.post(new_url(staff.id), data=form_data(token="tok-b"))
    assert second.headers["Location"] == f"/audits/{audit_id}"
    audit = fresh(audit_id)
    assert audit.status == "submitted"
    assert audit.answers == GOOD_ANSWERS
    assert db.session.scalar(select(func.count(Audit.id))) == 1
