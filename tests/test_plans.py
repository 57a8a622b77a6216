"""Observation plans: what counts in a week or month, due and overdue, per-person plans,
channels, sharing among supervisors, calibration audits, and deactivated people and plans."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from plans_support import make_plan, mark_as_calibration, utc

from auditapp.clock import ZONE_INFO
from auditapp.extensions import db
from auditapp.models import LogEntry
from auditapp.services import plans
from auditapp.services.plan_status import counted, standings


@pytest.fixture
def early(clock):
    """Plans and people set up on 1 Oct 2026, then "now" is Wednesday 4 Nov 2026 at noon
    (week 45 runs Monday 2 to Sunday 8 Nov)."""
    clock.set(utc(2026, 10, 1, 9, 0))
    yield clock
    clock.set(utc(2026, 11, 4, 12, 0))


def one(found, name=None):
    rows = [s for s in found if name is None or s.person.name == name]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    ("kind", "day", "first", "end"),
    [
        ("week", date(2026, 11, 4), date(2026, 11, 2), date(2026, 11, 9)),
        ("week", date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 9)),  # a Monday
        ("week", date(2026, 11, 8), date(2026, 11, 2), date(2026, 11, 9)),  # a Sunday
        ("week", date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 4)),  # across a year
        ("month", date(2026, 11, 30), date(2026, 11, 1), date(2026, 12, 1)),
        ("month", date(2026, 12, 31), date(2026, 12, 1), date(2027, 1, 1)),
        ("month", date(2028, 2, 10), date(2028, 2, 1), date(2028, 3, 1)),  # a leap year
    ],
)
def test_periods_are_iso_weeks_from_monday_and_calendar_months(kind, day, first, end):
    period = plans.period_of(kind, day)
    assert (period.first, period.end) == (first, end)
    assert period.previous().end == first


def test_a_week_counts_from_monday_midnight_and_overdue_means_last_week_ended_short(
    early, make_staff, make_audit, make_user
):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 2, "week")
    sam = make_user("supervisor")
    early.set(utc(2026, 11, 4, 12, 0))
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 1, 23, 59))  # Sunday
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 2, 0, 0))  # Monday

    s = one(standings())
    assert (s.required, s.done, s.shortfall) == (2, 1, 1)
    assert s.previous_shortfall == 1  # last week: the Sunday audit only
    assert s.status == "overdue"
    assert s.last_observed == datetime(2026, 11, 2, 0, 0)

    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 10, 26, 10, 0))  # Monday
    s = one(standings())
    assert (s.previous_shortfall, s.status) == (0, "due")  # last week was met

    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 8, 23, 0))
    assert one(standings()).status == "met"


def test_a_month_counts_its_first_to_its_last_day(early, make_staff, make_audit, make_user):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 1, "month")
    sam = make_user("supervisor")
    early.set(utc(2026, 11, 30, 12, 0))
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 10, 31, 23, 30))
    s = one(standings())
    assert (s.done, s.status) == (0, "due")  # October's audit met October, not November
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 12, 1, 0, 0))
    assert one(standings()).done == 0  # December's does not count either
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 30, 23, 59))
    assert one(standings()).status == "met"
    # On 1 December a new month starts, and November was met: due, not overdue.
    early.set(utc(2026, 12, 1, 12, 0))
    s = one(standings())
    assert (s.period.first, s.done, s.status) == (date(2026, 12, 1), 1, "met")


def test_the_week_turns_at_the_organisations_midnight_not_utcs(
    app, early, make_staff, make_audit, make_user, monkeypatch
):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 1, "week")
    # Sunday 8 Nov 10:00 as typed by the supervisor (wall time).
    make_audit(staff=ana, supervisor=make_user("supervisor"), observed_at=datetime(2026, 11, 8, 10))
    early.set(utc(2026, 11, 8, 12, 0))  # Sunday noon in UTC; Monday 01:00 in Auckland
    assert one(standings()).status == "met"  # UTC: still the week of the audit
    monkeypatch.setitem(app.config, ZONE_INFO, ZoneInfo("Pacific/Auckland"))
    s = one(standings())
    assert s.period.first == date(2026, 11, 9)  # Auckland is already in the next week
    assert (s.done, s.status) == (0, "due")
    monkeypatch.setitem(app.config, ZONE_INFO, ZoneInfo("America/Los_Angeles"))
    assert one(standings()).period.first == date(2026, 11, 2)  # Sunday 04:00 there


def test_deactivated_staff_and_ended_plans_count_nowhere(early, make_staff):
    ana = make_staff("Ana Lopez", "Front desk")
    ben = make_staff("Ben Carter", "Front desk")
    plan = make_plan(ana.team_id, 2, "week")
    early.set(utc(2026, 11, 4, 12, 0))
    assert {s.person.name for s in standings()} == {"Ana Lopez", "Ben Carter"}
    ben.active = False
    db.session.commit()
    assert [s.person.name for s in standings()] == ["Ana Lopez"]
    plans.deactivate(plan, by=None)
    assert standings() == []
    assert db.session.query(LogEntry).filter_by(action="plan_ended").count() == 1


def test_a_persons_own_plan_replaces_the_teams_for_that_checklist(early, make_staff):
    ana = make_staff("Ana Lopez", "Front desk")
    make_staff("Ben Carter", "Front desk")
    make_plan(ana.team_id, 3, "month")
    make_plan(ana.team_id, 1, "week", staff_member_id=ana.id)
    early.set(utc(2026, 11, 4, 12, 0))
    found = standings()
    assert (one(found, "Ana Lopez").required, one(found, "Ana Lopez").period.kind) == (1, "week")
    assert (one(found, "Ben Carter").required, one(found, "Ben Carter").period.kind) == (3, "month")
    # Only the weekly plans, as the compliance page for a week asks for them:
    assert [s.person.name for s in standings(kind="week")] == ["Ana Lopez"]
    assert [s.person.name for s in standings(kind="month", team_id=ana.team_id)] == ["Ben Carter"]


def test_a_plan_for_a_channel_counts_only_audits_on_that_channel(
    early, make_staff, make_audit, make_user
):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 2, "week", channel="phone")
    sam = make_user("supervisor")
    early.set(utc(2026, 11, 4, 12, 0))
    make_audit(staff=ana, supervisor=sam, channel="in_person", observed_at=datetime(2026, 11, 3))
    make_audit(staff=ana, supervisor=sam, channel="phone", observed_at=datetime(2026, 11, 3, 9))
    s = one(standings())
    assert (s.done, s.shortfall) == (1, 1)
    assert s.last_observed == datetime(2026, 11, 3, 9)  # the in-person audit is not "on it"


def test_calibration_audits_and_drafts_do_not_count(
    early, make_staff, make_audit, make_user, make_calibration
):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 2, "week")
    sam = make_user("supervisor")
    early.set(utc(2026, 11, 4, 12, 0))
    lead = make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 3))
    mark_as_calibration(lead, make_calibration())
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 3), submit=False)
    s = one(standings())
    assert (s.done, s.shortfall, s.last_observed) == (0, 2, None)


def test_shared_plans_need_a_second_supervisor(early, make_staff, make_audit, make_user):
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 2, "week", spread_supervisors=True)
    sam, priya = make_user("supervisor"), make_user("supervisor")
    early.set(utc(2026, 11, 4, 12, 0))
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 2, 9))
    s = one(standings())
    assert (s.counted, s.shortfall, s.needs_other_supervisor) == (1, 1, True)
    make_audit(staff=ana, supervisor=sam, observed_at=datetime(2026, 11, 3, 9))
    s = one(standings())
    assert (s.done, s.counted, s.shortfall, s.status) == (2, 1, 1, "overdue")  # none last week
    assert s.only_supervisor == sam.id and s.needs_other_supervisor
    make_audit(staff=ana, supervisor=priya, observed_at=datetime(2026, 11, 4, 9))
    s = one(standings())
    assert (s.done, s.counted, s.status, s.needs_other_supervisor) == (3, 2, "met", False)


@pytest.mark.parametrize(
    ("required", "done", "supervisors", "spread", "expected"),
    [
        (3, 5, 2, False, 3),  # never more than required
        (3, 2, 1, False, 2),
        (3, 3, 1, True, 2),  # all by one supervisor: one short
        (3, 2, 1, True, 2),  # still room before the cap
        (3, 3, 2, True, 3),
        (1, 1, 1, True, 1),  # one required: nobody to share it with
        (2, 0, 0, True, 0),
    ],
)
def test_what_counts_toward_a_plan(required, done, supervisors, spread, expected):
    assert counted(required, done, supervisors, spread) == expected


def test_a_new_plan_or_person_is_due_not_overdue_in_their_first_week(clock, make_staff, make_audit):
    clock.set(utc(2026, 11, 4, 12, 0))  # set up this week: last week is not held against them
    ana = make_staff("Ana Lopez", "Front desk")
    make_plan(ana.team_id, 2, "week")
    s = one(standings())
    assert (s.previous_shortfall, s.status) == (None, "due")
    clock.set(utc(2026, 11, 11, 12, 0))  # a week on: they were there for all of last week
    s = one(standings())
    assert (s.previous_shortfall, s.status) == (None, "due")
    clock.set(utc(2026, 11, 18, 12, 0))
    s = one(standings())
    assert (s.previous_shortfall, s.status) == (2, "overdue")
    # Looking back, the week before the plan was set up had no plan at all.
    assert standings(date(2026, 10, 28)) == []


def test_plans_refuse_values_they_cannot_hold(app, make_staff):
    ana = make_staff("Ana Lopez", "Front desk")
    other = make_staff("Olga Other", "Back office")
    team = ana.team_id
    cases = [
        (dict(audits_per_period=0), "audits_per_period"),
        (dict(audits_per_period=51), "audits_per_period"),
        (dict(period="fortnight"), "period"),
        (dict(checklist_id="no-such-checklist"), "checklist"),
        (dict(channel="email"), "channel"),  # counter-basics is in person and on the phone
        (dict(staff_member_id=other.id), "staff_member"),  # not in the team
        (dict(team_id=999999), "team"),
    ]
    for change, field in cases:
        values = {"team_id": team, "checklist_id": "counter-basics", "audits_per_period": 2}
        values.update(period="week")
        values.update(change)
        with pytest.raises(plans.PlanError) as refused:
            plans.create(plans.PlanInput(**values), by=None)
        assert refused.value.field == field, change
    make_plan(team, 2, "week")
    with pytest.raises(plans.PlanError, match="already a plan"):
        make_plan(team, 3, "month")
    make_plan(team, 1, "week", channel="phone")  # another channel is another plan
    assert db.session.query(LogEntry).filter_by(action="plan_created").count() == 2
