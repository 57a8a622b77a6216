"""Blind until submitted: a rater sees nobody else's answers, through the pages, the PDF
and the JSON, until they have submitted their own or the session left "open"."""

from __future__ import annotations

import pytest
from calibration_support import SEVERE, pdf_text, post_answers
from conftest import text_of

from auditapp.models import CalibrationAnswer

SECRET = "Looked away twice"  # a comment only the first rater writes

ANSWER_URLS = ("/results", "/results.json", "/results.pdf")


@pytest.fixture
def three(make_user, make_calibration):
    raters = [make_user("supervisor", email=f"r{n}@example.com") for n in range(3)]
    return raters, make_calibration(raters=raters)


def test_answers_stay_hidden_from_a_rater_until_they_submit(client, login, three):
    (first, second, _), session = three
    login(first)
    response = post_answers(client, session.id, SEVERE, comment_warmth=SECRET)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/calibration/{session.id}/results")
    mine = client.get(f"/calibration/{session.id}/results")
    assert mine.status_code == 200 and SECRET not in text_of(mine)  # comments stay private
    assert "2 – Fair" in text_of(mine)

    login(second)
    page = client.get(f"/calibration/{session.id}")
    assert page.status_code == 200
    assert "Blind until submitted" in text_of(page)
    assert "2 – Fair" not in text_of(page) and SECRET not in text_of(page)
    assert "/results" not in page.get_data(as_text=True)
    for url in ANSWER_URLS:
        response = client.get(f"/calibration/{session.id}{url}")
        assert response.status_code == 403, url
        assert b"2 \xe2\x80\x93 Fair" not in response.data and b"%PDF" not in response.data
    # Their own scoring form is blank, not the first rater's answers.
    form = client.get(f"/calibration/{session.id}/score").get_data(as_text=True)
    assert 'value="2" checked' not in form.replace("checked ", "checked")

    post_answers(client, session.id, token="second")
    assert client.get(f"/calibration/{session.id}/results").status_code == 200
    data = client.get(f"/calibration/{session.id}/results.json").get_json()
    warmth = next(i for i in data["items"] if i["id"] == "warmth")
    assert sorted(a["value"] for a in warmth["answers"]) == ["2", "4"]
    pdf = client.get(f"/calibration/{session.id}/results.pdf")
    assert pdf.status_code == 200 and "2 – Fair" in pdf_text(pdf.data)


def test_everyone_sees_the_answers_once_the_session_leaves_open(clock, client, login, three):
    (first, _second, third), session = three
    login(first)
    post_answers(client, session.id)
    clock.advance(days=4)  # past the deadline: in review although the others never submitted
    login(third)
    for url in ANSWER_URLS:
        assert client.get(f"/calibration/{session.id}{url}").status_code == 200, url


def test_non_members_cannot_open_a_session_and_an_admin_sees_no_answers_while_open(
    client, login, make_user, three
):
    (first, _, _), session = three
    login(first)
    post_answers(client, session.id)
    login(make_user("supervisor", email="outsider@example.com"))
    for url in ("", "/score", "/material", *ANSWER_URLS):
        assert client.get(f"/calibration/{session.id}{url}").status_code == 403, url
    assert f"/calibration/{session.id}" not in client.get("/calibration").get_data(as_text=True)
    login(make_user("admin", email="boss@example.com"))
    assert client.get(f"/calibration/{session.id}").status_code == 200
    for url in ANSWER_URLS:
        assert client.get(f"/calibration/{session.id}{url}").status_code == 403, url


def test_the_overview_leaves_out_sessions_whose_answers_the_reader_may_not_see(
    client, login, three
):
    (first, second, _), session = three
    login(first)
    post_answers(client, session.id)
    login(second)
    page = text_of(client.get("/calibration"))
    assert "0 sessions whose answers you may see" in page
    login(first)
    assert "1 session whose answers you may see" in text_of(client.get("/calibration"))


def test_the_staff_members_name_can_be_hidden_from_raters(
    client, login, make_user, make_staff, make_calibration
):
    raters = [make_user("supervisor") for _ in range(2)]
    trainer = make_user("trainer")
    staff = make_staff("Zoe Hidden")
    session = make_calibration(
        raters=raters, by=trainer, staff_member_id=staff.id, hide_staff_name=True
    )
    login(raters[0])
    page = text_of(client.get(f"/calibration/{session.id}"))
    assert "Zoe Hidden" not in page and "name hidden from raters" in page
    assert "Zoe Hidden" not in text_of(client.get(f"/calibration/{session.id}/score"))
    login(trainer)
    assert "Zoe Hidden" in text_of(client.get(f"/calibration/{session.id}"))
    assert CalibrationAnswer.query.count() == 0
