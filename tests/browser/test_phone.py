"""The audit list on a phone held upright: filters folded away, no sideways scrolling; a
staff member's own list without a column of their own name. Screenshots go to the test's
output folder for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import STAFF, STAFF_NAME, SUPERVISOR, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits_without_scrolling(page: Page) -> bool:
    return page.evaluate(
        """() => [...document.querySelectorAll('.table-responsive')]
                 .every(box => box.scrollWidth <= box.clientWidth + 1)
           && document.documentElement.scrollWidth <= window.innerWidth + 1"""
    )


def test_the_audit_list_on_a_phone(page: Page, tmp_path):
    page.set_viewport_size(PHONE)
    log_in(page, SUPERVISOR)
    page.goto("/audits")
    expect(page.locator("#audit-filters")).to_be_hidden()
    expect(page.get_by_role("table")).to_be_visible()
    page.screenshot(path=tmp_path / "audits-phone.png", full_page=False)
    assert fits_without_scrolling(page)
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_label("Staff member")).to_be_visible()


def test_the_filters_stay_open_on_a_phone_while_in_use(page: Page):
    page.set_viewport_size(PHONE)
    log_in(page, SUPERVISOR)
    page.goto("/audits?result=failed")
    expect(page.get_by_role("button", name="Filters (1 in use)")).to_be_visible()
    expect(page.get_by_label("Result")).to_be_visible()


def test_on_a_laptop_the_filters_are_always_shown(page: Page):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, SUPERVISOR)
    page.goto("/audits")
    expect(page.get_by_label("Staff member")).to_be_visible()
    expect(page.get_by_role("button", name="Filters")).to_be_hidden()


def test_my_audits_has_no_column_of_my_own_name(page: Page):
    page.set_viewport_size(PHONE)
    log_in(page, STAFF)
    page.goto("/audits")
    expect(page.get_by_role("heading", name="My audits")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Staff member")).to_have_count(0)
    expect(page.get_by_role("table")).not_to_contain_text(STAFF_NAME)
    assert fits_without_scrolling(page)
