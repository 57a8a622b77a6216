"""The navbar: each role's links, the page being shown marked, links under a URL prefix."""

from __future__ import annotations

import re

import pytest

ROLE_LINKS = {
    "admin": {
        *("Audits", "Staff", "Teams", "Checklists", "Insights", "Coaching", "Calibration"),
        *("Plans", "Users", "Log", "Email"),
    },
    "supervisor": {
        *("New audit", "Offline", "Audits", "Staff", "Teams", "Checklists", "Insights"),
        *("Coaching", "Calibration"),
    },
    "trainer": {
        *("Audits", "Staff", "Teams", "Checklists", "Insights", "Coaching", "Calibration"),
        "Plans",
    },
    "staff": {"My audits", "My progress"},
}


def navbar(page: str) -> str:
    return page.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]


def nav_links(page: str) -> set[str]:
    return set(re.findall(r'class="nav-link[^"]*" href="[^"]*"[^>]*>([^<]+)</a>', navbar(page)))


def current(page: str) -> list[str]:
    """The labels of the links marked as the page being shown."""
    marked = r'class="nav-link text-nowrap active" href="[^"]*" aria-current="page">([^<]+)<'
    return re.findall(marked, page)


@pytest.mark.parametrize("role", sorted(ROLE_LINKS))
def test_each_role_gets_its_own_links_and_its_name_links_to_the_account(client, login_as, role):
    user = login_as(role)
    page = client.get("/audits").get_data(as_text=True)
    assert nav_links(page) == ROLE_LINKS[role]
    shown = rf'href="/account"[^>]*>{user.name}<span[^>]*> · {user.role_label}</span></a>'
    assert re.search(shown, page)


def test_each_staff_member_gets_a_link_to_their_own_progress(client, login_as, make_staff):
    first, second = make_staff("Ana Lopez"), make_staff("Ben Okafor")
    login_as("staff", staff=first)
    assert f'href="/staff/{first.id}"' in navbar(client.get("/audits").get_data(as_text=True))
    login_as("staff", staff=second)
    page = navbar(client.get("/audits").get_data(as_text=True))
    assert f'href="/staff/{second.id}"' in page and f'href="/staff/{first.id}"' not in page


@pytest.mark.parametrize(
    ("role", "path", "marked"),
    [
        ("supervisor", "/audits", ["Audits"]),
        ("supervisor", "/audits/new", ["New audit"]),
        ("supervisor", "/staff", ["Staff"]),
        ("trainer", "/insights", ["Insights"]),
        ("trainer", "/calibration/new", ["Calibration"]),
        ("trainer", "/plans/compliance", ["Plans"]),
        ("admin", "/users", ["Users"]),
        ("admin", "/admin/log", ["Log"]),
        ("admin", "/admin/mail", ["Email"]),
        ("admin", "/admin/mail/defaults", ["Email"]),
        ("trainer", "/account", []),  # the name is marked instead, not a link of the list
    ],
)
def test_the_page_being_shown_is_marked_in_the_navbar(client, login_as, role, path, marked):
    login_as(role)
    page = client.get(path).get_data(as_text=True)
    assert current(navbar(page)) == marked


def test_links_follow_the_url_prefix_the_app_is_served_under(client, login_as):
    login_as("supervisor")
    prefixed = client.get("/audits", base_url="http://localhost/qa").get_data(as_text=True)
    assert 'href="/qa/static/app.css"' in prefixed and 'href="/qa/audits/new"' in prefixed
    assert 'href="/static/app.css"' not in prefixed


def test_the_login_page_has_the_style_sheets_and_no_navbar_links(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/static/app.css"' in page and 'class="navbar-brand"' in page
    assert "navbar-nav" not in page
