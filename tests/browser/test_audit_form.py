"""The scoring form in a real browser: a supervisor scores an audit with the keyboard alone,
saves a draft, comes back to it, submits and downloads the PDF; a missing answer is shown
next to its item and every other answer stays as typed."""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from auditapp.checklists import NA, load_checklist
from auditapp.checklists.loader import PROJECT_DIR
from auditapp.scoring import score
from auditapp.services.demo import PASSWORD

from .helpers import SUPERVISOR, choose_by_keyboard, log_in, tab_to

pytestmark = pytest.mark.browser

CHECKLIST = "service-basics"
STAFF = "Ben Carter"  # a demo staff member of the Front desk
# Answered before the draft is saved, then after coming back to it.
FIRST = {
    "greeted-customer": "yes",
    "greeting-genuine": "4",
    "smiled": "often",
    "relaxed-manner": "5",
    "open-to-conversation": "yes",
}
THEN = {
    "thanked-customer": "yes",
    "correspondence-accurate": NA,
    "data-entry-accurate": "yes",
    "money-handled-correctly": "yes",
    "tasks-efficient": "no",
}


def item(item_id: str) -> str:
    return "item_" + item_id.replace("-", "_")


def comment(item_id: str) -> str:
    return "comment_" + item_id.replace("-", "_")


def test_supervisor_scores_an_audit_with_the_keyboard_alone(page: Page):
    keys = page.keyboard
    page.goto("/login")
    tab_to(page, "input[name=email]")
    keys.type(SUPERVISOR)
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Sam Okafor")).to_be_visible()

    # Start page -> New audit: staff member and checklist picked by typing their names.
    tab_to(page, "main a[href='/audits/new']")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/audits/new$"))
    tab_to(page, "select[name=staff]")
    keys.type(STAFF)
    expect(page.locator("select[name=staff] option:checked")).to_have_text(f"{STAFF} (Front desk)")
    tab_to(page, "select[name=checklist]")
    keys.type("Service basics")
    expect(page.locator("select[name=checklist]")).to_have_value(CHECKLIST)
    tab_to(page, "main button[type=submit]")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="New audit")).to_be_visible()

    # The interaction: channel left as in person, the rest typed or picked.
    choose_by_keyboard(page, "customer_type", "repeat")
    tab_to(page, "input[name=duration_minutes]")
    keys.type("6")
    tab_to(page, "select[name=outcome]")
    keys.type("Resolved")
    tab_to(page, "input[name=lead_captured]")
    keys.press("Space")

    # Half the items; one answer changed after its comment, going back with Shift+Tab.
    for item_id, value in FIRST.items():
        choose_by_keyboard(page, item(item_id), "3" if item_id == "greeting-genuine" else value)
        if item_id == "greeting-genuine":
            tab_to(page, f"textarea[name={comment(item_id)}]")
            keys.type("Warm once the queue cleared")
            tab_to(page, f"input[name={item(item_id)}]", backwards=True)
            keys.press("ArrowRight")  # 3 -> 4
            expect(page.locator(f"input[name={item(item_id)}][value='4']")).to_be_checked()
    tab_to(page, "textarea[name=notes]")
    keys.type("Busy lunchtime queue")
    tab_to(page, "input[name=save_draft]")
    keys.press("Enter")

    expect(page).to_have_url(re.compile(r"/audits/\d+/edit$"))
    audit_id = page.url.rsplit("/", 2)[1]
    expect(page.get_by_role("status")).to_have_text(
        f"Draft #{audit_id} saved for {STAFF}. It is only visible to you."
    )

    # Back to it from the start page's list of drafts.
    page.goto("/")
    tab_to(page, f"a[href='/audits/{audit_id}/edit']")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(rf"/audits/{audit_id}/edit$"))
    for item_id, value in FIRST.items():
        expect(page.locator(f"input[name={item(item_id)}][value='{value}']")).to_be_checked()
    expect(page.locator(f"textarea[name={comment('greeting-genuine')}]")).to_have_value(
        "Warm once the queue cleared"
    )
    expect(page.locator("textarea[name=notes]")).to_have_value("Busy lunchtime queue")
    expect(page.locator("input[name=customer_type][value=repeat]")).to_be_checked()
    expect(page.locator("input[name=duration_minutes]")).to_have_value("6")
    expect(page.locator("select[name=outcome]")).to_have_value("resolved")
    expect(page.locator("input[name=lead_captured]")).to_be_checked()

    for item_id, value in THEN.items():
        choose_by_keyboard(page, item(item_id), value)
    tab_to(page, "input[name=submit]")
    keys.press("Enter")

    expect(page).to_have_url(re.compile(rf"/audits/{audit_id}$"))
    checklist = load_checklist(PROJECT_DIR / f"{CHECKLIST}.yaml")
    expected = score(checklist, {**FIRST, **THEN}, "in_person")
    result = page.get_by_role("region", name="Result")
    expect(result.locator(".score-big")).to_have_text(f"{expected.overall:.1f}%")
    expect(result.get_by_text("PASS" if expected.passed else "FAIL", exact=True)).to_be_visible()
    expect(page.get_by_text("DRAFT", exact=True)).to_have_count(0)

    tab_to(page, f"a[href='/audits/{audit_id}.pdf']")
    with page.expect_download() as download:
        keys.press("Enter")
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
    assert STAFF in text
    assert f"{expected.overall:.1f}%" in text


def test_a_missing_answer_is_shown_by_its_item_and_nothing_typed_is_lost(page: Page, watch):
    log_in(page, SUPERVISOR)
    page.goto("/audits/new")
    page.get_by_label("Staff member").select_option(label=f"{STAFF} (Front desk)")
    page.get_by_label("Checklist").select_option(CHECKLIST)
    page.get_by_role("button", name="Start scoring").click()

    answers = {**FIRST, **THEN}
    missing = answers.pop("thanked-customer")
    comments = {"greeted-customer": "Looked up at once", "tasks-efficient": "Slow with the till"}
    for item_id, value in answers.items():
        radio = page.locator(f"input[name={item(item_id)}][value='{value}']")
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    for item_id, text in comments.items():
        page.locator(f"textarea[name={comment(item_id)}]").fill(text)
    page.get_by_label("Duration (minutes)").fill("12")
    page.get_by_label("Outcome").select_option("escalated")
    page.get_by_label("Overall notes").fill("Customer came back twice")
    action = urljoin(page.url, page.locator("main form").get_attribute("action"))
    watch.expect_refusal(action)  # the form comes back with a 4xx status
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Submit audit").click()

    assert posted.value.status == 400
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    row = page.locator("#item-thanked-customer")
    expect(row.get_by_role("alert")).to_be_visible()
    expect(row.locator("input[type=radio]").first).to_have_attribute("aria-invalid", "true")
    expect(page.locator("fieldset.item-row [role=alert]")).to_have_count(1)
    for item_id, value in answers.items():
        expect(page.locator(f"input[name={item(item_id)}][value='{value}']")).to_be_checked()
    for item_id, text in comments.items():
        expect(page.locator(f"textarea[name={comment(item_id)}]")).to_have_value(text)
    expect(page.get_by_label("Duration (minutes)")).to_have_value("12")
    expect(page.get_by_label("Outcome")).to_have_value("escalated")
    expect(page.get_by_label("Overall notes")).to_have_value("Customer came back twice")

    # Answering it is all it takes.
    radio = row.locator(f"input[value='{missing}']")
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    page.get_by_role("button", name="Submit audit").click()
    expect(page).to_have_url(re.compile(r"/audits/\d+$"))
    expect(page.get_by_text("Customer came back twice")).to_be_visible()
