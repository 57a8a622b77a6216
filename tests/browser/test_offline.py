"""Scoring offline in a real Chromium with the network really switched off
(`context.set_offline`, which also cuts the service worker's requests): the app opens with no
connection, an audit scored and submitted offline waits on the device, and is stored exactly
once when the connection returns, scored by the server against the checklist version its
form showed; conflicts are kept for review; logging out warns, then leaves nothing behind."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from auditapp.checklists import load_checklist
from auditapp.scoring import score

from .helpers import SUPERVISOR, log_in
from .test_pages import axe_problems, unlabelled_controls

pytestmark = pytest.mark.browser

CHECKLIST = "Calming an angry customer"
CHECKLIST_FILE = "angry-customer.yaml"
STAFF_LABEL = "Ana Lopez (Front desk)"
MISSED = "respond-immediately"  # answered "no"; every other item as it should be done
KEPT_AUDITS = (
    "async () => (await import('/static/offline/store.js'))"
    ".audits(Number(document.getElementById('offline-badge').dataset.user))"
)

# The page is served through the service worker (installed, active and claiming the page).
CONTROLLED = """async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
        await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r));
    }
}"""


@pytest.fixture
def offline_page(watch, context: BrowserContext) -> Page:
    """A supervisor signed in, on the offline page, with the service worker in control and
    the package kept on the device."""
    watch.expect_disconnection()
    page = watch.page
    log_in(page, SUPERVISOR)
    page.goto("/offline/")
    page.evaluate(CONTROLLED)
    expect(page.locator("[data-kept]")).to_contain_text("checklists")
    return page


def score_offline(page: Page, *, submit: bool = True) -> dict[str, str]:
    """Start, fill and submit (or save as a draft) an audit on the offline page; its answers."""
    page.get_by_label("Staff member").select_option(label=STAFF_LABEL)
    page.get_by_label("Checklist").select_option(label=CHECKLIST)
    page.get_by_role("button", name="Start audit").click()
    expect(page.get_by_role("heading", name="New audit")).to_be_visible()
    answers = {}
    for item in page.locator("fieldset.item-row").all():
        item_id = item.get_attribute("id").removeprefix("item-")
        values = [r.get_attribute("value") for r in item.locator("input[type=radio]").all()]
        done = "no" if "dont" in item.get_attribute("class").split() else "yes"
        answers[item_id] = "no" if item_id == MISSED else (done if done in values else values[0])
        radio = item.locator(f"input[type=radio][value='{answers[item_id]}']")
        item.locator(f"label[for='{radio.get_attribute('id')}']").click()
    name = "Submit audit" if submit else "Save draft"
    page.get_by_role("button", name=re.compile(name, re.I)).click()
    return answers


def expected(server, answers: dict[str, str]):
    """The score the server must store: the shipped checklist's, as the form showed it."""
    checklist = load_checklist(server.checklists / CHECKLIST_FILE)
    return score(checklist, answers, "in_person")


def stored(server, token: str) -> list[tuple]:
    return server.rows(
        "SELECT a.overall, a.passed, v.version, a.amended_at FROM audits a "
        "JOIN checklist_versions v ON v.id = a.checklist_version_id WHERE a.form_token = :t",
        t=token,
    )


def waiting_token(page: Page) -> str:
    row = page.locator("[data-waiting] tbody tr")
    expect(row).to_have_count(1)
    return row.get_attribute("data-token")


def test_the_app_opens_offline_and_an_audit_scored_offline_is_stored_once_online(
    offline_page: Page, context: BrowserContext, app_server, axe_source
):
    page = offline_page
    page.goto("/")  # the supervisor's queue says what the device keeps
    expect(page.locator("[data-offline-kept]")).to_contain_text(
        re.compile(r"\d+ checklists and \d+ staff members you can score offline, as of")
    )
    page.goto("/offline/")
    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    expect(page.get_by_role("heading", name="Scoring offline")).to_be_visible()
    expect(page.get_by_text("No connection: audits you submit are kept")).to_be_visible()
    # Any page asked for with no connection is answered with the offline page.
    assert page.goto("/audits").from_service_worker
    expect(page.get_by_role("heading", name="Scoring offline")).to_be_visible()

    answers = score_offline(page)
    expect(page.locator("[data-status]")).to_contain_text("sent when the connection returns")
    token = waiting_token(page)
    expect(page.locator("[data-waiting] tbody tr")).to_contain_text("Waiting to be sent")
    assert axe_problems(page, axe_source) + unlabelled_controls(page) == []
    badge = page.locator("#offline-badge")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    assert stored(app_server, token) == []  # nothing reached the server

    context.set_offline(False)  # the browser's online event sends it
    expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=20_000)
    expect(page.locator("[data-waiting-empty]")).to_be_visible()
    expect(badge).to_be_hidden()
    want = expected(app_server, answers)
    [(overall, passed, version, _)] = stored(app_server, token)
    assert (overall, passed, version) == (pytest.approx(want.overall), want.passed, 1)
    assert f"{round(want.overall)} %" in page.locator("[data-sent]").inner_text()
    assert page.evaluate(KEPT_AUDITS) == []  # the device forgot its copy


