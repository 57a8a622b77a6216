"""One clock and one time-zone policy: recorded moments stored in UTC and shown in the
organisation's zone; typed wall times shown as typed; "today" is the organisation's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import GOOD_ANSWERS, PASSWORD, running_app, text_of

from auditapp import clock as app_clock
from auditapp import create_app
from auditapp.services import audits as audit_service
from auditapp.services import people, users
from auditapp.services.checklists import available


@pytest.fixture
def new_york(database_url, checklists_dir):
    with running_app(database_url, checklists_dir, TIME_ZONE="America/New_York") as app:
        yield app


def test_today_and_now_are_the_organisations(new_york, clock):
    clock.set(datetime(2026, 12, 5, 3, 30, tzinfo=UTC))  # still the 4th in New York
    assert app_clock.utcnow() == datetime(2026, 12, 5, 3, 30)
    assert app_clock.today() == date(2026, 12, 4)
    assert app_clock.local_now() == datetime(2026, 12, 4, 22, 30)
    assert app_clock.to_utc(datetime(2026, 7, 1, 9, 0)) == datetime(2026, 7, 1, 13, 0)  # EDT


def test_recorded_moments_show_in_the_zone_and_typed_times_as_typed(new_york, clock):
    clock.set(datetime(2026, 11, 2, 15, 5, tzinfo=UTC))  # 10:05 in New York (EST)
    supervisor = users.create_user("sam@example.com", "Sam", "supervisor", PASSWORD)
    audit, _ = audit_service.start(
        supervisor=supervisor,
        staff=people.add_staff("Ana Lopez", "Front desk", by=None),
        checklist=available()["counter-basics"],
        token="tz-1",
        interaction=audit_service.Interaction(
            channel="in_person", observed_at=datetime(2026, 11, 2, 9, 45)
        ),
        entry=audit_service.Answers.clean(GOOD_ANSWERS, {}),
        submit=True,
    )
    assert audit.submitted_at == datetime(2026, 11, 2, 15, 5)  # stored in UTC
    client = new_york.test_client()
    client.post("/login", data={"email": "sam@example.com", "password": PASSWORD})
    page = text_of(client.get(f"/audits/{audit.id}"))
    assert "Submitted by Sam, 02 Nov 2026 10:05" in page  # the history, in New York time
    assert "When 02 Nov 2026 09:45" in page  # when observed, as typed
    assert "UTC" not in page


def test_a_time_zone_that_does_not_exist_stops_the_app_at_start(database_url):
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a time zone name"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TIME_ZONE": "Mars/Olympus"})


def test_the_stopped_clock_is_what_the_app_reads(app, clock):
    clock.set(datetime(2030, 1, 1, 0, 0, tzinfo=UTC))
    assert app_clock.utcnow() == datetime(2030, 1, 1)
    clock.advance(hours=1)
    assert app_clock.utcnow() == datetime(2030, 1, 1, 1)


@pytest.mark.parametrize(
    ("typed", "future"), [("2026-12-04T22:35", False), ("2026-12-04T23:30", True)]
)
def test_in_the_future_means_after_now_in_the_organisations_zone(new_york, clock, typed, future):
    """03:30 UTC on the 5th is 22:30 on the 4th in New York: 23:30 there is still to come,
    though it is long past in UTC."""
    from conftest import form_data

    clock.set(datetime(2026, 12, 5, 3, 30, tzinfo=UTC))
    users.create_user("sam@example.com", "Sam", "supervisor", PASSWORD)
    staff = people.add_staff("Ana Lopez", "Front desk", by=None)
    client = new_york.test_client()
    client.post("/login", data={"email": "sam@example.com", "password": PASSWORD})
    url = f"/audits/new?staff={staff.id}&checklist=counter-basics"
    response = client.post(url, data=form_data(observed_at=typed))
    assert response.status_code == (400 if future else 302), text_of(response)
    assert ("This is in the future" in text_of(response)) is future
