"""Posts the scoring form refuses: the form back with every answer kept, nothing stored."""

from __future__ import annotations

import pytest
from audits_support import (
    assert_between,
    audit_count,
    audit_id_from,
    checked_radio,
    fresh,
    hidden,
    items_of,
    load_checklist_fingerprint,
    new_url,
    textarea,
)
from conftest import GOOD_ANSWERS, form_data, text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import AuditEvent, AuditItem

# --- 6. invalid posts --------------------------------------------------------------------

# The clock fixture stops the app's clock at 2 Nov 2026 12:00 (UTC, the tests' zone).
BEFORE_NOW = "2026-11-02T11:00"
FUTURE = "2026-11-04T12:00"

INVALID_POSTS = [
    pytest.param(
        {"item_warmth": "9"},
        "Not a valid choice.",
        ("Greeted with warmth", "Smiled"),
        id="answer-not-on-the-scale",
    ),
    pytest.param(
        {"item_greeted": "na"},
        "Not a valid choice.",
        ("Greeted the customer", "Greeted with warmth"),
        id="na-where-not-allowed",
    ),
    pytest.param(
        {"item_smiled": ""},
        "no answer given",
        ("Smiled", "Closing"),
        id="missing-answer-on-submit",
    ),
    pytest.param(
        {"observed_at": FUTURE},
        "This is in the future",
        ("When it happened", "Customer type"),
        id="future-observed-at",
    ),
    pytest.param(
        {"duration_minutes": "-5"},
        "Number must be between 0 and 1440.",
        ("Duration (minutes)", "Outcome"),
        id="negative-duration",
    ),
    pytest.param(
        {"monetary_value": "lots"},
        "Enter an amount in the digits 0 to 9 with at most 2 decimal places",
        ("Monetary value", "A lead or referral was captured"),
        id="money-not-a-number",
    ),
    pytest.param(
        {"channel": "carrier_pigeon"},
        "Not a valid choice.",
        ("Channel", "When it happened"),
        id="unknown-channel",
    ),
]


@pytest.mark.parametrize(("fields", "message", "place"), INVALID_POSTS)
def test_invalid_post_reshows_the_form_and_stores_nothing(
    client, clock, supervisor, staff, fields, message, place
):
    data = form_data(comment_warmth="Kept this comment", notes="Kept these notes")
    data["observed_at"] = BEFORE_NOW
    data.update(fields)
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 400, text_of(response)
    page = text_of(response)
    assert "Nothing was saved" in page
    assert_between(page, message, *place)
    assert audit_count() == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
    # What was typed is still there.
    assert textarea(response, "comment_warmth") == "Kept this comment"
    assert textarea(response, "notes") == "Kept these notes"
    assert checked_radio(response, "item_thanked") == "yes"


def test_missing_answer_keeps_the_other_answers_and_comments(client, supervisor, staff):
    answers = {"greeted": "yes", "warmth": "2", "smiled": "sometimes", "argued": "no"}
    data = form_data(
        answers,
        comment_warmth="Flat tone",
        comment_argued="Stayed calm",
        notes="Queue was long",
        duration_minutes="11",
    )
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert_between(page, "no answer given", "Thanked the customer", "Argued with the customer")
    assert page.count("no answer given") == 1
    for item_id, answer in answers.items():
        assert checked_radio(response, f"item_{item_id}") == answer
    assert checked_radio(response, "item_thanked") is None
    assert textarea(response, "comment_warmth") == "Flat tone"
    assert textarea(response, "comment_argued") == "Stayed calm"
    assert textarea(response, "notes") == "Queue was long"
    assert 'value="11"' in response.get_data(as_text=True)
    assert hidden(response, "token") == "tok-1"  # the retry is still the same form
    assert audit_count() == 0


def test_unknown_item_field_is_ignored(client, supervisor, staff):
    response = client.post(new_url(staff.id), data=form_data(item_bogus="yes"))
    assert response.status_code == 302, text_of(response)
    audit = fresh(audit_id_from(response.headers["Location"]))
    assert "bogus" not in audit.answers and "bogus" not in audit.comments
    assert audit.answers == GOOD_ANSWERS
    assert "bogus" not in items_of(audit.id)
    assert (
        db.session.scalar(select(func.count(AuditItem.id)).where(AuditItem.item_id == "bogus")) == 0
    )


def test_changed_fingerprint_reshows_the_form_with_answers_kept(client, supervisor, staff):
    answers = {**GOOD_ANSWERS, "warmth": "2", "smiled": "never"}
    response = client.post(
        new_url(staff.id), data=form_data(answers, fingerprint="0" * 64, comment_smiled="Tired")
    )
    assert response.status_code == 409
    assert "The checklist was updated while you were scoring" in text_of(response)
    for item_id, answer in answers.items():
        assert checked_radio(response, f"item_{item_id}") == answer
    assert textarea(response, "comment_smiled") == "Tired"
    assert hidden(response, "fingerprint") == load_checklist_fingerprint()
    assert audit_count() == 0


def test_missing_token_is_refused(client, supervisor, staff):
    response = client.post(new_url(staff.id), data=form_data(token=""))
    assert response.status_code == 400
    assert "Nothing was saved" in text_of(response)
    assert audit_count() == 0


def test_staff_member_that_does_not_exist_is_refused(client, supervisor, staff):
    response = client.post(new_url(999999), data=form_data())
    assert response.status_code in (400, 404)
    assert audit_count() == 0
    response = client.get(new_url(999999))
    assert response.status_code in (400, 404)


def test_inactive_staff_member_cannot_be_audited(client, supervisor, make_staff):
    from auditapp.services import people

    gone = make_staff("Left Company")
    people.update_staff(gone, gone.name, None, None, False, by=None)
    response = client.post(new_url(gone.id), data=form_data())
    assert response.status_code in (400, 404)
    assert audit_count() == 0


def test_checklist_that_does_not_exist_is_refused(client, supervisor, staff):
    response = client.post(new_url(staff.id, checklist="nope"), data=form_data())
    assert response.status_code == 400
    page = text_of(response)
    assert_between(page, "Not a valid choice.", "Checklist Counter basics", None)
    assert audit_count() == 0
    assert client.get(new_url(staff.id, checklist="nope")).status_code == 400


def test_only_supervisors_score(client, login_as, staff):
    login_as("trainer")
    assert client.get(new_url(staff.id)).status_code == 403
    assert client.post(new_url(staff.id), data=form_data()).status_code == 403
    assert audit_count() == 0
