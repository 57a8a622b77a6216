"""The audits blueprint: scoring, drafts, amendments, validation, double submits, the list
and a person's progress page, checked against the pages and the database rows."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from conftest import DATA, GOOD_ANSWERS, PASSWORD, form_data, text_of
from sqlalchemy import func, select

from auditapp.checklists import load_checklist
from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent, AuditItem, ChecklistVersion, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import checklists as checklist_store

ITEM_TEXTS = {
    "greeted": "Greeted the customer",
    "warmth": "Greeted with warmth",
    "smiled": "Smiled",
    "thanked": "Thanked the customer",
    "argued": "Argued with the customer",
}
# Overall (2 * 88 + 50) / 3 when "thanked" is answered "no" and everything else is good.
THANKED_NO_OVERALL = (2 * 88 + 50) / 3


# --- helpers -----------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The <input> and <textarea> elements of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict[str, str | None]] = []
        self.textareas: dict[str, str] = {}
        self._open_textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input":
            self.inputs.append(attributes)
        elif tag == "textarea":
            self._open_textarea = attributes.get("name") or ""
            self.textareas[self._open_textarea] = ""

    def handle_data(self, data):
        if self._open_textarea is not None:
            self.textareas[self._open_textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._open_textarea = None


def fields_of(response) -> _FormFields:
    parser = _FormFields()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser


def radio_values(response, name: str) -> list[str]:
    """The values offered by the radio group `name`, in page order."""
    return [
        i["value"]
        for i in fields_of(response).inputs
        if i.get("type") == "radio" and i.get("name") == name
    ]


def checked_radio(response, name: str) -> str | None:
    """The value of the checked radio input of the group `name` (None when none is)."""
    checked = [
        i["value"]
        for i in fields_of(response).inputs
        if i.get("type") == "radio" and i.get("name") == name and "checked" in i
    ]
    assert len(checked) <= 1, checked
    return checked[0] if checked else None


def textarea(response, name: str) -> str | None:
    value = fields_of(response).textareas.get(name)
    return None if value is None else value.strip()


def hidden(response, name: str) -> str | None:
    for i in fields_of(response).inputs:
        if i.get("type") == "hidden" and i.get("name") == name:
            return i.get("value")
    return None


def assert_between(page_text: str, message: str, after: str, before: str | None) -> None:
    """`message` is shown after the text `after` (a field's label) and before `before`."""
    start = page_text.index(after)
    position = page_text.find(message, start)
    assert position != -1, f"{message!r} is not shown after {after!r}: {page_text}"
    if before is not None:
        assert position < page_text.index(before, start), (
            f"{message!r} is shown after {before!r} rather than next to {after!r}"
        )


def new_url(staff_id, checklist="counter-basics") -> str:
    return f"/audits/new?staff={staff_id}&checklist={checklist}"


def audit_count() -> int:
    return db.session.scalar(select(func.count(Audit.id)))


def fresh(audit_id: int) -> Audit:
    """The audit as the database now holds it (not as this session last saw it)."""
    db.session.expire_all()
    return db.session.get(Audit, audit_id)


def load_checklist_fingerprint(folder=None) -> str:
    return load_checklist((folder or DATA / "valid") / "counter-basics.yaml").fingerprint


def fresh_single_audit() -> Audit:
    db.session.expire_all()
    return db.session.execute(select(Audit)).scalar_one()


def audit_id_from(location: str) -> int:
    match = re.fullmatch(r"/audits/(\d+)(/edit)?", location)
    assert match, location
    return int(match.group(1))


def listed_ids(response) -> list[int]:
    """The audits listed in the /audits table, in page order."""
    html = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<td><a href="/audits/(\d+)">#\1</a></td>', html)]


def events_of(audit_id: int, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.audit_id == audit_id).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def items_of(audit_id: int) -> dict[str, AuditItem]:
    db.session.expire_all()
    rows = db.session.execute(select(AuditItem).where(AuditItem.audit_id == audit_id)).scalars()
    return {row.item_id: row for row in rows}


def logged_in_client(app, user: User):
    """A test client of its own, logged in as `user` through the real login form."""
    other = app.test_client()
    # A context of its own: the test's shared one caches whoever logged in last in `g`.
    with app.app_context():
        response = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)
    return other


