"""The parts of every page rendered once and kept (views/page_parts.py): the page must be
the same as with nothing kept, each role must get its own navbar, and links must follow
the URL prefix the app is served under."""

from __future__ import annotations

import re

import pytest

from auditapp.views import page_parts

ROLE_LINKS = {
    "admin": {"Audits", "Staff", "Teams", "Checklists", "Insights", "Coaching", "Users", "Log"},
    "supervisor": {"New audit", "Audits", "Staff", "Teams", "Checklists", "Insights", "Coaching"},
    "trainer": {"Audits", "Staff", "Teams", "Checklists", "Insights", "Coaching"},
    "staff": {"My audits", "My progress"},
}
# Parts of a page that differ between two requests whatever is kept: the CSRF token.
PER_REQUEST = re.compile(r'name="csrf_token" value="[^"]*"')


def nav_links(page: str) -> set[str]:
    navbar = page.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'class="nav-link" href="[^"]*">([^<]+)</a>', navbar))


def fresh_and_kept(client, path: str) -> tuple[str, str]:
    """The page rendered with nothing kept, then again from what the first render kept."""
    with client.application.app_context():
        page_parts.clear()
    fresh = client.get(path).get_data(as_text=True)
    kept = client.get(path).get_data(as_text=True)
    return PER_REQUEST.sub("", fresh), PER_REQUEST.sub("", kept)


@pytest.mark.parametrize("role", sorted(ROLE_LINKS))
def test_each_role_gets_its_own_navbar_whoever_came_first(app, client, login_as, role):
    for other in sorted(ROLE_LINKS):  # every role's navbar kept before this one's
        login_as(other)
        client.get("/audits")
    user = login_as(role)
    page = client.get("/audits").get_data(as_text=True)
    assert nav_links(page) == ROLE_LINKS[role]
    assert f"{user.name} · {user.role_label}" in page


@pytest.mark.parametrize("role", sorted(ROLE_LINKS))
def test_a_kept_page_is_the_page_rendered_afresh(app, client, login_as, role):
    login_as(role)
    fresh, kept = fresh_and_kept(client, "/audits")
    assert fresh == kept
    assert 'href="/static/app.css"' in kept and "bootstrap" in kept


def test_each_staff_member_gets_a_link_to_their_own_progress(app, client, login_as, make_staff):
    first, second = make_staff("Ana Lopez"), make_staff("Ben Okafor")
    login_as("staff", staff=first)
    assert f'href="/staff/{first.id}">My progress' in client.get("/audits").get_data(as_text=True)
    login_as("staff", staff=second)
    page = client.get("/audits").get_data(as_text=True)
    assert f'href="/staff/{second.id}">My progress' in page
    assert f'href="/staff/{first.id}"' not in page


def test_links_follow_the_url_prefix_the_app_is_served_under(app, client, login_as):
    login_as("supervisor")
    plain = client.get("/audits").get_data(as_text=True)
    prefixed = client.get("/audits", base_url="http://localhost/qa").get_data(as_text=True)
    assert 'href="/static/app.css"' in plain and 'href="/audits/new"' in plain
    assert 'href="/qa/static/app.css"' in prefixed and 'href="/qa/audits/new"' in prefixed
    assert 'href="/static/app.css"' not in prefixed
    again = client.get("/audits").get_data(as_text=True)
    assert 'href="/qa/' not in again  # the prefixed parts were kept apart


def test_the_login_page_has_the_kept_head_and_no_navbar(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/static/app.css"' in page and 'class="navbar-brand"' in page
    assert "navbar-nav" not in page
