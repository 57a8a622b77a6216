"""Simulated people for bench/load.py: browsers, supervisors scoring audits, trainers reading.

Each person is one thread with its own keep-alive connection and cookies, as a browser has.
Between two clicks a person waits a think time drawn uniformly from a range (1–5 s by
default); redirects are followed at once, as a browser follows them. Every request's time
is what the person waits for it: from sending it to reading the last byte of the answer.
Plain http.client and regular expressions, so that a hundred clients stay light beside the
server on the same machine.
"""

from __future__ import annotations

import http.client
import random
import re
import select
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from auditapp.checklists import NA
from auditapp.forms import comment_field_name, item_field_name
from auditapp.scoring import normalise_answer

HIDDEN = {
    name: re.compile(rf'name="{name}" type="hidden" value="([^"]*)"')
    for name in ("csrf_token", "token", "fingerprint")
}
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]*)"')  # forms, navbar
# Pages in the order a report lists them.
PAGES = (
    "login page",
    "login",
    "home",
    "form",
    "draft save",
    "draft open",
    "submit",
    "result",
    "PDF",
    "staff page",
    "team page",
    "insights",
    "export",
)
TRAINER_PAGES = ("staff page", "team page", "insights", "export")
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Failed(Exception):
    """A click that did not get the answer a person expects; the message says what came."""


class Browser:
    """One person's browser: a keep-alive connection, its cookies, redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.reconnects = 0  # idle connections the server had closed, opened again

    def _connection(self) -> http.client.HTTPConnection:
        # A browser notices that the server closed an idle connection (gunicorn keeps one
        # 2 s) and opens a new one instead of sending into it.
        if self.connection is not None and self.connection.sock is not None:
            readable, _, _ = select.select([self.connection.sock], [], [], 0)
            if readable:  # end of file, or bytes nobody asked for: either way, start over
                self.close()
                self.reconnects += 1
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, method: str, path: str, form: dict | None = None):
        """(status, location path, body) of one request; a stale connection is retried once,
        as browsers retry a request the server closed the connection under."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            reused = self.connection is not None and self.connection.sock is not None
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except STALE:
                self.close()
                if attempt == 2 or not reused:
                    raise
                self.reconnects += 1
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        location = urlsplit(response.headers.get("Location", ""))
        where = location.path + (f"?{location.query}" if location.query else "")
        if response.headers.get("Connection", "").lower() == "close":
            self.close()
        return response.status, where, data


@dataclass
class Stats:
    """Each page's times (seconds) and errors, from every person's thread."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            if seconds is not None:
                self.times[page].append(seconds)
            if error is not None:
                self.errors[page] += 1
                if len(self.examples) < 8:
                    self.examples.append(f"{page}: {error}")


@dataclass
class Saved:
    """An audit the server said it stored, with what the client sent."""

    audit_id: int
    token: str
    checklist_id: str
    channel: str
    answers: dict[str, str]
    status: str  # "submitted" or "draft"


class Person:
    """A logged-in user who clicks through pages with a think time between clicks."""

    def __init__(self, port, email, password, rng, stats, think, clock) -> None:
        self.browser = Browser(port)
        self.email, self.password = email, password
        self.rng, self.stats, self.think, self.clock = rng, stats, think, clock
        self.csrf = ""  # the signed-in session's CSRF token, read from the home page

    def click(self, page, method, path, form=None, want=200, contains: bytes | None = None):
        """One request, timed and checked; Failed if the answer is not the expected one."""
        start = time.perf_counter()
        try:
            status, location, body = self.browser.send(method, path, form)
        except (OSError, http.client.HTTPException) as exc:
            self._count(page, None, repr(exc))
            raise Failed(repr(exc)) from None
        seconds = time.perf_counter() - start
        problem = None
        if status != want:
            problem = f"HTTP {status} {method} {path} -> {location} {body[:200]!r}"
        elif contains is not None and contains not in body:
            problem = f"{method} {path}: {contains!r} not in the answer"
        self._count(page, seconds, problem)
        if problem:
            raise Failed(problem)
        return location, body

    def _count(self, page, seconds, problem) -> None:
        if page in ("login page", "login", "home") or self.clock.measuring():
            self.stats.record(page, seconds, problem)

    def pause(self) -> bool:
        """Think before the next click; False once the run is over."""
        low, high = self.think
        time.sleep(self.rng.uniform(low, high))
        return not self.clock.over()

    def log_in(self) -> None:
        _, page = self.click("login page", "GET", "/login")
        form = {"email": self.email, "password": self.password, "csrf_token": csrf_in(page)}
        location, _ = self.click("login", "POST", "/login", form, want=302)
        _, page = self.click("home", "GET", location)
        self.csrf = csrf_in(page)

    def run(self) -> None:
        """Log in, then work until the run is over; a failed click starts the next task."""
        try:
            self.log_in()
        except Failed:
            return
        while self.pause():
            try:
                self.task()
            except Failed:
                continue
        self.browser.close()

    def task(self) -> None:
        raise NotImplementedError


class Supervisor(Person):
    """Scores audits: the blank form, a draft, the draft again, submit, result, PDF."""

    def __init__(self, *args, staff_ids, checklists, saved: list[Saved], pdf_share=1.0) -> None:
        super().__init__(*args)
        self.staff_ids, self.checklists, self.saved = staff_ids, checklists, saved
        self.pdf_share = pdf_share  # how many of the audits' PDFs are opened

    def task(self) -> None:
        checklist = self.rng.choice(self.checklists)
        path = f"/audits/new?staff={self.rng.choice(self.staff_ids)}&checklist={checklist.id}"
        _, page = self.click("form", "GET", path, contains=b'name="save_draft"')
        hidden = hidden_fields(page)
        if hidden["fingerprint"] != checklist.fingerprint:
            self._count("form", None, f"fingerprint {hidden['fingerprint']} for {checklist.id}")
            raise Failed("fingerprint")
        channel = self.rng.choice(checklist.channels or ("in_person",))
        interaction = interaction_fields(self.rng, channel)
        fields, answers = answers_for(self.rng, checklist)
        # The draft holds the first items answered; the rest come after the pause.
        some = dict(list(fields.items())[: max(1, len(fields) // 2)])
        if not self.pause():
            return
        draft = {**hidden, **interaction, **some, "save_draft": "Save draft"}
        location, _ = self.click("draft save", "POST", path, draft, want=302)
        audit_id = audit_id_in(location, r"/audits/(\d+)/edit")
        self.saved.append(Saved(audit_id, hidden["token"], checklist.id, channel, {}, "draft"))
        _, page = self.click("draft open", "GET", location, contains=b'name="submit"')
        again = hidden_fields(page)
        if again["token"] != hidden["token"]:
            self._count("draft open", None, f"token changed on draft {audit_id}")
            raise Failed("token")
        if not self.pause():
            return
        post = {**again, **interaction, **fields, "submit": "Submit audit"}
        location, _ = self.click("submit", "POST", location, post, want=302)
        if audit_id_in(location, r"/audits/(\d+)") != audit_id:
            self._count("submit", None, f"draft {audit_id} submitted to {location}")
            raise Failed("location")
        self.saved.append(
            Saved(audit_id, hidden["token"], checklist.id, channel, answers, "submitted")
        )
        self.click("result", "GET", location, contains=b"Audit #")
        if self.rng.random() >= self.pdf_share or not self.pause():
            return
        self.click("PDF", "GET", f"/audits/{audit_id}.pdf", contains=b"%PDF")


class Trainer(Person):
    """Reads: a staff member's page, a team's page, /insights, a team's audits as CSV."""

    def __init__(self, *args, staff_ids, team_ids) -> None:
        super().__init__(*args)
        self.staff_ids, self.team_ids = staff_ids, team_ids
        self.step = self.rng.randrange(4)  # people do not all start on the same page

    def task(self) -> None:
        self.step = (self.step + 1) % len(TRAINER_PAGES)
        page = TRAINER_PAGES[self.step]
        path = trainer_path(page, self.rng, self.staff_ids, self.team_ids)
        self.click(page, "GET", path, contains=b"\n" if page == "export" else None)