def run_in_threads(*targets) -> None:
    """Run each callable in its own thread at the same time; re-raise the first error."""
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def start_in_own_context(app, supervisor_id, staff_id, token, results, before=None):
    """Call the audit service as a separate request would: its own app context and session."""

    def run():
        with app.app_context():
            supervisor = db.session.get(User, supervisor_id)
            staff = db.session.get(StaffMember, staff_id)
            if before is not None:
                before()
            audit, created = audit_service.start(
                supervisor=supervisor,
                staff=staff,
                checklist=checklist_store.available()["counter-basics"],
                token=token,
                interaction=audit_service.Interaction(
                    channel="in_person", observed_at=datetime(2026, 11, 2, 10, 30)
                ),
                entry=audit_service.Answers.clean(dict(GOOD_ANSWERS), {}),
                submit=True,
            )
            results.append((audit.id, created))

    return run


FILTER_FIELDS = ("staff", "team", "checklist", "supervisor", "date_from", "date_to", "result")


def filter_list(client, **filters):
    """GET /audits as the filter form submits it: every field present, blanks for 'any'."""
    query = dict.fromkeys(FILTER_FIELDS, "")
    query["status"] = ""
    query.update({k: str(v) for k, v in filters.items()})
    return client.get("/audits", query_string=query)


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.fixture
def staff(make_staff):
    return make_staff("Ana Lopez", "Front desk")


@pytest.fixture
def submitted(client, supervisor, staff):
    """An audit submitted through the form; returns (audit id, the form data posted)."""
    data = form_data(token="tok-submitted")
    response = client.post(new_url(staff.id), data=data)
    assert response.status_code == 302, text_of(response)
    client.get(response.headers["Location"])  # read the flash message
    return audit_id_from(response.headers["Location"]), data


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
    assert "answer:thanked: yes → no" in page


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


# --- 6. invalid posts --------------------------------------------------------------------

FUTURE = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

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
    client, supervisor, staff, fields, message, place
):
    data = form_data(comment_warmth="Kept this comment", notes="Kept these notes")
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
    people.update_staff(gone, gone.name, None, None, False)
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

    def wait_then_store(checklist):
        # A broken barrier means only one thread got here: nothing to race with.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_storing.wait(timeout=5)
        return original(checklist)

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
        checklist_store.stored_version(checklist_store.available()["counter-basics"])
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


# --- 9. the checklist snapshot -----------------------------------------------------------


def test_old_audits_keep_the_checklist_they_were_scored_against(
    client, supervisor, staff, checklists_dir
):
    answers = {**GOOD_ANSWERS, "thanked": "no"}
    response = client.post(new_url(staff.id), data=form_data(answers, token="tok-old"))
    assert response.status_code == 302
    old_id = audit_id_from(response.headers["Location"])
    old_version_id = fresh(old_id).checklist_version_id
    assert fresh(old_id).overall == pytest.approx(THANKED_NO_OVERALL)

    # Reword "thanked" and triple its weight, without bumping the version.
    path = checklists_dir / "counter-basics.yaml"
    original = path.read_text()
    changed = original.replace(
        "        text: Thanked the customer\n",
        "        text: Thanked the customer by name\n        weight: 3\n",
    )
    assert changed != original
    path.write_text(changed)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    shown = client.get(f"/audits/{old_id}")
    page = text_of(shown)
    assert "Thanked the customer" in page and "Thanked the customer by name" not in page
    assert "75.3%" in page  # with the new weight it would be (2*88 + 25) / 3 = 67.0%
    assert "67.0%" not in page
    old = fresh(old_id)
    assert old.overall == pytest.approx(THANKED_NO_OVERALL)
    assert old.checklist_version_id == old_version_id

    # A new audit is scored against the new wording and weight.
    form = client.get(new_url(staff.id))
    assert "Thanked the customer by name" in text_of(form)
    new_fingerprint = hidden(form, "fingerprint")
    assert new_fingerprint == load_checklist_fingerprint(checklists_dir)
    assert new_fingerprint != load_checklist_fingerprint()
    response = client.post(
        new_url(staff.id), data=form_data(answers, token="tok-new", fingerprint=new_fingerprint)
    )
    assert response.status_code == 302, text_of(response)
    new = fresh(audit_id_from(response.headers["Location"]))
    assert new.checklist_version_id != old_version_id
    assert new.checklist_version.fingerprint == new_fingerprint
    assert new.overall == pytest.approx((2 * 88 + 25) / 3)
    assert "Thanked the customer by name" in text_of(client.get(f"/audits/{new.id}"))
    assert "75.3%" in text_of(client.get(f"/audits/{old_id}"))

    checklists_page = text_of(client.get("/checklists"))
    assert "changed without their" in checklists_page
    assert "counter-basics version 2: 2 different contents" in checklists_page


