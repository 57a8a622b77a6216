"""/calibration across sessions: each rater's agreement with the reference over time, a
rater drifting away from it, items persistently unreliable, ICC(A,1), filters in the URL,
and no query per session."""

from __future__ import annotations

import re

import pytest
from calibration_support import SEVERE, post_answers
from conftest import GOOD_ANSWERS, text_of

NOBODY_AGREES = {"expert": "often", "steady": "sometimes", "drifter": "never"}


@pytest.fixture
def people(make_user):
    return {
        "expert": make_user("trainer", email="expert@example.com"),
        "steady": make_user("supervisor", email="steady@example.com"),
        "drifter": make_user("supervisor", email="drifter@example.com"),
    }


def run_sessions(client, login, make_calibration, people, count: int):
    """`count` sessions with the expert as reference; the drifter strays in the last."""
    for n in range(count):
        session = make_calibration(
            raters=list(people.values()),
            by=people["expert"],
            reference_mode="expert",
            expert_id=people["expert"].id,
            title=f"Session {n + 1}",
        )
        for key, user in people.items():
            answers = {**GOOD_ANSWERS, "smiled": NOBODY_AGREES[key]}
            if key == "drifter" and n == count - 1:
                answers = {**SEVERE, "smiled": NOBODY_AGREES[key]}
            login(user)
            response = post_answers(client, session.id, answers, token=f"{session.id}-{key}")
            assert response.status_code == 302, text_of(response)


def test_the_overview_flags_a_drifting_rater_and_an_unreliable_item(
    client, login, make_calibration, people
):
    run_sessions(client, login, make_calibration, people, 3)
    login(people["expert"])
    page = text_of(client.get("/calibration"))
    assert "3 sessions whose answers you may see" in page
    assert "Drifting away from the reference" in page
    assert "Persistently unreliable: check its anchors" in page
    unreliable = page.split("Persistently unreliable")[0].rsplit("Counter basics", 1)[1]
    assert "Smiled" in unreliable
    assert "ICC(A,1) on overall scores across sessions" in page


def test_each_raters_agreement_over_time_is_drawn_with_its_figures_in_words(
    client, login, make_calibration, people
):
    run_sessions(client, login, make_calibration, people, 3)
    login(people["expert"])
    html = client.get("/calibration").get_data(as_text=True)
    labels = re.findall(r'<svg[^>]*class="score-chart[^"]*"[^>]*aria-label="([^"]+)"', html)
    matching = [label for label in labels if "items matching the reference: 3 sessions" in label]
    latest = sorted(float(re.search(r"latest ([\d.]+)%", label).group(1)) for label in matching)
    assert len(matching) == len(re.findall("<svg", html.split("Each rater's agreement")[1]))
    assert latest[0] < latest[-1]  # the drifter's last session is drawn lower
    assert "Pass mark" not in html.split("Each rater's agreement")[1].split("Agreement per")[0]


def test_the_rater_filter_keeps_one_raters_trend(client, login, make_calibration, people):
    run_sessions(client, login, make_calibration, people, 3)
    login(people["expert"])
    page = text_of(client.get(f"/calibration?rater={people['steady'].id}"))
    assert "Drifting away" not in page
    assert client.get("/calibration?rater=abc").status_code == 400
    assert client.get("/calibration?checklist=../etc").status_code == 400
    other = text_of(client.get("/calibration?checklist=no-such-checklist"))
    assert "0 sessions whose answers you may see" in other


def test_the_overview_sends_no_query_per_session(
    client, login, make_calibration, people, count_queries
):
    run_sessions(client, login, make_calibration, people, 2)
    login(people["expert"])
    client.get("/calibration")
    few = count_queries(lambda: client.get("/calibration"))
    run_sessions(client, login, make_calibration, people, 4)
    login(people["expert"])
    client.get("/calibration")
    many = count_queries(lambda: client.get("/calibration"))
    assert many <= few, f"{few} queries for 2 sessions, {many} for 6"