def trainer_path(page: str, rng: random.Random, staff_ids, team_ids) -> str:
    """Where a trainer goes for `page`: a staff member, a team, all teams, a team's CSV."""
    if page == "staff page":
        return f"/staff/{rng.choice(staff_ids)}"
    if page == "team page":
        return f"/teams/{rng.choice(team_ids)}"
    if page == "insights":
        return "/insights"
    since = date.today() - timedelta(days=rng.choice((30, 90, 180)))
    return "/audits/export.csv?" + urlencode({"team": rng.choice(team_ids), "date_from": since})


def csrf_in(page: bytes) -> str:
    match = CSRF.search(page.decode())
    if match is None:
        raise Failed("no CSRF token on the page")
    return match.group(1)


def hidden_fields(page: bytes) -> dict[str, str]:
    text = page.decode()
    found = {name: pattern.search(text) for name, pattern in HIDDEN.items()}
    missing = [name for name, match in found.items() if match is None]
    if missing:
        raise Failed(f"no {', '.join(missing)} in the form")
    return {name: match.group(1) for name, match in found.items()}


def audit_id_in(location: str, pattern: str) -> int:
    match = re.fullmatch(pattern, location)
    if match is None:
        raise Failed(f"redirected to {location!r}")
    return int(match[1])


def interaction_fields(rng: random.Random, channel: str) -> dict[str, str]:
    observed = datetime.now() - timedelta(minutes=rng.randrange(15, 600))
    return {
        "channel": channel,
        "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
        "customer_type": rng.choice(["first_time", "repeat", "advocate"]),
        "duration_minutes": str(rng.randrange(1, 30)),
        "outcome": rng.choice(["resolved", "sale", "information"]),
        "monetary_value": "",
        "notes": "Load bench",
    }


def answers_for(rng: random.Random, checklist) -> tuple[dict[str, str], dict[str, str]]:
    """Form fields for a complete audit: a mostly good interaction with some misses and N/A."""
    fields, answers = {}, {}
    for _, item in checklist.iter_items():
        values = [o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)]
        if item.allow_na and rng.random() < 0.08:
            value = NA
        elif rng.random() < 0.75:
            value = values[0] if item.kind == "dont" else values[-1]
        else:
            value = rng.choice(values)
        fields[item_field_name(item.id)] = value
        answers[item.id] = normalise_answer(value)
        if rng.random() < 0.2:
            fields[comment_field_name(item.id)] = f"Seen at {rng.randrange(1, 60)} min"
    return fields, answers
