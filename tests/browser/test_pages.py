"""Every main page, as each role that may open it, on a tablet (768x1024): no horizontal
scrolling, no request leaving the machine, no error in the console, a label on every form
control, and no serious or critical axe-core violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import ADMIN, STAFF, SUPERVISOR, TRAINER, Watch, log_in

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
LOGINS = {"admin": ADMIN, "supervisor": SUPERVISOR, "trainer": TRAINER, "staff": STAFF}

# Each role's main pages, from the role table in tests/test_access.py. A {name} is the first
# link matching LINKS[name] on the pages visited before it, so no id is guessed.
READERS = [
    "/",  # its latest audits are submitted ones (a supervisor's /audits also shows drafts)
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
    "admin": [
        *READERS,
        *("{staff}/edit", "{team}/edit", "/users", "{user}/password"),
        *("/admin/mail", "/admin/mail/defaults", "/account"),
    ],
    "supervisor": [
        *READERS,
        "/audits/new",
        "/audits/new?staff={staff_id}&checklist={checklist_id}",
        "{draft}",  # one of the demo's drafts, listed on the start page
        "/offline/",
        "{audit}/amend",
        "{staff}/edit",
        "{team}/edit",
    ],
    "trainer": [*READERS, "{staff}/coaching/new"],
    # A staff login's home is its own audit list; {staff} is its "My progress".
    "staff": ["/audits", "{audit}", "{staff}", "/account"],
}
LINKS = {
    "audit": r"(/audits/\d+)",
    "draft": r"(/audits/\d+/edit)",
    "staff": r"(/staff/\d+)",
    "team": r"(/teams/\d+)",
    "checklist": r"(/checklists/[a-z0-9-]+)",
    "user": r"(/users/\d+)/password",
}
SERIOUS = ("serious", "critical")


def collect_links(page: Page, found: dict[str, str]) -> None:
    """Add to `found` the first link on the page for each name in LINKS not found yet."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    for name, pattern in LINKS.items():
        if name in found:
            continue
        for href in hrefs:
            if match := re.fullmatch(pattern, href):
                found[name] = match.group(1)
                found[f"{name}_id"] = match.group(1).rsplit("/", 1)[1]
                break


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
        try:
            expect(controls.nth(n)).to_have_accessible_name(re.compile(r"\S"), timeout=1000)
        except AssertionError:
            html = controls.nth(n).evaluate("e => e.outerHTML.slice(0, 120)")
            missing.append(f"{html} (no accessible name)")
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
        problems.append(str(exc).removeprefix(f"{url}: "))
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
    found: dict[str, str] = {}
    for template in PAGES[role]:
        url = template.format(**found)
        problems += check_page(page, watch, url, axe_source)
        collect_links(page, found)
    assert not problems, "\n".join(problems)


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


BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Broken</h1>
<p style="color:#ccc;background:#fff">Pale text</p>
<input name="nameless">
<div style="width:1200px">Too wide</div>
<img src="https://cdn.example.org/logo.png" alt="Logo">
<script>console.error("boom")</script>
</main></body></html>"""


def test_the_checks_catch_what_they_look_for(page, watch, app_server, axe_source):
    """A page with every fault the checks above look for, served from the app's address."""
    page.route(
        f"{app_server.url}/broken",
        lambda route: route.fulfill(body=BROKEN, content_type="text/html"),
    )
    page.route("https://cdn.example.org/**", lambda route: route.abort())
    problems = "\n".join(check_page(page, watch, "/broken", axe_source))
    assert "scrolls sideways: " in problems
    assert 'control without a label: <input name="nameless">' in problems
    assert "axe color-contrast (serious)" in problems
    assert "axe label (critical)" in problems
    assert "requests left" in problems and "cdn.example.org/logo.png" in problems
    assert "console: boom" in problems