def test_a_send_cut_off_halfway_and_made_again_stores_one_audit(
    offline_page: Page, context: BrowserContext, app_server
):
    page = offline_page
    context.set_offline(True)
    score_offline(page)
    token = waiting_token(page)
    sends = []

    def cut_after_the_server_stored_it(route: Route) -> None:
        sends.append(route.request.post_data_json["token"])
        if len(sends) == 1:
            route.fetch()  # the server stores it ...
            route.abort("internetdisconnected")  # ... and the answer never arrives
        else:
            route.continue_()

    page.route("**/offline/audits", cut_after_the_server_stored_it)
    context.set_offline(False)
    # The first send fails as far as the device knows; it tries again a few seconds later.
    expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=30_000)
    assert sends == [token, token]
    assert len(stored(app_server, token)) == 1


def test_two_tabs_sending_the_same_waiting_audit_store_it_once(
    offline_page: Page, context: BrowserContext, app_server
):
    page = offline_page
    context.set_offline(True)
    score_offline(page)
    token = waiting_token(page)
    other = context.new_page()
    other.goto("/offline/")
    expect(other.locator(f"[data-token='{token}']")).to_be_visible()

    context.set_offline(False)  # both tabs hear the online event and send
    for tab in (page, other):
        expect(tab.locator("[data-waiting-empty]")).to_be_visible(timeout=20_000)
    assert len(stored(app_server, token)) == 1
    other.close()


def test_an_audit_is_scored_against_the_version_its_form_showed(
    offline_page: Page, context: BrowserContext, app_server
):
    page = offline_page
    context.set_offline(True)
    answers = score_offline(page)
    token = waiting_token(page)
    # While the device is offline, the checklist changes on the server: a new version in
    # which the item this audit missed weighs ten times as much.
    path = app_server.checklists / CHECKLIST_FILE
    original = path.read_text(encoding="utf-8")
    changed = original.replace("version: 1", "version: 2").replace(
        f"      - id: {MISSED}\n", f"      - id: {MISSED}\n        weight: 10\n"
    )
    want = expected(app_server, answers)
    try:
        path.write_text(changed, encoding="utf-8")
        assert expected(app_server, answers).overall < want.overall - 10  # it would matter
        time.sleep(1.5)  # the server looks at the checklist files once a second
        context.set_offline(False)
        expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=20_000)
    finally:
        path.write_text(original, encoding="utf-8")
    [(overall, passed, version, _)] = stored(app_server, token)
    assert (overall, passed, version) == (pytest.approx(want.overall), want.passed, 1)
    page.get_by_role("link", name="Open the stored audit").first.click()
    expect(page.get_by_text(f"{CHECKLIST} v1")).to_be_visible()


def test_a_stale_copy_of_an_amended_audit_is_refused_and_kept_for_review(
    offline_page: Page, context: BrowserContext, app_server, watch, axe_source
):
    page = offline_page
    context.set_offline(True)
    score_offline(page)
    token = waiting_token(page)
    [copy] = page.evaluate(KEPT_AUDITS)
    context.set_offline(False)
    expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=20_000)

    # The stored audit is amended: the missed item was in fact done.
    page.get_by_role("link", name="Open the stored audit").first.click()
    page.get_by_role("link", name="Amend").click()
    page.locator(f"fieldset#item-{MISSED} label", has_text=re.compile("^Yes$")).click()
    page.get_by_label("Reason for the amendment").fill("Seen again on the recording.")
    page.get_by_role("button", name="Save amendment").click()
    expect(page.get_by_role("status")).to_contain_text("amended: revision 1")

    # A stale copy of the audit, as it was before, turns up on the device and is sent.
    page.goto("/offline/")
    page.evaluate("async (copy) => (await import('/static/offline/store.js')).putAudit(copy)", copy)
    watch.expect_refusal(f"{app_server.url}/offline/audits")  # the 409 is the point
    page.reload()  # every page load sends what waits
    row = page.locator(f"[data-token='{token}']")
    expect(row).to_contain_text("Not stored: already submitted", timeout=20_000)
    expect(row).to_contain_text("Nothing was changed")
    [(_, _, _, amended_at)] = stored(app_server, token)
    assert amended_at is not None  # the amendment stands

    row.get_by_role("button", name=re.compile("Review")).click()
    missed = page.locator(f"fieldset#item-{MISSED} input[value='no']")
    expect(missed).to_be_checked()  # the copy's answers, kept for review
    expect(missed).to_be_disabled()
    expect(page.get_by_role("link", name="Open the stored audit")).to_be_visible()
    assert axe_problems(page, axe_source) == []


