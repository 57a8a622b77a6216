"""Coaching actions: recorded by trainers, closed by a later audit that meets them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from conftest import GOOD_ANSWERS, text_of
from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import CoachingAction
from auditapp.services import coaching
from auditapp.services.checklists import available


def later(minutes: int = 1) -> datetime:
    """A time after the action was just recorded (computed when called, not at import)."""
    return datetime.now() + timedelta(minutes=minutes)


@pytest.fixture
def staff(make_staff):
    return make_staff("Ana Lopez")


@pytest.fixture
def first_audit(make_audit, staff):
    """An audit where Ana did not thank the customer and greeted with little warmth."""
    return make_audit(staff=staff, answers={**GOOD_ANSWERS, "thanked": "no", "warmth": "2"})


def ticked(page) -> set[str]:
    """The values of the checked item boxes on a page."""
    inputs = re.findall(r"<input[^>]*name=\"item_ids\"[^>]*>", page.get_data(as_text=True))
    return {re.search(r'value="([^"]+)"', i).group(1) for i in inputs if "checked" in i}


def record(trainer, staff, items=("thanked",), section=None, audit=None, days=14):
    target = coaching.Target(available()["counter-basics"], tuple(items), section)
    return coaching.record(
        trainer=trainer,
        staff=staff,
        target=target,
        audit=audit,
        note="Thank every customer",
        follow_up_on=date.today() + timedelta(days=days),
    )


def test_trainer_records_an_action_from_an_audit(client, login_as, staff, first_audit):
    trainer = login_as("trainer")
    url = f"/staff/{staff.id}/coaching/new?audit={first_audit.id}"
    page = client.get(url)
    assert page.status_code == 200
    # The items the audit found not met come ticked, the others not.
    assert ticked(page) == {"thanked", "warmth"}
    follow_up = (date.today() + timedelta(days=10)).isoformat()
    response = client.post(
        url,
        data={
            "item_ids": ["thanked", "warmth"],
            "section_id": "",
            "note": "Thank every customer",
            "follow_up_on": follow_up,
        },
    )
    assert response.status_code == 302, text_of(response)
    action = db.session.execute(select(CoachingAction)).scalar_one()
    assert action.item_ids == ["thanked", "warmth"]
    assert (action.staff_member_id, action.audit_id, action.created_by_id) == (
        staff.id,
        first_audit.id,
        trainer.id,
    )
    assert action.follow_up_on.isoformat() == follow_up and action.closed_at is None
    listing = text_of(client.get("/coaching"))
    assert (
        "Ana Lopez" in listing
        and "Thanked the customer; Greeted with warmth" in listing
        and "Follow up by" in listing
    )


def test_missed_items_are_offered_ticked(app, first_audit):
    assert sorted(coaching.missed_in(first_audit)) == ["thanked", "warmth"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"note": "x"}, "item_ids", "Choose the items or the section to work on."),
        ({"item_ids": ["thanked"], "note": "x", "days": -1}, "follow_up_on", "in the past"),
        ({"item_ids": ["bogus"], "note": "x"}, "item_ids", "is not a valid choice"),
        ({"item_ids": ["thanked"], "note": ""}, "note", "This field is required."),
    ],
)
def test_bad_actions_are_refused_next_to_the_field(client, login_as, staff, data, field, message):
    login_as("trainer")
    days = data.pop("days", 7)
    form = {"section_id": "", "follow_up_on": (date.today() + timedelta(days=days)).isoformat()}
    response = client.post(
        f"/staff/{staff.id}/coaching/new?checklist=counter-basics", data={**form, **data}
    )
    assert response.status_code == 400
    assert message.lower() in text_of(response).lower()
    assert db.session.execute(select(CoachingAction)).first() is None


def test_later_audit_meeting_the_items_closes_the_action(
    app, make_user, make_audit, staff, first_audit
):
    action = record(make_user("trainer"), staff, items=("thanked",), audit=first_audit)
    closer = make_audit(staff=staff, observed_at=later())
    db.session.refresh(action)
    assert action.closed_at is not None
    assert action.closed_by_audit_id == closer.id


@pytest.mark.parametrize(
    "answers, observed_at, why",
    [
        ({**GOOD_ANSWERS, "thanked": "no"}, None, "the item was missed again"),
        ({**GOOD_ANSWERS, "thanked": "na"}, None, "N/A proves nothing"),
        (GOOD_ANSWERS, datetime(2026, 1, 1, 9, 0), "observed before the action"),
    ],
)
def test_actions_stay_open_when_not_met(
    app, make_user, make_audit, staff, answers, observed_at, why
):
    action = record(make_user("trainer"), staff)
    make_audit(staff=staff, answers=answers, observed_at=observed_at or later())
    db.session.refresh(action)
    assert action.closed_at is None, why


def test_other_people_drafts_and_checklists_do_not_close_it(
    app, make_user, make_audit, make_staff, staff
):
    action = record(make_user("trainer"), staff)
    make_audit(staff=make_staff("Ben Carter"), observed_at=later())
    make_audit(staff=staff, observed_at=later(), submit=False)
    db.session.refresh(action)
    assert action.closed_at is None


def test_a_section_action_closes_when_every_scored_item_of_it_is_met(
    app, make_user, make_audit, staff
):
    trainer = make_user("trainer")
    action = record(trainer, staff, items=(), section="closing")
    make_audit(staff=staff, answers={**GOOD_ANSWERS, "argued": "yes"}, observed_at=later())
    db.session.refresh(action)
    assert action.closed_at is None  # a don't was observed in that section
    make_audit(staff=staff, observed_at=later(2))
    db.session.refresh(action)
    assert action.closed_at is not None


def test_amending_an_audit_can_close_an_action(app, make_user, make_audit, staff):
    from auditapp.services import audits as audit_service

    action = record(make_user("trainer"), staff)
    amended = make_audit(
        staff=staff, answers={**GOOD_ANSWERS, "thanked": "no"}, observed_at=later()
    )
    db.session.refresh(action)
    assert action.closed_at is None
    audit_service.amend(
        amended,
        user=amended.supervisor,
        interaction=audit_service.Interaction.of(amended),
        entry=audit_service.Answers.clean(GOOD_ANSWERS, {}),
        reason="Misheard the thanks",
    )
    db.session.refresh(action)
    assert action.closed_by_audit_id == amended.id


def test_overdue_actions_are_marked(client, login_as, make_user, staff):
    action = record(make_user("trainer"), staff, days=1)
    action.follow_up_on = date.today() - timedelta(days=3)
    db.session.commit()
    login_as("supervisor")
    assert "Overdue since" in text_of(client.get("/coaching"))
    assert coaching.is_overdue(action)


def test_only_trainers_record_and_staff_cannot_list(client, login_as, staff):
    login_as("supervisor")
    assert client.get(f"/staff/{staff.id}/coaching/new").status_code == 403
    login_as("staff", staff=staff)
    assert client.get("/coaching").status_code == 403


def test_an_audit_of_someone_else_cannot_be_the_source(
    client, login_as, make_staff, make_audit, staff
):
    other_audit = make_audit(staff=make_staff("Ben Carter"))
    login_as("trainer")
    assert client.get(f"/staff/{staff.id}/coaching/new?audit={other_audit.id}").status_code == 404


def test_an_audits_page_offers_trainers_a_coaching_action_with_its_missed_items(
    client, login_as, make_audit
):
    audit = make_audit(answers={**GOOD_ANSWERS, "thanked": "no"})
    login_as("trainer")
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    link = f"/staff/{audit.staff_member_id}/coaching/new?audit={audit.id}"
    assert f'href="{link}">Record a coaching action</a>' in page
    form = client.get(link)
    assert form.status_code == 200
    assert "thanked" in ticked(form)  # the missed items come ticked


@pytest.mark.parametrize("role", ["supervisor", "admin", "staff"])
def test_other_roles_are_not_offered_a_coaching_action(
    client, login_as, make_audit, make_staff, role
):
    own = make_staff("Oscar Own")
    audit = make_audit(staff=own)
    login_as(role, **({"staff": own} if role == "staff" else {}))
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Record a coaching action" not in page
