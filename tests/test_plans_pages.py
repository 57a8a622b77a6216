"""The plan pages: the supervisor's queue and its order, saving a plan, compliance figures
worked by hand, the CSV and the team PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from conftest import text_of
from plans_support import make_plan, utc

from auditapp.extensions import db
from auditapp.models import CalibrationSession, LogEntry, ObservationPlan


def _week(clock, make_staff, make_audit, make_user):
    """Team "Front desk", 2 audits a week; now Wednesday 4 Nov 2026 (week 2-8 Nov).
    Ana: 1 last week, 1 this week by Sam (overdue, 1 to go). Ben: 2 last week, none this
    week (due, 2 to go, last seen 27 Oct). Cleo: added this week, never observed (due, 2 to
    go). Dev: 2 last week, 1 this week by Sam (due, 1 to go). Eve: 2 and 2 by Priya (met)."""
    clock.set(utc(2026, 10, 1, 9))
    names = ("Ana Lopez", "Ben Carter", "Dev Patel", "Eve Ade")
    ana, ben, dev, eve = (make_staff(n, "Front desk") for n in names)
    sam, priya = make_user("supervisor"), make_user("supervisor")
    make_plan(ana.team_id, 2, "week")
    clock.set(utc(2026, 11, 3, 9))
    make_staff("Cleo Nguyen", "Front desk")
    clock.set(utc(2026, 11, 4, 12))
    for staff, by, days in [
        (ana, sam, (27, 33)),  # 27 Oct; "33" is 2 Nov
        (ben, sam, (26, 27)),
        (dev, sam, (28, 29, 34)),  # 3 Nov
        (eve, priya, (26, 27, 33, 34)),
    ]:
        for day in days:
            month, day = (10, day) if day <= 31 else (11, day - 31)
            make_audit(staff=staff, supervisor=by, observed_at=datetime(2026, month, day, 10))
    return sam, priya


def test_the_queue_puts_overdue_first_then_shortfall_then_longest_unseen(
    client, login, clock, make_staff, make_audit, make_user
):
    sam, _ = _week(clock, make_staff, make_audit, make_user)
    login(sam)
    page = client.get("/")
    html = page.get_data(as_text=True)
    queue = html.split('id="queue-title"')[1].split('id="drafts-title"')[0]
    names = re.findall(r'<div class="fw-semibold">([^<]+?) <span', queue)
    assert names == ["Ana Lopez", "Cleo Nguyen", "Ben Carter", "Dev Patel"]
    assert "Overdue" in text_of(page) and "never observed on it" in text_of(page)
    start = re.findall(r'href="(/audits/new\?[^"]+)"', queue)[0].replace("&amp;", "&")
    assert "checklist=counter-basics" in start and "staff=" in start
    assert client.get(start).status_code == 200
    assert client.get(start + "&channel=email").status_code == 400  # not a channel of it


def test_compliance_figures_worked_by_hand_on_the_page_and_in_the_csv(
    client, login_as, clock, make_staff, make_audit, make_user
):
    _week(clock, make_staff, make_audit, make_user)
    login_as("trainer")
    # This week: required 5 x 2 = 10; counted Ana 1, Ben 0, Cleo 0, Dev 1, Eve 2 = 4: 40%.
    page = text_of(client.get("/plans/compliance?period=this_week"))
    assert "4 of 10 required audits done (40.0%); 1 of 5 plans met" in page
    # Last week Cleo was not there: required 4 x 2 = 8; counted 1 + 2 + 2 + 2 = 7: 87.5%.
    page = text_of(client.get("/plans/compliance?period=last_week"))
    assert "7 of 8 required audits done (87.5%); 3 of 4 plans met" in page
    response = client.get("/plans/compliance.csv?period=this_week")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_name = {r["staff_member"]: r for r in rows}
    assert set(by_name) == {"Ana Lopez", "Ben Carter", "Cleo Nguyen", "Dev Patel", "Eve Ade"}
    assert (by_name["Ana Lopez"]["counted"], by_name["Ana Lopez"]["status"]) == ("1", "Overdue")
    assert (by_name["Eve Ade"]["percent"], by_name["Eve Ade"]["status"]) == ("100.0", "Met")
    assert db.session.query(LogEntry).filter_by(action="exported").count() == 1
    assert client.get("/plans/compliance?period=week_of").status_code == 400  # no date


def test_the_team_pdf_has_the_plan_compliance_section(
    client, login_as, clock, make_staff, make_audit, make_user
):
    from pypdf import PdfReader

    _week(clock, make_staff, make_audit, make_user)
    login_as("trainer")
    team_id = db.session.query(ObservationPlan).one().team_id
    response = client.get(f"/teams/{team_id}/report.pdf")
    assert response.status_code == 200
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    pdf = re.sub(r"\s+", " ", pdf)
    assert "Plan compliance" in pdf and "4 of 10 required audits done (40.0%)" in pdf


def test_saving_a_plan_says_what_was_saved_and_bad_input_is_shown_by_the_field(
    client, login_as, make_staff
):
    ana = make_staff("Ana Lopez", "Front desk")
    login_as("trainer")
    data = {"team": ana.team_id, "staff_member": "", "checklist": "counter-basics"}
    data.update(audits_per_period="0", period="week", channel="")
    response = client.post("/plans/new", data=data)
    assert response.status_code == 400
    assert "Enter a number from 1 to 50." in text_of(response)
    response = client.post("/plans/new", data={**data, "audits_per_period": "3"})
    assert response.status_code == 302
    assert "Plan saved: 3 a week for everyone in Front desk" in text_of(client.get("/plans"))
    plan = db.session.query(ObservationPlan).one()
    response = client.post(f"/plans/{plan.id}/edit", data={**data, "audits_per_period": "4"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ObservationPlan, plan.id).audits_per_period == 4
    assert client.post(f"/plans/{plan.id}/end").status_code == 302
    db.session.expire_all()
    assert db.session.get(ObservationPlan, plan.id).active is False


def test_supervisors_and_staff_cannot_open_the_plan_pages(client, login_as):
    for role in ("supervisor", "staff"):
        login_as(role)
        assert client.get("/plans").status_code == 403
        assert client.post("/plans/new", data={}).status_code == 403


def test_the_queue_lists_calibration_sessions_waiting_for_this_supervisors_scores(
    client, login, make_user
):
    from calibration_support import post_answers
    from test_calibration_workflow import new_form

    trainer, sam, priya = make_user("trainer"), make_user("supervisor"), make_user("supervisor")
    login(trainer)
    # A session needs two raters: the second is Priya's and the trainer's, not Sam's.
    for title, raters in [("Both of them", [sam, priya]), ("Priya and Tess", [priya, trainer])]:
        response = client.post("/calibration/new", data=new_form(raters, title=title))
        assert response.status_code == 302
    both = db.session.query(CalibrationSession).filter_by(title="Both of them").one()
    login(sam)

    def waiting() -> str:
        html = client.get("/").get_data(as_text=True).split('id="calibration-title"')[1]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert "Both of them" in waiting() and "Priya and Tess" not in waiting()
    post_answers(client, both.id, submit=False)
    assert "draft saved" in waiting()
    post_answers(client, both.id)
    assert "Both of them" not in waiting()
    assert "No calibration sessions wait for you" in waiting()