def test_form_opened_before_the_checklist_changed_is_reshown(
    client, supervisor, staff, checklists_dir
):
    path = checklists_dir / "counter-basics.yaml"
    path.write_text(path.read_text().replace("text: Smiled\n", "text: Smiled warmly\n"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    response = client.post(new_url(staff.id), data=form_data())  # the old fingerprint
    assert response.status_code == 409
    page = text_of(response)
    assert "The checklist was updated while you were scoring" in page
    assert "Smiled warmly" in page
    assert checked_radio(response, "item_smiled") == "often"
    assert hidden(response, "fingerprint") == load_checklist_fingerprint(checklists_dir)
    assert audit_count() == 0


# --- 10. the list ------------------------------------------------------------------------


@pytest.fixture
def listed(make_user, make_staff, make_audit):
    """Five submitted audits across staff, teams, supervisors, dates and results."""
    sup_x, sup_y = make_user("supervisor"), make_user("supervisor")
    ana = make_staff("Ana Lopez", "Front desk")
    ben = make_staff("Ben Okafor", "Front desk")
    cai = make_staff("Cai Wong", "Phones")
    fail = {**GOOD_ANSWERS, "argued": "yes"}
    audits = {
        "ana-1": make_audit(ana, sup_x, observed_at=datetime(2026, 11, 1, 9, 0)),
        "ana-3": make_audit(ana, sup_y, answers=fail, observed_at=datetime(2026, 11, 3, 9, 0)),
        "ben-2": make_audit(ben, sup_x, observed_at=datetime(2026, 11, 2, 9, 0)),
        "cai-4": make_audit(cai, sup_y, observed_at=datetime(2026, 11, 4, 9, 0)),
        "cai-5": make_audit(cai, sup_x, answers=fail, observed_at=datetime(2026, 11, 5, 17, 0)),
    }
    ids = {key: audit.id for key, audit in audits.items()}
    return {
        "ids": ids,
        "sup_x": sup_x,
        "sup_y": sup_y,
        "ana": ana,
        "ben": ben,
        "cai": cai,
    }


def test_list_is_newest_first(client, supervisor, listed):
    ids = listed["ids"]
    response = client.get("/audits")
    assert response.status_code == 200
    assert listed_ids(response) == [ids[k] for k in ("cai-5", "cai-4", "ana-3", "ben-2", "ana-1")]
    assert "5 audits, newest first." in text_of(response)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(lambda d: {"staff": d["ana"].id}, ["ana-3", "ana-1"], id="staff"),
        pytest.param(lambda d: {"team": d["ana"].team_id}, ["ana-3", "ben-2", "ana-1"], id="team"),
        pytest.param(lambda d: {"team": d["cai"].team_id}, ["cai-5", "cai-4"], id="other-team"),
        pytest.param(
            lambda d: {"checklist": "counter-basics"},
            ["cai-5", "cai-4", "ana-3", "ben-2", "ana-1"],
            id="checklist",
        ),
        pytest.param(lambda d: {"supervisor": d["sup_y"].id}, ["cai-4", "ana-3"], id="supervisor"),
        pytest.param(
            lambda d: {"date_from": "2026-11-02", "date_to": "2026-11-04"},
            ["cai-4", "ana-3", "ben-2"],
            id="date-range",
        ),
        pytest.param(lambda d: {"date_from": "2026-11-05"}, ["cai-5"], id="date-from-whole-day"),
        pytest.param(
            lambda d: {"date_to": "2026-11-05"},
            ["cai-5", "cai-4", "ana-3", "ben-2", "ana-1"],
            id="date-to-includes-the-day",
        ),
        pytest.param(lambda d: {"result": "passed"}, ["cai-4", "ben-2", "ana-1"], id="passed"),
        pytest.param(lambda d: {"result": "failed"}, ["cai-5", "ana-3"], id="failed"),
        pytest.param(
            lambda d: {"staff": d["cai"].id, "result": "failed"}, ["cai-5"], id="combined"
        ),
    ],
)
def test_list_filters(client, supervisor, listed, filters, expected):
    response = filter_list(client, **filters(listed))
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"][k] for k in expected]


