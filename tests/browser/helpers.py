"""What the browser tests share: logging in, keyboard moves, and the watch on every page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, expect

from auditapp.services.demo import PASSWORD

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

# Demo logins (`auditapp demo`); every one has the demo password.
ADMIN = "admin@example.com"
SUPERVISOR = "sam.supervisor@example.com"
TRAINER = "tess.trainer@example.com"
STAFF = "ana@example.com"  # Ana Lopez, Front desk
STAFF_NAME = "Ana Lopez"
TEAM = "Front desk"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait for the page it leads to."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Attached, not visible: on a tablet the menu holding it is folded away.
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_be_attached()


def focused(page: Page) -> str:
    """A short description of the focused element, for assertion messages."""
    return page.evaluate(
        "(e => `${e.tagName.toLowerCase()} name=${e.name || ''} id=${e.id || ''} "
        "text=${(e.innerText || e.value || '').trim().slice(0, 40)}`)(document.activeElement)"
    )


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 150) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{key} x{limit} never reached {selector}; focus is on {focused(page)}")


def choose_by_keyboard(page: Page, name: str, value: str) -> None:
    """Tab into a radio group, Space to pick the first answer, arrows along to `value`."""
    tab_to(page, f"input[type=radio][name={name}]")
    values = page.eval_on_selector_all(
        f"input[type=radio][name={name}]", "radios => radios.map(r => r.value)"
    )
    # Tab lands on the checked answer if there is one; start over from the first.
    current = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("Space")
    for _ in range(values.index(value) - values.index(current)):
        page.keyboard.press("ArrowRight")
    for _ in range(values.index(current) - values.index(value)):
        page.keyboard.press("ArrowLeft")
    expect(page.locator(f"input[name={name}][value='{value}']")).to_be_checked()


class Watch:
    """Records every request a page makes and every error its console shows."""

    def __init__(self, page: Page, netloc: str):
        self.page = page
        self.netloc = netloc
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.refused: set[str] = set()  # pages expected to answer 4xx
        self.disconnected = False  # a test that cuts the connection on purpose
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _request(self, request: Request) -> None:
        self.urls.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme != "data" and parts.netloc != self.netloc:
            self.offsite.append(request.url)

    def expect_refusal(self, url: str) -> None:
        """`url` is meant to answer 4xx: Chromium's note on that in the console is no error."""
        self.refused.add(url)

    def expect_disconnection(self) -> None:
        """The test switches the network off: Chromium's note on each request that could not
        be made is no error."""
        self.disconnected = True

    def _console(self, message: ConsoleMessage) -> None:
        refusal = message.text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        )
        if refusal and message.location.get("url") in self.refused:
            return
        if self.disconnected and "net::ERR_INTERNET_DISCONNECTED" in message.text:
            return
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def assert_clean(self, where: str = "") -> None:
        """No request left the machine and nothing went wrong in the console, then start over."""
        offsite, errors = self.offsite[:], self.errors[:]
        self.offsite.clear()
        self.errors.clear()
        problems = [f"requests left {self.netloc}: {offsite}"] if offsite else []
        problems += [f"browser errors: {errors}"] if errors else []
        assert not problems, f"{where}: " + "; ".join(problems)
