"""The blank scoring form's fields are rendered once per checklist version and minute
(views/form_cache.py): the page must be the same as a fresh render, a changed checklist must
show its new items, and the per-request parts (CSRF token, form token) must stay fresh."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from html.parser import HTMLParser

import pytest
from conftest import DATA, PASSWORD, running_app, text_of
from flask_login import login_user
from sqlalchemy import func, select

from auditapp.checklists import default_checklists_dir, load_checklist
from auditapp.extensions import db
from auditapp.forms import build_audit_form
from auditapp.models import Audit
from auditapp.services import checklists as checklist_store
from auditapp.services import people, users
from auditapp.views import audit_forms, form_cache

SHIPPED = "service-basics"  # anchors, guidance, channels, N/A: the most varied shipped form


@pytest.fixture
def checklists_dir(tmp_path):
    """counter-basics (the test checklist) and a shipped checklist."""
    folder = tmp_path / "checklists"
    folder.mkdir()
    shutil.copy(DATA / "valid" / "counter-basics.yaml", folder)
    shutil.copy(default_checklists_dir() / f"{SHIPPED}.yaml", folder)
    return folder


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.fixture
def staff(make_staff):
    return make_staff("Ana Lopez", "Front desk")


@pytest.fixture
def clock(monkeypatch):
    """The forms' clock, stopped at a minute the test can move (no minute may turn mid-test)."""

    class Clock(datetime):
        current = datetime(2026, 11, 20, 9, 41, 17)

        @classmethod
        def now(cls, tz=None):
            return cls.current

    monkeypatch.setattr(audit_forms, "datetime", Clock)
    return Clock


@pytest.fixture
def renders(monkeypatch):
    """How many times the full audit form was built for a blank form."""
    made = []

    def counting(checklist, **kwargs):
        made.append(checklist.id)
        return build_audit_form(checklist, **kwargs)

    monkeypatch.setattr(audit_forms, "build_audit_form", counting)
    return made


class _Elements(HTMLParser):
    """Every element of a page's scoring form: tag, attributes, and the text that follows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        if (
            tag == "form"
            and dict(attrs).get("method") == "post"
            and "/audits/" in (dict(attrs).get("action") or "")
        ):
            self._inside = True
        if self._inside:
            self.found.append((tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        if self._inside:
            self.found.append(("/" + tag,))
        if tag == "form":
            self._inside = False

    def handle_data(self, data):
        text = " ".join(data.split())
        if self._inside and text:
            self.found.append(("text", text))


def form_elements(html: str) -> list[tuple]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert parser.found, "no scoring form on the page"
    return parser.found


def hidden(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    return match and match.group(1)


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def new_url(staff_id: int, checklist: str = "counter-basics") -> str:
    return f"/audits/new?staff={staff_id}&checklist={checklist}"


def fresh_render(app, user, staff, checklist, *, token: str, observed_at: datetime) -> str:
    """The page as rendered before the cache: the whole form built and every field rendered."""
    defaults = {**audit_forms.new_defaults(checklist), "token": token, "observed_at": observed_at}
    with app.test_request_context(new_url(staff.id, checklist.id)):
        login_user(user)
        form = build_audit_form(checklist, formdata=None, **defaults)
        html, status = audit_forms.render_form(form, checklist, staff)
    assert status == 200
    return html


@pytest.mark.parametrize("checklist_id", ["counter-basics", SHIPPED])
def test_cached_blank_form_is_the_fresh_render(
    app, client, supervisor, staff, clock, renders, checklist_id
):
    checklist = checklist_store.available()[checklist_id]
    first = client.get(new_url(staff.id, checklist_id))
    again = client.get(new_url(staff.id, checklist_id))
    assert first.status_code == again.status_code == 200
    assert renders == [checklist_id]  # built for the first page only: the second is the cache's

    for response in (first, again):
        html = response.get_data(as_text=True)
        token = hidden(html, "token")
        expected = fresh_render(
            app, supervisor, staff, checklist, token=token, observed_at=clock.current
        )
        # Every element, attribute (names, ids, labels' for, values, aria-*) and text alike.
        assert form_elements(html) == form_elements(expected)
        # And the page around it: title, staff member, checklist, version.
        assert (
            visible(html).split("Skip to content")[1]
            == visible(expected).split("Skip to content")[1]
        )
    assert 'value="2026-11-20T09:41"' in first.get_data(as_text=True)


def test_new_minute_gives_the_new_time_and_the_same_items(client, supervisor, staff, clock):
    first = client.get(new_url(staff.id)).get_data(as_text=True)
    clock.current = datetime(2026, 11, 20, 9, 42, 3)
    later = client.get(new_url(staff.id)).get_data(as_text=True)
    assert 'value="2026-11-20T09:41"' in first and 'value="2026-11-20T09:42"' in later
    assert "2026-11-20T09:41" not in later
    strip = re.compile(r'value="2026-11-20T09:4\d"|name="token" type="hidden" value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", later)


def test_changed_checklist_shows_its_new_items(
    client, supervisor, staff, checklists_dir, clock, renders
):
    old = client.get(new_url(staff.id)).get_data(as_text=True)
    assert "Smiled" in old and "Smiled warmly" not in old

    path = checklists_dir / "counter-basics.yaml"
    path.write_text(path.read_text().replace("text: Smiled\n", "text: Smiled warmly\n"))
    stat = path.stat()  # a new modification time even on a coarse-grained file system
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    changed = load_checklist(path)

    response = client.get(new_url(staff.id))  # the same minute: only the fingerprint differs
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Smiled warmly" in text_of(response)
    assert hidden(page, "fingerprint") == changed.fingerprint != hidden(old, "fingerprint")
    assert renders == ["counter-basics", "counter-basics"]


def test_checklist_files_are_looked_at_once_a_second(app, checklists_dir, monkeypatch):
    """With the default CHECKLISTS_RECHECK_SECONDS an edit shows within the second, not before."""
    app.config["CHECKLISTS_RECHECK_SECONDS"] = 1.0
    now = [1000.0]
    monkeypatch.setattr(checklist_store.time, "monotonic", lambda: now[0])
    looked = []
    real_signature = checklist_store._signature
    monkeypatch.setattr(
        checklist_store,
        "_signature",
        lambda folder: looked.append(now[0]) or real_signature(folder),
    )
    before = checklist_store.available()["counter-basics"]
    path = checklists_dir / "counter-basics.yaml"
    path.write_text(path.read_text().replace("text: Smiled\n", "text: Smiled warmly\n"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    now[0] += 0.9
    assert checklist_store.available()["counter-basics"] is before  # not looked at yet
    now[0] += 0.2
    after = checklist_store.available()["counter-basics"]
    assert after.fingerprint != before.fingerprint
    assert looked == [1000.0, 1001.1]


def test_forms_sent_back_are_rendered_in_full_and_leave_the_blank_form_blank(
    client, supervisor, staff
):
    from conftest import form_data

    blank = client.get(new_url(staff.id)).get_data(as_text=True)  # fills the cache
    answers = {"greeted": "yes", "warmth": "2", "smiled": "sometimes", "argued": "no"}
    response = client.post(
        new_url(staff.id), data=form_data(answers, comment_warmth="Flat tone", token="tok-x")
    )
    assert response.status_code == 400
    sent_back = response.get_data(as_text=True)
    page = text_of(response)
    thanked = page.index("Thanked the customer")
    assert thanked < page.index("no answer given") < page.index("Argued with the customer")
    assert 'aria-invalid="true"' in sent_back
    for item_id, answer in answers.items():
        assert re.search(rf'checked[^>]*name="item_{item_id}"[^>]*value="{answer}"', sent_back)
    assert "Flat tone" in sent_back and hidden(sent_back, "token") == "tok-x"

    again = client.get(new_url(staff.id)).get_data(as_text=True)
    for html in (blank, again):
        assert "checked" not in html and "aria-invalid" not in html
        assert "no answer given" not in html and "Flat tone" not in html


def test_drafts_and_amendments_are_rendered_with_their_answers(client, supervisor, staff):
    from conftest import form_data

    client.get(new_url(staff.id))  # fills the cache
    response = client.post(
        new_url(staff.id),
        data=form_data({"greeted": "yes", "warmth": "4"}, submit=False, comment_greeted="Quick"),
    )
    assert response.status_code == 302, text_of(response)
    draft = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft audit #" in draft and "Quick" in draft
    assert re.search(r'checked[^>]*name="item_warmth"[^>]*value="4"', draft)

    done = client.post(new_url(staff.id), data=form_data(token="tok-amend"))
    audit_id = int(done.headers["Location"].rsplit("/", 1)[1])
    amend = client.get(f"/audits/{audit_id}/amend").get_data(as_text=True)
    assert "Amend audit #" in amend and "Reason for the amendment" in amend
    assert "Save amendment" in amend and "Save draft" not in amend
    assert re.search(r'checked[^>]*name="item_smiled"[^>]*value="often"', amend)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?staff={staff}", 200),
        ("?staff=abc&checklist=counter-basics", 400),
        ("?staff=0&checklist=counter-basics", 400),
        ("?staff=99999999999999999999&checklist=counter-basics", 400),
        ("?staff={gone}&checklist=counter-basics", 400),
        ("?staff={staff}&checklist=nope", 400),
    ],
)
def test_refused_choices_show_the_full_choice_form(
    client, supervisor, staff, make_staff, query, status
):
    gone = make_staff("Left Company")
    people.update_staff(gone, gone.name, None, None, False)
    response = client.get("/audits/new" + query.format(staff=staff.id, gone=gone.id))
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert re.search(rf'<option[^>]*value="{staff.id}"[^>]*>Ana Lopez \(Front desk\)', html)
    assert "Left Company" not in html
    assert re.search(r'<option[^>]*value="counter-basics"[^>]*>Counter basics', html)
    assert ("invalid-feedback" in html) == (status == 400)  # the reason, next to the choice


def get(app, browser, url: str) -> str:
    with app.app_context():  # a context of its own: the test's would share `g` (and its token)
        return browser.get(url).get_data(as_text=True)


def test_tokens_are_fresh_per_page_and_csrf_per_session(database_url, checklists_dir):
    """With CSRF on: each page has its own form token, each session its own CSRF token, and
    the token on a cached page is the one its own session accepts (and no other session)."""
    from conftest import form_data

    with running_app(database_url, checklists_dir, WTF_CSRF_ENABLED=True) as app:
        staff = people.add_staff("Ana Lopez", "Front desk")
        clients = []
        for n in (1, 2):
            user = users.create_user(f"sup{n}@example.com", f"Sup {n}", "supervisor", PASSWORD)
            browser = app.test_client()
            csrf = hidden(get(app, browser, "/login"), "csrf_token")
            login = {"email": user.email, "password": PASSWORD, "csrf_token": csrf}
            with app.app_context():  # each request in a context of its own, as on a server
                assert browser.post("/login", data=login).status_code == 302
            clients.append(browser)
        one, two = clients
        pages = [get(app, one, new_url(staff.id)) for _ in range(2)]
        other = get(app, two, new_url(staff.id))

        tokens = {hidden(html, "token") for html in (*pages, other)}
        assert len(tokens) == 3 and all(tokens)
        assert hidden(pages[0], "csrf_token") and hidden(other, "csrf_token")
        assert hidden(pages[0], "csrf_token") != hidden(other, "csrf_token")

        def post(browser, page, csrf_from):
            csrf = hidden(csrf_from, "csrf_token")
            with app.app_context():
                data = form_data(token=hidden(page, "token"), csrf_token=csrf)
                return browser.post(new_url(staff.id), data=data)

        assert post(two, other, pages[0]).status_code == 400  # another session's CSRF token
        assert post(one, pages[1], pages[1]).status_code == 302
        assert post(two, other, other).status_code == 302
        assert db.session.scalar(select(func.count(Audit.id))) == 2


# The whole page, kept per user, staff member, checklist version and minute ---------------


@pytest.fixture
def page_renders(app):
    """How many times the scoring form's page template was rendered."""
    from flask import template_rendered

    seen = []

    def record(sender, template, context, **extra):
        if template.name == "audits/form.html":
            seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def per_request_values_out(html: str) -> str:
    """The page with its CSRF token and form token taken out (they differ on every page)."""
    for name in ("csrf_token", "token"):
        html = html.replace(per_request_value(html, name), f"<{name}>")
    return html


