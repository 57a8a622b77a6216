"""The audit list: order, filters, pagination, empty states."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from audits_support import (
    assert_between,
    audit_count,
    filter_list,
    listed_ids,
)
from conftest import GOOD_ANSWERS, text_of

# --- 10. the list ------------------------------------------------------------------------


@pytest.fixture
def listed(make_user, make_staff, make_audit):
    """Five submitted audits across staff, teams, supervisors, dates and results."""
    sup_x, sup_y = make_user("supervisor"), make_user("supervisor")
    ana = make_staff("Ana Lopez", "Front desk")
    ben = make_staff("Ben Okafor", "Front desk")
    cai = make_staff("Cai Wong", "Phones")
    fail = {**GOOD_ANSWERS, "argued": "yes"}
    audits = {
        "ana-1": make_audit(ana, sup_x, observed_at=datetime(2026, 11, 1, 9, 0)),
        "ana-3": make_audit(ana, sup_y, answers=fail, observed_at=datetime(2026, 11, 3, 9, 0)),
        "ben-2": make_audit(ben, sup_x, observed_at=datetime(2026, 11, 2, 9, 0)),
        "cai-4": make_audit(cai, sup_y, observed_at=datetime(2026, 11, 4, 9, 0)),
        "cai-5": make_audit(cai, sup_x, answers=fail, observed_at=datetime(2026, 11, 5, 17, 0)),
    }
    ids = {key: audit.id for key, audit in audits.items()}
    return {
        "ids": ids,
        "sup_x": sup_x,
        "sup_y": sup_y,
        "ana": ana,
        "ben": ben,
        "cai": cai,
    }


def test_list_is_newest_first(client, supervisor, listed):
    ids = listed["ids"]
    response = client.get("/audits")
    assert response.status_code == 200
    assert listed_ids(response) == [ids[k] for k in ("cai-5", "cai-4", "ana-3", "ben-2", "ana-1")]
    assert "5 audits, newest first." in text_of(response)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(lambda d: {"staff": d["ana"].id}, ["ana-3", "ana-1"], id="staff"),
        pytest.param(lambda d: {"team": d["ana"].team_id}, ["ana-3", "ben-2", "ana-1"], id="team"),
        pytest.param(lambda d: {"team": d["cai"].team_id}, ["cai-5", "cai-4"], id="other-team"),
        pytest.param(
            lambda d: {"checklist": "counter-basics"},
            ["cai-5", "cai-4", "ana-3", "ben-2", "ana-1"],
            id="checklist",
        ),
        pytest.param(lambda d: {"supervisor": d["sup_y"].id}, ["cai-4", "ana-3"], id="supervisor"),
        pytest.param(
            lambda d: {"date_from": "2026-11-02", "date_to": "2026-11-04"},
            ["cai-4", "ana-3", "ben-2"],
            id="date-range",
        ),
        pytest.param(lambda d: {"date_from": "2026-11-05"}, ["cai-5"], id="date-from-whole-day"),
        pytest.param(
            lambda d: {"date_to": "2026-11-05"},
            ["cai-5", "cai-4", "ana-3", "ben-2", "ana-1"],
            id="date-to-includes-the-day",
        ),
        pytest.param(lambda d: {"result": "passed"}, ["cai-4", "ben-2", "ana-1"], id="passed"),
        pytest.param(lambda d: {"result": "failed"}, ["cai-5", "ana-3"], id="failed"),
        pytest.param(
            lambda d: {"staff": d["cai"].id, "result": "failed"}, ["cai-5"], id="combined"
        ),
    ],
)
def test_list_filters(client, supervisor, listed, filters, expected):
    response = filter_list(client, **filters(listed))
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"][k] for k in expected]


def test_list_filter_with_no_match_says_so(client, supervisor, listed):
    response = filter_list(client, date_from="2025-01-01", date_to="2025-01-31")
    assert response.status_code == 200
    assert listed_ids(response) == []
    assert "No audits match these filters." in text_of(response)


def test_list_filter_links_name_only_the_filter_used(client, supervisor, listed):
    """Links such as the staff page's "All audits" (/audits?staff=<id>) carry one filter."""
    ana = listed["ana"]
    staff_page = client.get(f"/staff/{ana.id}").get_data(as_text=True)
    assert f'href="/audits?staff={ana.id}"' in staff_page
    response = client.get(f"/audits?staff={ana.id}")
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"]["ana-3"], listed["ids"]["ana-1"]]
    response = client.get("/audits?result=failed")
    assert response.status_code == 200, text_of(response)
    assert listed_ids(response) == [listed["ids"]["cai-5"], listed["ids"]["ana-3"]]


def test_list_shows_own_drafts_only(client, supervisor, staff, listed, make_audit):
    mine = make_audit(staff, supervisor, answers={"greeted": "yes"}, submit=False)
    theirs = make_audit(staff, listed["sup_x"], answers={"greeted": "yes"}, submit=False)
    shown = listed_ids(client.get("/audits"))
    assert mine.id in shown and theirs.id not in shown
    drafts = listed_ids(filter_list(client, status="draft"))
    assert drafts == [mine.id]


@pytest.fixture
def thirty_audits(make_user, make_staff, make_audit):
    supervisor = make_user("supervisor")
    staff = make_staff("Dee Park")
    start = datetime(2026, 10, 1, 9, 0)
    ids = [
        make_audit(staff, supervisor, observed_at=start + timedelta(hours=n)).id for n in range(30)
    ]
    assert audit_count() == 30
    return list(reversed(ids))  # newest first


def test_list_paginates(client, supervisor, thirty_audits):
    first = filter_list(client)
    assert first.status_code == 200
    assert listed_ids(first) == thirty_audits[:25]
    assert "30 audits, newest first." in text_of(first)
    second = filter_list(client, page=2)
    assert second.status_code == 200
    assert listed_ids(second) == thirty_audits[25:]
    assert filter_list(client, page=3).status_code == 404


def test_list_pager_link_opens_page_two(client, supervisor, thirty_audits):
    first = client.get("/audits")
    assert listed_ids(first) == thirty_audits[:25]
    match = re.search(r'<a class="page-link" href="([^"]+)" rel="next">', first.get_data(True))
    assert match, "no link to the next page"
    second = client.get(match.group(1).replace("&amp;", "&"))
    assert second.status_code == 200, text_of(second)
    assert listed_ids(second) == thirty_audits[25:]


def test_list_empty_state_for_a_supervisor(client, supervisor):
    response = client.get("/audits")
    assert response.status_code == 200
    assert "No audits yet" in text_of(response)
    assert '<a href="/audits/new">start one</a>' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message", "place"),
    [
        pytest.param(
            {"date_from": "2026-11-05", "date_to": "2026-11-01"},
            "The end date is before the start date.",
            ("To", "Result"),
            id="end-before-start",
        ),
        pytest.param(
            {"staff": "abc"}, "could not coerce", ("Staff member", "Team"), id="staff-not-an-id"
        ),
        pytest.param(
            {"date_from": "yesterday"}, "Not a valid date value.", ("From", "To"), id="bad-date"
        ),
    ],
)
def test_list_invalid_filter(client, supervisor, listed, query, message, place):
    response = filter_list(client, **query)
    assert response.status_code == 400
    page = text_of(response)
    assert "Correct the filters marked above." in page
    assert_between(page, message, *place)
    assert listed_ids(response) == []
