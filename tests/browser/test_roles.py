"""The other roles' journeys in a real browser: a trainer reads a person's progress and a team's
page, a staff member acknowledges one audit and disputes another, an admin adds a user who
can then log in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import ADMIN, STAFF_NAME, SUPERVISOR, TEAM, TRAINER, Watch, log_in

pytestmark = pytest.mark.browser


def audit_links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.pathname)")
    return list(dict.fromkeys(h for h in hrefs if re.fullmatch(r"/audits/\d+", h)))


@pytest.fixture
def other_page(browser, browser_context_args, app_server):
    """A second person's browser, watched like the test's own page."""
    context = browser.new_context(**browser_context_args)
    watch = Watch(context.new_page(), app_server.netloc)
    yield watch.page
    watch.assert_clean(f"after {watch.page.url}")
    context.close()


def test_trainer_reads_a_staff_members_progress_and_their_team(page: Page):
    log_in(page, TRAINER)
    page.goto("/staff")
    page.get_by_role("link", name=STAFF_NAME, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STAFF_NAME)
    expect(page.get_by_role("heading", name=re.compile("^By checklist"))).to_be_visible()
    # One score chart per checklist the person was audited on, each named for what it shows.
    charts = page.locator("main svg[role=img]")
    expect(charts.first).to_be_visible()
    for n in range(charts.count()):
        expect(charts.nth(n)).to_have_accessible_name(re.compile(r"\S"))
    recent = page.locator("main table").last.locator("tbody tr")
    expect(recent.first).to_be_visible()

    page.goto("/teams")
    page.get_by_role("link", name=TEAM, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TEAM)
    heatmap = page.locator("table.heatmap")
    expect(heatmap.get_by_role("rowheader", name=STAFF_NAME)).to_be_visible()
    # Grace Kim is in the Contact centre: the team page holds its own people only.
    expect(heatmap.get_by_role("rowheader", name="Grace Kim")).to_have_count(0)


def test_staff_member_acknowledges_one_audit_and_disputes_another(page: Page, other_page: Page):
    log_in(page, "hugo@example.com")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    first, second = audit_links(page)[:2]

    page.goto(first)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").first).to_have_text(
        f"Audit #{first.rsplit('/', 1)[1]} acknowledged."
    )
    expect(page.get_by_text("Acknowledged by the staff member on")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)

    page.goto(second)
    page.get_by_label("What do you disagree with?").fill("I did thank the customer twice")
    page.get_by_role("button", name="Dispute").click()
    expect(page.get_by_text("was sent to the supervisors")).to_be_visible()
    expect(page.get_by_text("Disputed: I did thank the customer twice")).to_be_visible()

    # The supervisors see it on their start page, and the history keeps both steps.
    log_in(other_page, SUPERVISOR)
    disputes = other_page.locator("main .list-group").filter(has_text="Hugo Martin")
    expect(
        disputes.get_by_role("link", name=re.compile(rf"^#{second.rsplit('/', 1)[1]} "))
    ).to_be_visible()
    page.goto(first)
    expect(page.get_by_role("region", name="History")).to_contain_text(
        "Acknowledged by Hugo Martin"
    )


def test_admin_adds_a_user_who_can_then_log_in(page: Page, other_page: Page):
    log_in(page, ADMIN)
    page.goto("/users")
    page.get_by_label("Name").fill("Nina Newcomer")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Role", exact=True).select_option(label="Trainer")
    page.get_by_label("Password").fill("a long new password")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status").first).to_contain_text("Added Nina Newcomer")
    expect(
        page.get_by_role("row", name=re.compile("Nina Newcomer nina@example.com Trainer"))
    ).to_be_visible()

    log_in(other_page, "nina@example.com", "a long new password")
    expect(other_page.get_by_role("heading", name="Hello, Nina Newcomer")).to_be_visible()
    menu = other_page.locator("button.navbar-toggler")
    if menu.is_visible():  # the links fold behind it below 1400 px
        menu.click()
    expect(other_page.get_by_role("link", name="Insights")).to_be_visible()