def test_list_filter_with_no_match_says_so(client, supervisor, listed):
    response = filter_list(client, date_from="2025-01-01", date_to="2025-01-31")
    assert response.status_code == 200
    assert listed_ids(response) == []
    assert "No audits match these filters." in text_of(response)


def test_list_filter_links_name_only_the_filter_used(client, supervisor, listed):
    """Links such as the staff page's "All audits" (/audits?staff=<id>) carry one filter."""
    ana = listed["ana"]
    staff_page = client.get(f"/staff/{ana.id}").get_data(as_text=True)
    assert f'href="/audits?staff={ana.id}"' in staff_page
    response = client.get(f"/audits?staff={ana.id}")
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"]["ana-3"], listed["ids"]["ana-1"]]
    response = client.get("/audits?result=failed")
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"]["cai-5"], listed["ids"]["ana-3"]]


def test_list_shows_own_drafts_only(client, supervisor, staff, listed, make_audit):
    mine = make_audit(staff, supervisor, answers={"greeted": "yes"}, submit=False)
    theirs = make_audit(staff, listed["sup_x"], answers={"greeted": "yes"}, submit=False)
    shown = listed_ids(client.get("/audits"))
    assert mine.id in shown and theirs.id not in shown
    drafts = listed_ids(filter_list(client, status="draft"))
    assert drafts == [mine.id]


@pytest.fixture
def thirty_audits(make_user, make_staff, make_audit):
    supervisor = make_user("supervisor")
    staff = make_staff("Dee Park")
    start = datetime(2026, 10, 1, 9, 0)
    ids = [
        make_audit(staff, supervisor, observed_at=start + timedelta(hours=n)).id for n in range(30)
    ]
    assert audit_count() == 30
    return list(reversed(ids))  # newest first


def test_list_paginates(client, supervisor, thirty_audits):
    first = filter_list(client)
    assert first.status_code == 200
    assert listed_ids(first) == thirty_audits[:25]
    assert "30 audits, newest first." in text_of(first)
    second = filter_list(client, page=2)
    assert second.status_code == 200
    assert listed_ids(second) == thirty_audits[25:]
    assert filter_list(client, page=3).status_code == 404


def test_list_pager_link_opens_page_two(client, supervisor, thirty_audits):
    first = client.get("/audits")
    assert listed_ids(first) == thirty_audits[:25]
    match = re.search(r'<a class="page-link" href="([^"]+)" rel="next">', first.get_data(True))
    assert match, "no link to the next page"
    second = client.get(match.group(1).replace("&amp;", "&"))
    assert second.status_code == 200, text_of(second)
    assert listed_ids(second) == thirty_audits[25:]


def test_list_empty_state_for_a_supervisor(client, supervisor):
    response = client.get("/audits")
    assert response.status_code == 200
    assert "No audits yet" in text_of(response)
    assert '<a href="/audits/new">start one</a>' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message", "place"),
    [
        pytest.param(
            {"date_from": "2026-11-05", "date_to": "2026-11-01"},
            "The end date is before the start date.",
            ("To", "Result"),
            id="end-before-start",
        ),
        pytest.param(
            {"staff": "abc"}, "could not coerce", ("Staff member", "Team"), id="staff-not-an-id"
        ),
        pytest.param(
            {"date_from": "yesterday"}, "Not a valid date value.", ("From", "To"), id="bad-date"
        ),
    ],
)
def test_list_invalid_filter(client, supervisor, listed, query, message, place):
    response = filter_list(client, **query)
    assert response.status_code == 400
    page = text_of(response)
    assert "Correct the filters marked above." in page
    assert_between(page, message, *place)
    assert listed_ids(response) == []


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
