"""Scoring a new audit: the form, the stored result, critical failures first."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from audits_support import (
    THANKED_NO_OVERALL,
    assert_between,
    audit_count,
    audit_id_from,
    checked_radio,
    events_of,
    fresh,
    fresh_single_audit,
    hidden,
    items_of,
    listed_ids,
    load_checklist_fingerprint,
    new_url,
    radio_values,
)
from conftest import GOOD_ANSWERS, ITEM_TEXTS, form_data, text_of

# --- 1. creating -------------------------------------------------------------------------


def test_new_without_choice_shows_the_choice_form(client, supervisor, staff):
    response = client.get("/audits/new")
    assert response.status_code == 200
    page = text_of(response)
    assert "Choose who you observed and the checklist to score them against." in page
    html = response.get_data(as_text=True)
    assert re.search(rf'<option[^>]*value="{staff.id}"[^>]*>Ana Lopez \(Front desk\)', html)
    assert re.search(r'<option[^>]*value="counter-basics"[^>]*>Counter basics', html)
    assert 'name="staff"' in html and 'name="checklist"' in html
    assert audit_count() == 0


def test_new_with_choice_shows_the_scoring_form(client, supervisor, staff):
    response = client.get(new_url(staff.id))
    assert response.status_code == 200
    page = text_of(response)
    assert "New audit" in page and "Ana Lopez" in page and "Counter basics" in page
    for title in ("Greeting", "Closing"):
        assert title in page
    for text in ITEM_TEXTS.values():
        assert text in page
    # Section titles come before their items, items in the order of the file.
    positions = [page.index(t) for t in ("Greeting", *list(ITEM_TEXTS.values())[:3], "Closing")]
    assert positions == sorted(positions)
    assert page.index("Closing") < page.index("Thanked the customer")
    # Do / don't marks (and the critical mark) right before each item's text.
    assert "Do Critical Greeted the customer" in page
    assert "Do Greeted with warmth" in page
    assert "Do Thanked the customer" in page
    assert "Don't Critical Argued with the customer" in page
    # The answer options: N/A only where the item allows it.
    assert radio_values(response, "item_greeted") == ["yes", "no"]
    assert radio_values(response, "item_warmth") == ["1", "2", "3", "4", "5", "na"]
    assert radio_values(response, "item_smiled") == ["never", "sometimes", "often", "na"]
    assert radio_values(response, "item_thanked") == ["yes", "no", "na"]
    assert radio_values(response, "item_argued") == ["yes", "no", "na"]
    # What good looks like, and the channel note of an in-person-only item.
    assert "Greeted within seconds" in page and "Did not greet" in page
    assert "Only asked on: In person." in page
    # A fresh form: nothing answered yet, a token and the checklist's fingerprint.
    assert all(checked_radio(response, f"item_{i}") is None for i in ITEM_TEXTS)
    assert hidden(response, "token")
    assert hidden(response, "fingerprint") == load_checklist_fingerprint()
    assert audit_count() == 0


def test_scoring_form_shows_item_guidance(client, supervisor, staff, checklists_dir):
    path = checklists_dir / "counter-basics.yaml"
    path.write_text(
        path.read_text().replace(
            "        allow_na: false\n",
            "        allow_na: false\n"
            "        guidance: Look up and say hello within five seconds.\n",
        )
    )
    response = client.get(new_url(staff.id))
    assert response.status_code == 200
    page = text_of(response)
    assert_between(
        page,
        "Look up and say hello within five seconds.",
        "Greeted the customer",
        "Greeted with warmth",
    )


def test_submit_stores_the_audit_and_shows_the_result(client, supervisor, staff):
    data = form_data(
        customer_type="first_time",
        duration_minutes="12",
        outcome="sale",
        monetary_value="49.90",
        lead_captured="y",
        notes="Asked about the loyalty card.",
        comment_warmth="Friendly but a little rushed.",
    )
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 302, text_of(response)
    audit_id = audit_id_from(response.headers["Location"])
    assert response.headers["Location"] == f"/audits/{audit_id}"

    audit = fresh(audit_id)
    assert audit.status == "submitted"
    assert audit.submitted_at is not None
    assert audit.overall == pytest.approx(92.0)
    assert audit.band == "Excellent"
    assert audit.passed is True
    assert audit.critical_failures == []
    assert audit.revision == 0 and audit.amended_at is None
    assert audit.staff_member_id == staff.id
    assert audit.supervisor_id == supervisor.id
    assert audit.checklist_id == "counter-basics"
    assert audit.checklist_version.version == 2
    assert audit.checklist_version.fingerprint == load_checklist_fingerprint()
    assert audit.form_token == "tok-1"
    assert audit.answers == GOOD_ANSWERS
    assert audit.comments == {"warmth": "Friendly but a little rushed."}
    # The interaction measures.
    assert audit.channel == "in_person"
    assert audit.observed_at == datetime.strptime(data["observed_at"], "%Y-%m-%dT%H:%M")
    assert audit.customer_type == "first_time"
    assert audit.duration_minutes == 12
    assert audit.outcome == "sale"
    assert audit.monetary_value == Decimal("49.90")
    assert audit.lead_captured is True
    assert audit.notes == "Asked about the loyalty card."

    items = items_of(audit_id)
    assert set(items) == set(ITEM_TEXTS)
    assert {i.section_id for i in items.values()} == {"greeting", "closing"}
    assert all(i.status == "scored" for i in items.values())
    assert (items["warmth"].answer, items["warmth"].earned, items["warmth"].possible) == (
        "4",
        pytest.approx(4.0),
        pytest.approx(5.0),
    )
    assert items["warmth"].met is False
    assert items["greeted"].met is True and items["greeted"].critical is True
    assert items["argued"].kind == "dont" and items["argued"].answer == "no"
    assert items["argued"].met is True and items["argued"].critical_failed is False
    assert [e.action for e in events_of(audit_id)] == ["created", "submitted"]

    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    page = text_of(shown)
    assert f"Audit #{audit_id} submitted: 92.0%, passed." in page
    assert "92.0%" in page and "PASS" in page and "FAIL" not in page
    assert "Excellent" in page
    assert "Greeting 2 88.0%" in page  # the sections table: title, weight, score
    assert "Closing 1 100.0%" in page
    for text in ITEM_TEXTS.values():
        assert text in page
    assert "4 – Very good" in page and "Often" in page
    assert "Friendly but a little rushed." in page
    assert "First-time customer" in page and "12 min" in page and "Sale made" in page
    assert "49.90" in page and "Lead or referral captured Yes" in page
    assert "Asked about the loyalty card." in page
    assert "Critical failures" not in page


def test_submitted_flash_is_shown_once(client, supervisor, staff):
    response = client.post(new_url(staff.id), data=form_data(), follow_redirects=True)
    assert "submitted: 92.0%, passed." in text_of(response)
    again = client.get(f"/audits/{fresh_single_audit().id}")
    assert "submitted: 92.0%, passed." not in text_of(again)


def test_na_and_items_not_asked_on_the_channel_are_left_out(client, supervisor, staff):
    answers = {"greeted": "yes", "warmth": "na", "thanked": "yes", "argued": "no"}
    response = client.post(new_url(staff.id), data=form_data(answers, channel="phone"))
    assert response.status_code == 302, text_of(response)
    audit = fresh(audit_id_from(response.headers["Location"]))
    assert audit.channel == "phone"
    assert audit.overall == pytest.approx(100.0) and audit.passed is True
    items = items_of(audit.id)
    assert items["warmth"].status == "na" and items["warmth"].met is None
    assert items["smiled"].status == "not_asked"
    page = text_of(client.get(f"/audits/{audit.id}"))
    assert "100.0%" in page and "Not asked on this channel" in page and "N/A" in page


def test_staff_see_only_their_own_audits(client, login_as, make_staff, make_audit):
    mine, other = make_staff("Eve Hart"), make_staff("Finn Roe")
    own = make_audit(mine)
    theirs = make_audit(other)
    login_as("staff", staff=mine)
    assert client.get(f"/audits/{own.id}").status_code == 200
    assert client.get(f"/audits/{theirs.id}").status_code == 403
    assert listed_ids(client.get("/audits")) == [own.id]
    assert client.get(f"/audits/{own.id}/amend").status_code == 403


# --- 2. critical failures ----------------------------------------------------------------


def test_critical_failure_fails_and_is_listed_before_the_sections(client, supervisor, staff):
    data = form_data({**GOOD_ANSWERS, "argued": "yes"})
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 302, text_of(response)
    audit = fresh(audit_id_from(response.headers["Location"]))
    assert audit.passed is False
    assert audit.critical_failures == ["argued"]
    assert audit.overall == pytest.approx(THANKED_NO_OVERALL)  # closing (1 + 0) / 2 = 50%
    assert items_of(audit.id)["argued"].critical_failed is True

    page = text_of(client.get(response.headers["Location"]))
    assert "FAIL" in page and "PASS" not in page
    assert "75.3%" in page  # the percentage is still computed and shown
    assert "Meets the standard" in page
    critical = page.index("Critical failures")
    listed = page.index("Argued with the customer", critical)
    assert critical < listed < page.index("Sections", critical)
    assert "submitted: 75.3%, failed." in page