def per_request_value(html: str, name: str) -> str:
    # The log-out form's CSRF input has no type before its value; the scoring form's has.
    value = re.search(rf'name="{name}"(?: type="hidden")? value="([^"]+)"', html)[1]
    assert len(value) > 20
    return value


def test_whole_page_is_kept_and_is_the_page_rendered_afresh(
    app, client, supervisor, staff, clock, page_renders
):
    first = client.get(new_url(staff.id)).get_data(as_text=True)
    kept = client.get(new_url(staff.id))
    assert kept.status_code == 200 and kept.mimetype == "text/html"
    assert page_renders == ["audits/form.html"]  # the second page came from what was kept
    with app.app_context():
        form_cache.clear()
    fresh = client.get(new_url(staff.id)).get_data(as_text=True)
    assert page_renders == ["audits/form.html"] * 2

    kept_html = kept.get_data(as_text=True)
    assert hidden(kept_html, "token") not in (hidden(first, "token"), hidden(fresh, "token"))
    # One session: the same CSRF token on every page.
    assert per_request_value(kept_html, "csrf_token") == per_request_value(first, "csrf_token")
    assert per_request_values_out(kept_html) == per_request_values_out(fresh)
    assert per_request_values_out(first) == per_request_values_out(fresh)


def test_kept_page_has_the_headers_of_a_rendered_one(app, client, supervisor, staff, clock):
    fresh = client.get(new_url(staff.id))
    kept = client.get(new_url(staff.id))
    ignore = {"Set-Cookie", "Content-Length", "Date"}
    assert {k: v for k, v in kept.headers if k not in ignore} == {
        k: v for k, v in fresh.headers if k not in ignore
    }
    assert "Content-Security-Policy" in kept.headers and kept.headers["Cache-Control"]


