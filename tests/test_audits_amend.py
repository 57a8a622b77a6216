"""Amending a submitted audit: a reason, the new score, the history."""

from __future__ import annotations

import pytest
from audits_support import (
    THANKED_NO_OVERALL,
    assert_between,
    audit_count,
    checked_radio,
    events_of,
    fresh,
    items_of,
    textarea,
)
from conftest import GOOD_ANSWERS, ITEM_TEXTS, text_of

# --- 5. amending -------------------------------------------------------------------------


def test_amend_form_is_prefilled_with_a_reason_field(client, submitted):
    audit_id, _ = submitted
    response = client.get(f"/audits/{audit_id}/amend")
    assert response.status_code == 200
    page = text_of(response)
    assert f"Amend audit #{audit_id}" in page
    assert "Reason for the amendment" in page
    assert textarea(response, "reason") == ""
    for item_id, answer in GOOD_ANSWERS.items():
        assert checked_radio(response, f"item_{item_id}") == answer
    assert 'value="Save amendment"' in response.get_data(as_text=True)


def test_amend_without_a_reason_is_refused(client, submitted):
    audit_id, data = submitted
    response = client.post(
        f"/audits/{audit_id}/amend", data={**data, "item_thanked": "no", "reason": "  "}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert_between(page, "Say why the audit is being amended.", "Reason for the amendment", None)
    assert checked_radio(response, "item_thanked") == "no"  # what was typed is kept
    audit = fresh(audit_id)
    assert audit.revision == 0 and audit.amended_at is None
    assert audit.answers == GOOD_ANSWERS and audit.overall == pytest.approx(92.0)
    assert items_of(audit_id)["thanked"].answer == "yes"
    assert events_of(audit_id, "amended") == []


def test_amend_stores_the_new_score_and_the_history(client, submitted, supervisor):
    audit_id, data = submitted
    reason = "Watched the recording again: no thanks."
    response = client.post(
        f"/audits/{audit_id}/amend", data={**data, "item_thanked": "no", "reason": reason}
    )
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"/audits/{audit_id}"

    audit = fresh(audit_id)
    assert audit.revision == 1
    assert audit.amended_at is not None
    assert audit.status == "submitted"
    assert audit.answers == {**GOOD_ANSWERS, "thanked": "no"}
    assert audit.overall == pytest.approx(THANKED_NO_OVERALL)
    assert audit.band == "Meets the standard"
    assert audit.passed is True
    items = items_of(audit_id)
    assert set(items) == set(ITEM_TEXTS)
    assert items["thanked"].answer == "no" and items["thanked"].met is False
    assert items["thanked"].earned == pytest.approx(0.0)
    assert audit_count() == 1

    (event,) = events_of(audit_id, "amended")
    assert event.reason == reason
    assert event.user_id == supervisor.id
    assert event.changes == [{"field": "answer:thanked", "before": "yes", "after": "no"}]

    page = text_of(client.get(response.headers["Location"]))
    assert f"Audit #{audit_id} amended: revision 1." in page
    assert "Amended" in page
    assert "75.3%" in page and "PASS" in page
    assert f"Reason: {reason}" in page
    assert "Answer to “Thanked the customer”: yes → no" in page
    assert "answer:thanked" not in page  # people see the item, not its id


def test_amend_records_changed_interaction_measures(client, submitted):
    audit_id, data = submitted
    response = client.post(
        f"/audits/{audit_id}/amend",
        data={**data, "duration_minutes": "9", "outcome": "escalated", "reason": "Timer was off"},
    )
    assert response.status_code == 302, text_of(response)
    audit = fresh(audit_id)
    assert audit.duration_minutes == 9 and audit.outcome == "escalated"
    assert audit.overall == pytest.approx(92.0)
    (event,) = events_of(audit_id, "amended")
    assert event.changes == [
        {"field": "duration_minutes", "before": "7", "after": "9"},
        {"field": "outcome", "before": "resolved", "after": "escalated"},
    ]
    history = text_of(client.get(f"/audits/{audit_id}/history"))
    assert "Duration (minutes): 7 → 9" in history and "Outcome: resolved → escalated" in history


def test_amend_with_nothing_changed_is_refused(client, submitted):
    audit_id, data = submitted
    response = client.post(f"/audits/{audit_id}/amend", data={**data, "reason": "Just checking"})
    assert response.status_code == 400
    assert "Nothing was changed, so there is nothing to amend." in text_of(response)
    audit = fresh(audit_id)
    assert audit.revision == 0 and audit.amended_at is None
    assert events_of(audit_id, "amended") == []


def test_amend_with_an_invalid_answer_changes_nothing(client, submitted):
    audit_id, data = submitted
    response = client.post(
        f"/audits/{audit_id}/amend", data={**data, "item_thanked": "", "reason": "Unsure"}
    )
    assert response.status_code == 400
    assert_between(
        text_of(response), "no answer given", "Thanked the customer", "Argued with the customer"
    )
    audit = fresh(audit_id)
    assert audit.revision == 0 and audit.answers == GOOD_ANSWERS
    assert events_of(audit_id, "amended") == []
