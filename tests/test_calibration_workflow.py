"""A session's life: creating it through the form, drafts, one submit however often it is
posted, open -> review (every rater submitted, or the deadline passed) -> closed, late
raters, and each step in the event log."""

from __future__ import annotations

from datetime import timedelta

from calibration_support import answers_count, log_actions, post_answers, stored_session
from conftest import GOOD_ANSWERS, text_of

from auditapp import clock as app_clock
from auditapp.extensions import db
from auditapp.models import CalibrationAnswer, CalibrationSession
from auditapp.services import event_log


def new_form(raters, **fields):
    data = {
        "title": "Phone call about a late delivery",
        "checklist": "counter-basics",
        "channel": "in_person",
        "material_kind": "text",
        "material_text": "The clerk greets the customer and thanks them.",
        "rater_ids": [str(r.id) for r in raters],
        "reference_mode": "none",
        "deadline": (app_clock.local_now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "staff_member_id": "",
        "lead_rater_id": "",
        "expert_id": "",
    }
    data.update(fields)
    return data


def test_a_trainer_creates_a_session_through_the_form(client, login_as, make_user):
    trainer = login_as("trainer")
    raters = [make_user("supervisor"), make_user("trainer")]
    response = client.post("/calibration/new", data=new_form(raters))
    assert response.status_code == 302, text_of(response)
    session = stored_session()
    assert session.created_by_id == trainer.id and session.status == "open"
    assert sorted(r.user_id for r in session.raters) == sorted(r.id for r in raters)
    # The checklist is snapshotted, like an audit's.
    assert session.checklist_version.content["id"] == "counter-basics"
    assert log_actions() == ["calibration_created"]
    page = text_of(client.get(response.headers["Location"]))
    assert "The clerk greets the customer" in page and "0 of 2 raters submitted" in page


def test_bad_choices_are_refused_next_to_their_fields_and_nothing_is_stored(
    client, login_as, make_user
):
    login_as("trainer")
    staff_login = make_user("staff")
    one = make_user("supervisor")
    response = client.post(
        "/calibration/new",
        data=new_form(
            [one],
            material_text="",
            reference_mode="expert",
            deadline="2001-01-01T10:00",
        ),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "Invite at least two raters" in page
    assert "Write or paste the account" in page
    assert "Choose the expert among the invited raters" in page
    assert CalibrationSession.query.count() == 0
    response = client.post("/calibration/new", data=new_form([one, staff_login]))
    assert response.status_code == 400
    assert "not a valid choice" in text_of(response)  # only supervisors and trainers are offered
    assert CalibrationSession.query.count() == 0


def test_a_draft_is_kept_then_submitted_once_however_often_it_is_posted(
    client, login, make_calibration, make_user
):
    raters = [make_user("supervisor") for _ in range(3)]
    session = make_calibration(raters=raters)
    login(raters[0])
    partial = {"greeted": "yes", "warmth": "3"}
    response = post_answers(client, session.id, partial, submit=False, token="t1")
    assert response.status_code == 302
    form = client.get(f"/calibration/{session.id}/score").get_data(as_text=True)
    assert 'value="t1"' in form  # the draft's own token: submitting it later stores it once
    assert answers_count(status="draft") == 1
    incomplete = post_answers(client, session.id, partial, token="t1")
    assert incomplete.status_code == 400  # submit needs every item
    assert answers_count(status="submitted") == 0
    for _ in range(3):
        response = post_answers(client, session.id, GOOD_ANSWERS, token="t1")
        assert response.status_code == 302
    assert answers_count() == 1 and answers_count(status="submitted") == 1
    assert log_actions() == [
        "calibration_created",
        "calibration_draft_saved",
        "calibration_submitted",
    ]
    # A later post with other answers changes nothing.
    post_answers(client, session.id, {**GOOD_ANSWERS, "thanked": "no"}, token="t2")
    db.session.expire_all()
    assert CalibrationAnswer.query.one().answers["thanked"] == "yes"
    assert event_log.verify() is None


def test_the_session_goes_to_review_when_every_rater_has_submitted_then_closes(
    client, login, make_calibration, make_user
):
    trainer = make_user("trainer")
    raters = [make_user("supervisor") for _ in range(2)]
    session = make_calibration(raters=raters, by=trainer)
    for n, rater in enumerate(raters):
        login(rater)
        post_answers(client, session.id, token=f"r{n}")
    assert stored_session().status == "review"
    login(raters[0])
    assert client.post(f"/calibration/{session.id}/close").status_code == 403
    login(trainer)
    assert "In review" in text_of(client.get(f"/calibration/{session.id}"))
    response = client.post(f"/calibration/{session.id}/close")
    assert response.status_code == 302
    assert stored_session().status == "closed"
    assert log_actions()[-2:] == ["calibration_review", "calibration_closed"]


def test_a_late_rater_gets_a_clear_message_and_nothing_is_stored(
    clock, client, login, make_calibration, make_user
):
    raters = [make_user("supervisor") for _ in range(2)]
    session = make_calibration(raters=raters, deadline=app_clock.local_now() + timedelta(hours=1))
    login(raters[0])
    post_answers(client, session.id, submit=False, token="late", observed_at="2026-11-02T10:00")
    assert answers_count(status="draft") == 1
    clock.advance(hours=2)
    response = post_answers(client, session.id, token="late", observed_at="2026-11-02T10:00")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "The deadline passed on 02 Nov 2026 13:00" in page
    assert "Traceback" not in page
    assert answers_count(status="submitted") == 0
    assert client.get(f"/calibration/{session.id}/score").status_code == 302
    assert "In review" in page


def test_closing_an_open_session_is_refused_with_a_message(
    client, login, make_calibration, make_user
):
    trainer = make_user("trainer")
    session = make_calibration(by=trainer)
    login(trainer)
    response = client.post(f"/calibration/{session.id}/close")
    assert response.status_code == 400
    assert "still open" in text_of(response)
    assert stored_session().status == "open"


def test_only_the_channel_of_the_session_is_taken(client, login, make_calibration, make_user):
    raters = [make_user("supervisor") for _ in range(2)]
    session = make_calibration(raters=raters)
    login(raters[0])
    response = post_answers(client, session.id, channel="phone")
    assert response.status_code == 400
    assert answers_count() == 0
