"""Every main page, as each role that may open it, on a tablet (768x1024): no horizontal
scrolling, no request leaving the machine, no error in the console, a label on every form
control, and no serious or critical axe-core violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import ADMIN, STAFF, SUPERVISOR, TRAINER, Watch, link_matching, log_in

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
LOGINS = {"admin": ADMIN, "supervisor": SUPERVISOR, "trainer": TRAINER, "staff": STAFF}

# Each role's main pages, from the role table in tests/test_access.py. {name} is a page found
# by following the app's own links (see `find_pages`), so no id is guessed.
READERS = [
    "/",
    "/audits",
    "{audit}",
    "/staff",
    "{staff}",
    "/teams",
    "{team}",
    "/insights",
    "/coaching",
    "/checklists",
    "{checklist}",
]
PAGES = {
    "admin": [*READERS, "{staff}/edit", "{team}/edit", "/users", "{user}/password"],
    "supervisor": [
        *READERS,
        "/audits/new",
        "/audits/new?staff={staff_id}&checklist={checklist_id}",
        "{draft}",
        "{audit}/amend",
        "{staff}/edit",
        "{team}/edit",
    ],
    "trainer": [*READERS, "{staff}/coaching/new"],
    "staff": ["/audits", "{audit}", "{own}"],  # a staff login's home is its audit list
}
SERIOUS = ("serious", "critical")


def find_pages(page: Page, role: str) -> dict[str, str]:
    """The pages behind the {names} in PAGES, found by following the app's links."""
    found = {}
    # A staff login's list holds only its own submitted audits; the others' start page lists
    # the latest submitted ones (their /audits also shows drafts).
    page.goto("/audits" if role == "staff" else "/")
    found["audit"] = link_matching(page, r"/audits/\d+")
    if role == "staff":
        found["own"] = link_matching(page, r"/staff/\d+")  # "My progress", in the menu
        return found
    page.goto("/staff")
    found["staff"] = link_matching(page, r"/staff/\d+")
    page.goto("/teams")
    found["team"] = link_matching(page, r"/teams/\d+")
    page.goto("/checklists")
    found["checklist"] = link_matching(page, r"/checklists/[a-z0-9-]+")
    found["staff_id"] = found["staff"].rsplit("/", 1)[1]
    found["checklist_id"] = found["checklist"].rsplit("/", 1)[1]
    if role == "admin":
        page.goto("/users")
        found["user"] = link_matching(page, r"/users/\d+/password").removesuffix("/password")
    if role == "supervisor":
        page.goto("/")
        found["draft"] = link_matching(page, r"/audits/\d+/edit")  # the demo's drafts
    return found


def unlabelled_controls(page: Page) -> list[str]:
    """Form controls (but hidden inputs) with no <label>, aria-label or aria-labelledby text.

    A placeholder or title is not a label: it disappears as soon as someone types.
    """
    missing = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
          .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type))
          .filter(e => {
            const texts = [...(e.labels || [])].map(l => l.textContent);
            texts.push(e.getAttribute('aria-label') || '');
            for (const id of (e.getAttribute('aria-labelledby') || '').split(/\\s+/)) {
              if (id) texts.push(document.getElementById(id)?.textContent || '');
            }
            return !texts.some(t => t.trim());
          })
          .map(e => e.outerHTML.slice(0, 120))"""
    )
    # And the name a screen reader would announce, as the browser computes it.
    controls = page.locator(
        "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
    )
    for n in range(controls.count()):
        expect(controls.nth(n)).to_have_accessible_name(re.compile(r"\S"), timeout=1000)
    return missing


def axe_problems(page: Page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations, and any `label` violation at all."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern, so
    # the page keeps its real CSP for everything else this test checks.
    page.evaluate(axe_source)
    violations = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes'][:5]}"
        for v in violations
        if v["impact"] in SERIOUS or v["id"] == "label"
    ]


def check_page(page: Page, watch: Watch, url: str, axe_source: str) -> list[str]:
    """Open `url` and return everything wrong with it (empty when it passes)."""
    response = page.goto(url)
    problems = []
    if response.status != 200:
        problems.append(f"status {response.status}")
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > viewport:
        problems.append(f"scrolls sideways: {width}px wide in a {viewport}px window")
    problems += [f"control without a label: {html}" for html in unlabelled_controls(page)]
    problems += axe_problems(page, axe_source)
    try:
        watch.assert_clean(url)
    except AssertionError as exc:
        problems.append(str(exc))
    return [f"{url}: {problem}" for problem in problems]


@pytest.fixture
def context(browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "viewport": TABLET})
    yield context
    context.close()


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_fit_a_tablet_stay_local_and_pass_axe(page, watch, role, axe_source):
    problems = check_page(page, watch, "/login", axe_source) if role == "admin" else []
    log_in(page, LOGINS[role])
    found = find_pages(page, role)
    urls = [url.format(**found) for url in PAGES[role]]
    for url in urls:
        problems += check_page(page, watch, url, axe_source)
    assert not problems, "\n".join(problems)
    assert len(urls) >= 3


def test_error_page_passes_axe_and_stays_local(page, watch, app_server, axe_source):
    log_in(page, TRAINER)
    watch.expect_refusal(f"{app_server.url}/users")
    response = page.goto("/users")  # an admin's page
    assert response.status == 403
    assert page.get_by_text("You cannot open this page").is_visible()
    problems = axe_problems(page, axe_source) + unlabelled_controls(page)
    assert not problems, "\n".join(problems)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport
