"""The blank scoring form's items are rendered once per checklist version (views/form_cache.py):
the page must be the same as a fresh render, a changed checklist must show its new items, and
the per-request parts (CSRF token, form token, the current minute) must stay fresh."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
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
def now(clock):
    """The app's clock stopped at 20 Nov 2026 09:41:17 (the organisation's zone is UTC here)."""
    clock.set(datetime(2026, 11, 20, 9, 41, 17, tzinfo=UTC))
    return clock


@pytest.fixture
def renders(monkeypatch):
    """The checklists whose blank items were rendered (rather than taken from the cache)."""
    made = []
    real = form_cache.render_template

    def counting(template, checklist, **kwargs):
        made.append(checklist.id)
        return real(template, checklist=checklist, **kwargs)

    monkeypatch.setattr(form_cache, "render_template", counting)
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
    app, client, supervisor, staff, now, renders, checklist_id
):
    checklist = checklist_store.available()[checklist_id]
    first = client.get(new_url(staff.id, checklist_id))
    again = client.get(new_url(staff.id, checklist_id))
    assert first.status_code == again.status_code == 200
    assert renders == [checklist_id]  # rendered for the first page only: then the cache's

    for response in (first, again):
        html = response.get_data(as_text=True)
        token = hidden(html, "token")
        expected = fresh_render(
            app,
            supervisor,
            staff,
            checklist,
            token=token,
            observed_at=datetime(2026, 11, 20, 9, 41),
        )
        # Every element, attribute (names, ids, labels' for, values, aria-*) and text alike.
        assert form_elements(html) == form_elements(expected)
        # And the page around it: title, staff member, checklist, version.
        assert (
            visible(html).split("Skip to content")[1]
            == visible(expected).split("Skip to content")[1]
        )
    assert 'value="2026-11-20T09:41"' in first.get_data(as_text=True)


def test_new_minute_gives_the_new_time_and_the_same_items(client, supervisor, staff, now):
    first = client.get(new_url(staff.id)).get_data(as_text=True)
    now.set(datetime(2026, 11, 20, 9, 42, 3, tzinfo=UTC))
    later = client.get(new_url(staff.id)).get_data(as_text=True)
    assert 'value="2026-11-20T09:41"' in first and 'value="2026-11-20T09:42"' in later
    assert "2026-11-20T09:41" not in later
    strip = re.compile(r'value="2026-11-20T09:4\d"|name="token" type="hidden" value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", later)


def test_changed_checklist_shows_its_new_items(
    client, supervisor, staff, checklists_dir, now, renders
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
    people.update_staff(gone, gone.name, None, None, False, by=None)
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
        staff = people.add_staff("Ana Lopez", "Front desk", by=None)
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
