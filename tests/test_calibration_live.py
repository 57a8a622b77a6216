"""Calibration answers never count: not toward a staff member's figures, the month totals,
coaching auto-close, the audit list or the exports. The one exception is a live double
observation, where the lead rater's submit is the staff member's real audit."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from calibration_support import SEVERE, audits_count, post_answers, stored_session
from conftest import GOOD_ANSWERS, text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit, CoachingAction, StaffItemMonthTotal
from auditapp.services import coaching
from auditapp.services.checklists import available

OTHERS_NOTE = "Only the second observer wrote this"
NOW = (datetime.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def live(make_user, make_staff, make_calibration):
    lead = make_user("supervisor", email="lead@example.com")
    other = make_user("supervisor", email="other@example.com")
    staff = make_staff("Liv Observed")
    session = make_calibration(
        raters=[lead, other],
        material_kind="live",
        material_text="",
        staff_member_id=staff.id,
        lead_rater_id=lead.id,
    )
    return lead, other, staff, session


def audit_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/audits/(\d+)"', html)}


def totals_rows(staff_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(StaffItemMonthTotal).filter_by(staff_member_id=staff_id)
    )


def test_only_the_lead_raters_answers_become_the_staff_members_audit(
    client, login, live, make_user
):
    lead, other, staff, session = live
    login(other)
    response = post_answers(
        client, session.id, SEVERE, token="other", notes=OTHERS_NOTE, observed_at=NOW
    )
    assert response.status_code == 302, text_of(response)
    assert audits_count() == 0 and totals_rows(staff.id) == 0
    login(lead)
    post_answers(client, session.id, submit=False, token="lead", observed_at=NOW)
    assert audits_count() == 0  # a draft is not an audit
    for _ in range(2):  # a double submit stores one audit
        response = post_answers(client, session.id, token="lead", observed_at=NOW)
        assert response.status_code == 302
    audit = db.session.scalars(select(Audit)).one()
    assert audit.supervisor_id == lead.id and audit.staff_member_id == staff.id
    assert audit.status == "submitted" and audit.answers == GOOD_ANSWERS
    assert totals_rows(staff.id) > 0  # counted in the staff member's figures
    assert stored_session().status == "review"

    login(make_user("trainer", email="t@example.com"))
    listing = client.get("/audits").get_data(as_text=True)
    assert audit_links(listing) == {audit.id}
    for url in ("/audits/export.csv", "/audits/answers.csv"):
        csv = client.get(url).get_data(as_text=True)
        assert OTHERS_NOTE not in csv, url
    exported = client.get("/audits/export.csv").get_data(as_text=True).strip().splitlines()
    assert len(exported) == 2  # the header and the lead's audit
    staff_page = text_of(client.get(f"/staff/{staff.id}"))
    assert "Liv Observed" in staff_page


def test_calibration_answers_of_a_written_account_count_nowhere(
    client, login, make_user, make_staff, make_calibration
):
    raters = [make_user("supervisor") for _ in range(2)]
    trainer = make_user("trainer")
    staff = make_staff("Wren Written")
    action = coaching.record(
        trainer=trainer,
        staff=staff,
        target=coaching.Target(available()["counter-basics"], ("thanked",)),
        note="Thank every customer",
        follow_up_on=date.today() + timedelta(days=14),
        audit=None,
    )
    session = make_calibration(raters=raters, staff_member_id=staff.id)
    for n, rater in enumerate(raters):
        login(rater)
        response = post_answers(client, session.id, GOOD_ANSWERS, token=f"w{n}", observed_at=NOW)
        assert response.status_code == 302
    assert audits_count() == 0
    assert totals_rows(staff.id) == 0
    db.session.expire_all()
    assert db.session.get(CoachingAction, action.id).closed_at is None  # met, yet still open
    login(trainer)
    assert audit_links(client.get("/audits").get_data(as_text=True)) == set()
    assert len(client.get("/audits/export.csv").get_data(as_text=True).strip().splitlines()) == 1


def test_a_live_session_needs_a_staff_member_and_a_supervisor_as_lead(
    app, make_user, make_calibration
):
    from auditapp.services.calibration_sessions import CalibrationError

    trainer = make_user("trainer")
    supervisor = make_user("supervisor")
    with pytest.raises(CalibrationError) as refused:
        make_calibration(
            raters=[trainer, supervisor],
            material_kind="live",
            lead_rater_id=trainer.id,
        )
    assert set(refused.value.problems) >= {"staff_member_id", "lead_rater_id"}


def test_the_leads_audit_stays_hidden_from_the_other_raters_until_they_submit(
    client, login, live, make_user
):
    lead, other, _, session = live
    login(lead)
    assert post_answers(client, session.id, token="lead", observed_at=NOW).status_code == 302
    audit = db.session.scalars(select(Audit)).one()
    outsider = make_user("supervisor", email="outsider@example.com")

    login(other)  # invited, not yet submitted: the lead's answers would unblind them
    assert audit.id not in audit_links(client.get("/audits").get_data(as_text=True))
    assert client.get(f"/audits/{audit.id}").status_code == 403
    assert client.get(f"/audits/{audit.id}.pdf").status_code == 403
    assert client.get(f"/audits/{audit.id}/history").status_code == 403

    login(outsider)  # not a rater of the session: an audit like any other
    assert client.get(f"/audits/{audit.id}").status_code == 200

    login(other)
    response = post_answers(client, session.id, SEVERE, token="other", observed_at=NOW)
    assert response.status_code == 302, text_of(response)
    assert audit.id in audit_links(client.get("/audits").get_data(as_text=True))
    assert client.get(f"/audits/{audit.id}").status_code == 200
