"""Who is told what by email, received by a real SMTP server on the loopback: each trigger
(an audit submitted or amended, a dispute opened and answered, a calibration invitation),
the recipients, subjects and links, and that nobody receives what they may not see."""

from __future__ import annotations

import pytest
from conftest import form_data, running_app
from mail_support import BASE_URL, ORGANISATION, SmtpServer, links_in, mail_config, messages
from mail_support import run_queue as deliver

from auditapp.services import audit_queries, notifications, responses
from auditapp.services import audits as audit_service

COMMENT = "I did thank the customer, at the door as they left."
REASON = "The recording shows no thanks at the door."


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
def people(make_staff, make_user):
    """Ana (a staff member with a login), Ben (another, with a login), a supervisor."""
    ana, ben = make_staff("Ana Lopez"), make_staff("Ben Carter")
    return {
        "ana": ana,
        "ana_login": make_user("staff", email="ana@example.com", staff=ana),
        "ben_login": make_user("staff", email="ben@example.com", staff=ben),
        "supervisor": make_user("supervisor", email="sam@example.com"),
    }


def test_a_submitted_audit_is_mailed_to_its_staff_member_alone(inbox, people, make_audit):
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    assert inbox.received == [], "nothing is sent inside the request"
    assert deliver() == 1
    [received] = inbox.received
    assert received.rcpt_tos == ["ana@example.com"]
    assert received.subject == "Your audit on Counter basics was submitted"
    assert received.message["From"] == f"{ORGANISATION} <audits@example.org>"
    link = f"{BASE_URL}/audits/{audit.id}"
    for part in (received.text, received.html):
        assert link in links_in(part)
        assert ORGANISATION in part
        assert f"{audit.overall:.1f}%" in part  # she may open the audit: its result is there
    assert f'href="{link}"' in received.html
    assert inbox.to("ben@example.com") == [] and inbox.to("sam@example.com") == []
    [row] = messages()
    assert (row.status, row.transport, row.attempts, row.to_address) == (
        "sent",
        "smtp",
        1,
        "ana@example.com",
    )


def test_a_draft_sends_nothing_and_its_submit_sends_once(inbox, people, make_audit):
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"], submit=False)
    deliver()
    assert inbox.received == []
    values = {"channel": "in_person", "observed_at": audit.observed_at}
    audit_service.update_draft(
        audit,
        user=people["supervisor"],
        interaction=audit_service.Interaction(**values),
        entry=audit_service.Answers.clean(dict(audit.answers) or form_answers(), {}),
        submit=True,
    )
    deliver()
    assert [r.subject for r in inbox.to("ana@example.com")] == [
        "Your audit on Counter basics was submitted"
    ]


def form_answers():
    from conftest import GOOD_ANSWERS

    return dict(GOOD_ANSWERS)


def test_a_staff_member_who_may_not_see_the_audit_gets_the_link_alone(
    inbox, people, make_audit, monkeypatch
):
    """Should the access rule ever hide an audit from its own staff member, the email says
    nothing of it but where it is."""
    monkeypatch.setattr(notifications, "can_view", lambda user, audit: False)
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    deliver()
    [received] = inbox.to("ana@example.com")
    for part in (received.text, received.html):
        assert f"{BASE_URL}/audits/{audit.id}" in part
        assert "Counter basics" in part
        assert f"{audit.overall:.1f}" not in part and "Result" not in part
        assert "Open the audit's page to read it." in part


def test_the_access_rule_the_emails_ask_is_the_pages_rule(people, make_audit):
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    assert audit_queries.can_view(people["ana_login"], audit)
    assert not audit_queries.can_view(people["ben_login"], audit)


def test_a_staff_member_without_a_login_gets_nothing(inbox, make_audit, make_staff):
    make_audit(staff=make_staff("No Login"))
    assert deliver() == 0
    assert inbox.received == [] and messages() == []


def test_an_amendment_is_mailed_and_a_dispute_it_answers_says_so(
    client, login, inbox, people, make_audit
):
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    amend(client, login, people["supervisor"], audit.id, duration_minutes="9")
    deliver()
    assert [r.subject for r in inbox.to("ana@example.com")] == [
        "Your audit on Counter basics was submitted",
        "Your audit on Counter basics was amended",
    ]
    responses.dispute(audit, people["ana_login"], COMMENT)
    amend(client, login, people["supervisor"], audit.id, duration_minutes="11")
    deliver()
    last = inbox.to("ana@example.com")[-1]
    assert last.subject == "Your dispute was answered: the audit on Counter basics was amended"
    assert "answered your dispute" in last.text


def amend(client, login, supervisor, audit_id, **changes):
    login(supervisor)
    data = form_data(token=f"amend-{audit_id}", reason="Timing corrected", **changes)
    data.pop("submit", None)
    response = client.post(f"/audits/{audit_id}/amend", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_a_dispute_is_mailed_to_the_supervisor_and_its_answer_to_the_staff_member(
    inbox, people, make_audit, make_user
):
    other_supervisor = make_user("supervisor", email="priya@example.com")
    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    deliver()
    responses.dispute(audit, people["ana_login"], COMMENT)
    deliver()
    [opened] = inbox.to("sam@example.com")
    assert opened.subject == "Ana Lopez disputed an audit on Counter basics"
    assert COMMENT in opened.text and f"{BASE_URL}/audits/{audit.id}" in opened.text
    assert inbox.to(other_supervisor.email) == []
    responses.reject_dispute(audit, other_supervisor, REASON)
    deliver()
    answered = inbox.to("ana@example.com")[-1]
    assert answered.subject == (
        "Your dispute was answered: the audit on Counter basics stays as it was"
    )
    assert REASON in answered.text and REASON in answered.html
    assert inbox.to("ben@example.com") == []


def test_a_dispute_of_a_departed_supervisors_audit_goes_to_every_supervisor(
    inbox, people, make_audit, make_user
):
    from auditapp.services import users

    audit = make_audit(staff=people["ana"], supervisor=people["supervisor"])
    priya = make_user("supervisor", email="priya@example.com")
    users.set_user_active(people["supervisor"], False)
    deliver()
    responses.dispute(audit, people["ana_login"], COMMENT)
    deliver()
    assert len(inbox.to(priya.email)) == 1 and inbox.to("sam@example.com") == []


def test_a_calibration_invitation_goes_to_each_rater_but_its_maker(
    inbox, make_calibration, make_user
):
    trainer = make_user("trainer", email="tess@example.com")
    raters = [make_user("supervisor", email=f"rater{n}@example.com") for n in range(2)]
    session = make_calibration(raters=[*raters, trainer], by=trainer)
    deliver()
    assert sorted(a for r in inbox.received for a in r.rcpt_tos) == [
        "rater0@example.com",
        "rater1@example.com",
    ]
    received = inbox.received[0]
    assert received.subject.startswith(f"Calibration session: {session.title} (score it by ")
    assert f"{BASE_URL}/calibration/{session.id}" in received.text
    assert "Tess" in received.text or trainer.name in received.text
