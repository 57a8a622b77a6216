"""The messages the workers send on their own, received by a real SMTP server: coaching actions
due and overdue (each once per state), calibration deadline reminders (once), and the
weekly digest for trainers (Monday morning, once a week, its sections)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import GOOD_ANSWERS, running_app
from mail_support import BASE_URL, SmtpServer, mail_config
from mail_support import run_queue as deliver
from sqlalchemy import select

from auditapp import clock as app_clock
from auditapp.extensions import db
from auditapp.models import StaffMember
from auditapp.services import audits as audit_service
from auditapp.services import (
    calibration_access,
    calibration_answers,
    coaching,
    digest,
    mail_preferences,
    plans,
    reminders,
)
from auditapp.services.checklists import available

MONDAY = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # the clock fixture's moment
ALL_MET = {"greeted": "yes", "warmth": "5", "smiled": "often", "thanked": "yes", "argued": "no"}
NOT_THANKED = {**ALL_MET, "thanked": "no"}


@pytest.fixture
def inbox():
    with SmtpServer() as inbox:
        yield inbox


@pytest.fixture
def app(database_url, checklists_dir, inbox, tmp_path):
    config = mail_config(inbox.port, tmp_path / "outbox")
    with running_app(database_url, checklists_dir, **config) as app:
        yield app


@pytest.fixture
def trainer(make_user):
    return make_user("trainer", email="tess@example.com")


def action(trainer, staff, follow_up_on: date, item="greeted"):
    return coaching.record(
        trainer=trainer,
        staff=staff,
        target=coaching.Target(available()["counter-basics"], (item,)),
        note="Greet first, then ask how you can help.",
        follow_up_on=follow_up_on,
        today=follow_up_on - timedelta(days=14),
    )


def subjects(inbox, address: str) -> list[str]:
    return [r.subject for r in inbox.to(address)]


# --- coaching ---------------------------------------------------------------------------


def test_coaching_actions_due_and_overdue_are_mailed_once_per_state(
    clock, inbox, trainer, make_staff, make_user
):
    ana, ben, cleo = make_staff("Ana Lopez"), make_staff("Ben Carter"), make_staff("Cleo Ward")
    make_user("staff", email="ana@example.com", staff=ana)
    make_user("staff", email="ben@example.com", staff=ben)
    make_user("staff", email="cleo@example.com", staff=cleo)
    action(trainer, ana, date(2026, 11, 3))  # due tomorrow
    action(trainer, ben, date(2026, 10, 30))  # overdue
    action(trainer, cleo, date(2026, 12, 1))  # weeks away: nothing yet
    assert reminders.coaching_reminders() == 4
    deliver()
    assert sorted(subjects(inbox, "tess@example.com")) == [
        "Due: Ana Lopez's coaching follow-up",
        "Overdue: Ben Carter's coaching follow-up",
    ]
    assert subjects(inbox, "ana@example.com") == ["Your coaching follow-up is due on 03 Nov 2026"]
    assert subjects(inbox, "ben@example.com") == ["Your coaching follow-up was due on 30 Oct 2026"]
    assert inbox.to("cleo@example.com") == []
    [to_ana] = inbox.to("ana@example.com")
    assert f"{BASE_URL}/staff/{ana.id}" in to_ana.text
    assert "Greeted the customer" in to_ana.text and "Greet first" in to_ana.html
    to_trainer = inbox.to("tess@example.com")[0]
    assert f"{BASE_URL}/coaching" in to_trainer.text
    assert reminders.coaching_reminders() == 0, "each state is mailed once"
    clock.advance(days=2)  # Ana's follow-up date has passed now
    assert reminders.coaching_reminders() == 2
    deliver()
    assert subjects(inbox, "ana@example.com")[-1] == (
        "Your coaching follow-up was due on 03 Nov 2026"
    )
    assert reminders.coaching_reminders() == 0


def test_a_closed_action_and_the_small_hours_send_nothing(clock, inbox, trainer, make_staff):
    clock.set(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))  # before the morning hour (7)
    action(trainer, make_staff("Ana Lopez"), date(2026, 10, 30))
    assert reminders.coaching_reminders() == 0
    clock.set(MONDAY)
    assert reminders.coaching_reminders() == 1  # the trainer; Ana has no login


def test_a_trainer_who_turned_coaching_reminders_off_gets_none(clock, inbox, trainer, make_staff):
    mail_preferences.set_own(trainer, ["coaching_due", "calibration_invitation"])
    action(trainer, make_staff("Ana Lopez"), date(2026, 10, 30))
    assert reminders.coaching_reminders() == 0
    deliver()
    assert inbox.received == []


# --- calibration ------------------------------------------------------------------------


def test_raters_who_have_not_scored_are_reminded_once_a_day_before_the_deadline(
    clock, inbox, make_calibration, make_user
):
    raters = [make_user("supervisor", email=f"rater{n}@example.com") for n in range(2)]
    session = make_calibration(raters=raters)
    deliver()  # the invitations
    assert len(inbox.received) == 2
    calibration_answers.save_answers(
        calibration_access.load(session.id),
        raters[0],
        token="cal-rater0",
        interaction=audit_service.Interaction(
            channel="in_person", observed_at=app_clock.local_now() - timedelta(hours=1)
        ),
        entry=audit_service.Answers.clean(dict(GOOD_ANSWERS), {}),
        submit=True,
    )
    assert reminders.calibration_reminders() == 0  # three days left
    clock.advance(days=2, hours=6)  # 18 hours left
    assert reminders.calibration_reminders() == 1
    deliver()
    [reminder] = [r for r in inbox.received if r.subject.startswith("Reminder")]
    assert reminder.rcpt_tos == ["rater1@example.com"]
    assert f"{BASE_URL}/calibration/{session.id}" in reminder.text
    assert "your answers are not in yet" in reminder.text
    assert reminders.calibration_reminders() == 0, "once"
    clock.advance(days=1)  # past the deadline: in review, no reminder
    assert reminders.calibration_reminders() == 0


# --- the weekly digest ------------------------------------------------------------------


def test_the_weekly_digest_lists_overdue_coaching_flagged_raters_and_unobserved_staff(
    clock, inbox, trainer, make_user, make_staff, make_audit
):
    lenient = make_user("supervisor", email="lenny@example.com")
    lenient.name = "Lenny Lenient"
    strict = make_user("supervisor", email="stella@example.com")
    person = make_staff("Dee Observed")
    for _ in range(5):
        make_audit(staff=person, supervisor=lenient, answers=ALL_MET)
        make_audit(staff=person, supervisor=strict, answers=NOT_THANKED)
    make_staff("Nora Neverseen")
    action(trainer, person, date(2026, 10, 28))
    make_user("trainer", email="off@example.com")
    mail_preferences.set_own(make_user("trainer", email="nodigest@example.com"), ["coaching_due"])
    assert digest.weekly() == 2  # two trainers want it
    deliver()
    [received] = inbox.to("tess@example.com")
    assert received.subject == "Weekly digest for the week of 02 Nov 2026"
    assert inbox.to("nodigest@example.com") == []
    for part in (received.text, received.html):
        assert "Dee Observed: Counter basics, due 28 Oct (5 days overdue)" in part
        assert "Lenny Lenient on Counter basics: more lenient" in part
        assert "Nora Neverseen (Front desk): never observed" in part
        assert f"{BASE_URL}/coaching" in part and f"{BASE_URL}/insights" in part
    assert digest.weekly() == 0, "once a week"
    clock.advance(days=7)
    assert digest.weekly() == 2, "and again the next Monday"


def test_the_digest_waits_for_monday_morning_and_catches_up_later_in_the_week(
    clock, inbox, trainer
):
    clock.set(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))  # Monday, before the morning hour
    assert digest.weekly() == 0
    clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))  # Wednesday: Monday's never went out
    assert digest.weekly() == 1
    deliver()
    assert subjects(inbox, "tess@example.com") == ["Weekly digest for the week of 02 Nov 2026"]


def test_a_digest_section_with_nothing_says_so(clock, inbox, trainer):
    assert digest.weekly() == 1
    deliver()
    [received] = inbox.received
    assert "No coaching action is overdue." in received.text
    assert "No supervisor scores far from the others." in received.text
    assert "Every active staff member was observed in the last 30 days." in received.text


def test_the_digest_is_its_list_of_sections(clock, inbox, trainer, monkeypatch):
    """Another section is one function added to SECTIONS."""

    def plan_shortfalls(week):
        return digest.Section("Plan shortfalls", ["Front desk: 3 of 10 planned"], "", "/plans")

    monkeypatch.setattr(digest, "SECTIONS", [*digest.SECTIONS, plan_shortfalls])
    digest.weekly()
    deliver()
    [received] = inbox.received
    assert "PLAN SHORTFALLS" in received.text and "Front desk: 3 of 10 planned" in received.text
    assert f"{BASE_URL}/plans" in received.html


def test_the_digest_names_who_is_short_of_the_observation_plans(
    clock, inbox, trainer, make_staff, make_audit
):
    pia = make_staff("Pia Planned", team="Front desk")
    make_staff("Otto Ontrack", team="Front desk")
    plans.create(
        plans.PlanInput(
            team_id=pia.team_id, checklist_id="counter-basics", audits_per_period=2, period="week"
        ),
        by=trainer,
    )
    make_audit(staff=pia)  # 2 Nov, this week: one of two
    for _ in range(2):
        make_audit(staff=db.session.scalar(select(StaffMember).filter_by(name="Otto Ontrack")))
    assert digest.weekly() == 1
    deliver()
    [received] = inbox.received
    for part in (received.text, received.html):
        assert "Pia Planned: due, 1 of 2 Counter basics audits this week" in part
        assert "Otto Ontrack:" not in part  # two of two: on track
        assert f"{BASE_URL}/plans/compliance" in part