def test_logging_out_with_audits_waiting_warns_then_leaves_nothing_on_the_device(
    offline_page: Page, context: BrowserContext
):
    page = offline_page
    context.set_offline(True)
    score_offline(page)
    score_offline(page, submit=False)
    # Online again, but the server cannot be reached for sending: both audits still wait.
    page.route("**/offline/audits", lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    page.set_viewport_size({"width": 1600, "height": 900})
    warning = (
        "2 audits have not been sent. Logging out deletes them from this device. Log out anyway?"
    )
    warnings = []

    def answer(dialog) -> None:  # "Cancel" the first time, "OK" the second
        warnings.append(dialog.message)
        dialog.accept() if len(warnings) == 2 else dialog.dismiss()

    page.on("dialog", answer)

    def log_out_and_wait_for(n: int) -> None:
        page.get_by_role("button", name="Log out").click(no_wait_after=True)
        for _ in range(100):
            if len(warnings) == n:
                return
            page.wait_for_timeout(100)

    log_out_and_wait_for(1)
    assert warnings == [warning]
    expect(page.locator("[data-waiting] tbody tr")).to_have_count(2)
    assert len(page.evaluate(KEPT_AUDITS)) == 2  # kept, still signed in

    # A send that retries while the logout clears the device (here: one every 5 ms) must not
    # make the database anew.
    page.evaluate("setInterval(() => window.dispatchEvent(new Event('online')), 5)")
    log_out_and_wait_for(2)
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    left = page.evaluate(
        """async () => ({
            databases: (await indexedDB.databases()).map((d) => d.name),
            caches: await caches.keys(),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
        })"""
    )
    assert left == {"databases": [], "caches": [], "workers": 0}


def test_the_form_page_keeps_a_new_audit_on_the_device_when_submit_finds_no_connection(
    offline_page: Page, context: BrowserContext, app_server
):
    page = offline_page
    [(staff_id,)] = app_server.rows("SELECT id FROM staff_members WHERE name = 'Ana Lopez'")
    page.goto(f"/audits/new?staff={staff_id}&checklist=angry-customer")
    token = page.locator("input[name=token]").input_value()
    for item in page.locator("fieldset.item-row").all():
        item.locator("label").first.click()
    context.set_offline(True)  # the connection drops just before Submit
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Scoring offline")).to_be_visible()
    expect(page.locator(f"[data-token='{token}']")).to_contain_text("Waiting to be sent")
    assert stored(app_server, token) == []

    context.set_offline(False)
    expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=20_000)
    assert len(stored(app_server, token)) == 1


def test_with_no_connection_and_the_version_not_kept_the_answers_stay_on_the_form(
    offline_page: Page, context: BrowserContext, app_server
):
    page = offline_page
    [(staff_id,)] = app_server.rows("SELECT id FROM staff_members WHERE name = 'Ana Lopez'")
    page.goto(f"/audits/new?staff={staff_id}&checklist=angry-customer")
    page.evaluate(  # the device kept nothing of this checklist
        """async () => (await import('/static/offline/store.js')).putPackage({
            supervisor: Number(document.getElementById('offline-badge').dataset.user),
            checklists: [], staff: [], fetched_at: new Date().toISOString()})"""
    )
    first = page.locator("fieldset.item-row input[type=radio]").first
    page.locator(f"label[for='{first.get_attribute('id')}']").click()
    context.set_offline(True)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("alert")).to_contain_text("Your answers are still here")
    expect(first).to_be_checked()
    assert "/audits/new" in page.url


def test_an_audit_the_server_refuses_is_kept_with_its_problem_until_it_is_fixed(
    offline_page: Page, context: BrowserContext, app_server, watch
):
    page = offline_page
    context.set_offline(True)
    page.get_by_label("Staff member").select_option(label=STAFF_LABEL)
    page.get_by_label("Checklist").select_option(label=CHECKLIST)
    page.get_by_role("button", name="Start audit").click()
    # The form is drawn once the device's store has answered: wait for it before the items.
    expect(page.get_by_role("heading", name="New audit")).to_be_visible()
    for item in page.locator("fieldset.item-row").all():
        item.locator("label").first.click()
    page.get_by_label("When it happened").fill("2099-01-01T10:00")  # a slip of the finger
    page.get_by_role("button", name="Submit audit").click()
    token = waiting_token(page)

    watch.expect_refusal(f"{app_server.url}/offline/audits")  # the 422 is the point
    context.set_offline(False)
    row = page.locator(f"[data-token='{token}']")
    expect(row).to_contain_text("Not stored: needs your attention", timeout=20_000)
    assert stored(app_server, token) == []

    row.get_by_role("button", name=re.compile("Fix")).click()
    when = page.get_by_label("When it happened")
    expect(when).to_have_value("2099-01-01T10:00")  # the answers as they were
    problem = page.locator("#observed_at + [data-problem]")
    expect(problem).to_be_visible()
    assert problem.inner_text().strip()
    when.fill((datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Submit audit").click()
    expect(page.locator("[data-sent]")).to_contain_text(STAFF_LABEL, timeout=20_000)
    assert len(stored(app_server, token)) == 1


def test_the_app_can_be_installed_on_the_home_screen(offline_page: Page, context):
    """Chromium's own installability check: manifest, icons, a service worker in control."""
    cdp = context.new_cdp_session(offline_page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A test's browser context is private ("incognito"), where nothing installs; nothing else.
    assert [e["errorId"] for e in errors] == ["in-incognito"]
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/static/manifest.webmanifest")
    assert not manifest.get("errors")
