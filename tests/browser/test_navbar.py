"""The navbar of the role with most links (the admin's) on laptop and desktop widths: every
link and the log-out button inside the window, all on one line, or folded behind the menu
button below the width where they fit."""

from __future__ import annotations

import pytest

from .helpers import ADMIN, log_in

pytestmark = pytest.mark.browser

VISIBLE_CONTROLS = """() => [...document.querySelectorAll('nav.navbar a, nav.navbar button')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              return {text: e.textContent.trim(), right: r.right,
                      top: r.top, bottom: r.bottom}; })"""


@pytest.mark.parametrize("width", [1024, 1280, 1400, 1920])
def test_the_admins_navbar_fits_the_window(browser, browser_context_args, width):
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": width, "height": 800}}
    )
    page = context.new_page()
    try:
        log_in(page, ADMIN)
        page.goto("/users")
        controls = page.evaluate(VISIBLE_CONTROLS)
        texts = [c["text"] for c in controls]
        outside = [c["text"] for c in controls if c["right"] > width]
        assert not outside, f"{width}px: {outside} outside the window"
        toggler = page.locator("button.navbar-toggler")
        if toggler.is_visible():
            assert "Users" not in texts  # folded away, one tap from the menu button
            toggler.click()
            page.get_by_role("link", name="Users").wait_for()
            assert page.get_by_role("button", name="Log out").is_visible()
        else:
            assert {"Users", "Plans", "Email", "Log out"} <= set(texts)
            rows = {round(c["top"] + c["bottom"]) // 2 for c in controls}
            assert max(rows) - min(rows) < 20, f"{width}px: links on more than one line"
    finally:
        context.close()