def test_each_supervisor_sees_their_own_name_on_a_kept_page(app, staff, clock, page_renders):
    pages = {}
    for name in ("Sam Patel", "Kim Lee"):
        user = users.create_user(f"{name[:3].lower()}@example.com", name, "supervisor", PASSWORD)
        browser = app.test_client()
        with app.app_context():  # each request in a context of its own, as on a server
            login = {"email": user.email, "password": PASSWORD}
            assert browser.post("/login", data=login).status_code == 302
        pages[name] = [get(app, browser, new_url(staff.id)) for _ in range(2)]
    assert len(page_renders) == 2  # one page per supervisor, each asked for twice
    for name, other in (("Sam Patel", "Kim Lee"), ("Kim Lee", "Sam Patel")):
        for html in pages[name]:
            assert f"{name} · Supervisor" in html and other not in html


def test_kept_page_follows_the_staff_members_name_and_team(client, supervisor, staff, clock):
    assert "Ana Lopez" in text_of(client.get(new_url(staff.id)))
    people.update_staff(
        staff, "Ana Lopez-Ruiz", people.team_named("Phones", create=True).id, None, True
    )
    page = text_of(client.get(new_url(staff.id)))
    assert "Ana Lopez-Ruiz · Phones" in page and "Front desk" not in page


def test_flashed_message_is_shown_on_the_form_once(client, supervisor, staff, clock):
    client.get(new_url(staff.id))  # a page kept without the message
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Draft #12 saved for Ana Lopez.")]
    shown = client.get(new_url(staff.id)).get_data(as_text=True)
    assert "Draft #12 saved for Ana Lopez." in shown and 'role="status"' in shown
    assert "Draft #12 saved" not in client.get(new_url(staff.id)).get_data(as_text=True)


def test_kept_page_follows_the_url_prefix(client, supervisor, staff, clock):
    client.get(new_url(staff.id))
    prefixed = client.get(new_url(staff.id), environ_overrides={"SCRIPT_NAME": "/qa"})
    html = prefixed.get_data(as_text=True)
    assert f'action="/qa/audits/new?staff={staff.id}&amp;checklist=counter-basics"' in html
    assert 'href="/qa/static/app.css"' in html
    assert 'action="/audits/new' not in html


def test_kept_pages_are_bounded_least_recently_used_first(
    client, supervisor, make_staff, clock, page_renders, monkeypatch
):
    monkeypatch.setattr(form_cache, "PAGES_KEPT", 2)
    one, two, three = (make_staff(name).id for name in ("One Person", "Two Person", "Three P"))
    for staff_id in (one, two, one, three):  # `two` is the least recently used when three comes
        client.get(new_url(staff_id))
    assert len(page_renders) == 3
    client.get(new_url(one))
    assert len(page_renders) == 3  # still kept
    client.get(new_url(two))
    assert len(page_renders) == 4  # dropped, so rendered again


def test_kept_page_takes_each_new_minute(app, client, supervisor, staff, clock, page_renders):
    client.get(new_url(staff.id))
    clock.current = datetime(2026, 11, 20, 14, 5, 59)
    later = client.get(new_url(staff.id)).get_data(as_text=True)
    assert page_renders == ["audits/form.html"]  # the same page, with the new minute put in
    assert 'value="2026-11-20T14:05"' in later and "2026-11-20T09:41" not in later
    with app.app_context():
        form_cache.clear()
    fresh = client.get(new_url(staff.id)).get_data(as_text=True)
    assert per_request_values_out(later) == per_request_values_out(fresh)


def test_page_showing_the_minute_elsewhere_is_not_kept(
    client, supervisor, make_staff, clock, page_renders
):
    """A name that holds the minute: which one is the time is not known, so no page is kept."""
    odd = make_staff("Shift 2026-11-20T09:41")
    pages = [client.get(new_url(odd.id)).get_data(as_text=True) for _ in range(2)]
    assert len(page_renders) == 2
    for html in pages:
        assert "Shift 2026-11-20T09:41" in html and 'value="2026-11-20T09:41"' in html
