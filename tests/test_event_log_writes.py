"""The writes beyond audits are in the event log with who, when and what changed: teams,
staff members (one by one and by roster), coaching actions and their closing, logins,
checklist versions first stored, command-line changes, backups and restores."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from conftest import GOOD_ANSWERS, text_of
from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import CoachingAction, LogEntry, StaffMember, Team
from auditapp.services import coaching, event_log, event_log_words
from auditapp.services.checklists import available


def entries(action: str) -> list[LogEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(LogEntry).where(LogEntry.action == action).order_by(LogEntry.id))
    )


def log_table(client) -> str:
    html = client.get("/admin/log").get_data(as_text=True)
    body = re.search(r"<tbody>.*?</tbody>", html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_a_team_made_and_renamed_is_logged_with_the_old_and_new_name(client, login_as):
    admin = login_as("admin", email="ada@example.com")
    assert client.post("/teams", data={"name": "Counter"}).status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Counter"))
    response = client.post(f"/teams/{team.id}/edit", data={"name": "Front desk"})
    assert response.status_code == 302, text_of(response)
    [made], [renamed] = entries("team_created"), entries("team_renamed")
    assert (made.user_id, made.subject, made.details) == (
        admin.id,
        f"team {team.id}",
        {"name": "Counter"},
    )
    assert (renamed.actor, renamed.details) == (
        "ada@example.com",
        {"changes": {"name": ["Counter", "Front desk"]}},
    )
    table = log_table(client)
    assert "Team renamed" in table and "Team: Front desk" in table
    assert "name: Counter → Front desk" in table


def test_a_staff_member_added_and_changed_is_logged_with_old_and_new_values(
    client, login_as, make_staff
):
    login_as("admin")
    make_staff("Someone", team="Contact centre")  # the team to move to
    client.post("/teams", data={"name": "Front desk"})
    front = db.session.scalar(select(Team).where(Team.name == "Front desk"))
    response = client.post("/staff", data={"name": "Ana Lopez", "code": "", "team_id": front.id})
    assert response.status_code == 302, text_of(response)
    ana = db.session.scalar(select(StaffMember).where(StaffMember.name == "Ana Lopez"))
    contact = db.session.scalar(select(Team).where(Team.name == "Contact centre"))
    response = client.post(
        f"/staff/{ana.id}/edit",
        data={"name": "Ana López", "code": "E7", "team_id": contact.id},  # active unticked
    )
    assert response.status_code == 302, text_of(response)
    added = entries("staff_added")[-1]
    assert added.subject == f"staff member {ana.id}"
    assert added.details == {"name": "Ana Lopez", "team": "Front desk"}
    [changed] = entries("staff_changed")
    assert changed.details["changes"] == {
        "name": ["Ana Lopez", "Ana López"],
        "employee_code": [None, "E7"],
        "active": [True, False],
        "team": ["Front desk", "Contact centre"],
    }
    table = log_table(client)
    assert "Staff member: Ana López" in table and "team: Front desk → Contact centre" in table


def test_a_roster_import_logs_each_staff_member_and_a_new_team_once(client, login_as):
    admin = login_as("admin")
    roster = "name,team,code\nAna Lopez,Night,E1\nBen Carter,Night,E2\nCleo Diaz,,E3\n"
    assert client.post("/staff/import", data={"roster": roster}).status_code == 302
    added = entries("staff_added")
    assert [e.details["name"] for e in added] == ["Ana Lopez", "Ben Carter", "Cleo Diaz"]
    assert {e.user_id for e in added} == {admin.id}
    assert [e.details for e in entries("team_created")] == [{"name": "Night"}]


def test_a_refused_roster_logs_nothing(client, login_as):
    login_as("admin")
    before = event_log.count()
    response = client.post("/staff/import", data={"roster": "name,team\nAna,\n,Night\n"})
    assert response.status_code == 400
    assert event_log.count() == before


def test_command_line_changes_are_logged_as_the_command_line(cli, app, tmp_path):
    result = cli("staff", "add", "Ana Lopez", "--team", "Front desk")
    assert result.exit_code == 0, result.output
    [added] = entries("staff_added")
    assert added.user_id is None and added.actor.startswith("command line (")


def test_coaching_actions_recorded_and_closed_are_logged(app, make_user, make_staff, make_audit):
    trainer, supervisor = make_user("trainer"), make_user("supervisor")
    ana = make_staff("Ana Lopez")
    first = make_audit(staff=ana, supervisor=supervisor, answers={**GOOD_ANSWERS, "thanked": "no"})
    checklist = available()["counter-basics"]
    action = coaching.record(
        trainer=trainer,
        staff=ana,
        target=coaching.Target(checklist, ("thanked",)),
        note="Thank every customer",
        follow_up_on=date.today() + timedelta(days=7),
        audit=first,
    )
    closer = make_audit(
        staff=ana, supervisor=supervisor, observed_at=datetime.now() + timedelta(minutes=1)
    )
    [recorded], [closed] = entries("coaching_recorded"), entries("coaching_closed")
    assert (recorded.user_id, recorded.subject) == (trainer.id, f"coaching action {action.id}")
    assert recorded.details["items"] == ["thanked"]
    assert recorded.details["staff_member"] == ana.id
    assert (closed.user_id, closed.subject) == (supervisor.id, f"coaching action {action.id}")
    assert closed.details == {"audit": f"audit {closer.id}", "met": ["thanked"]}
    assert db.session.get(CoachingAction, action.id).closed_by_audit_id == closer.id
    # On the log page: the item's wording, not its id, on both entries.
    words = {e.entry.action: dict(e.details) for e in event_log_words.in_words([recorded, closed])}
    thanked = checklist.item("thanked").text
    assert words["coaching_recorded"]["Items"] == thanked
    assert "Section" not in words["coaching_recorded"]
    assert words["coaching_closed"]["Met"] == thanked


def test_logging_in_and_out_is_logged(client, make_user, login):
    user = make_user("supervisor")
    login(user)
    client.post("/logout")
    assert [e.user_id for e in entries("logged_in")][-1] == user.id
    [out] = entries("logged_out")
    assert (out.user_id, out.subject) == (user.id, f"user {user.id}")


def test_a_checklist_version_is_logged_when_first_stored_only(make_audit):
    make_audit()
    make_audit()
    [stored] = entries("checklist_version_stored")
    checklist = available()["counter-basics"]
    assert stored.details == {
        "checklist": "counter-basics",
        "version": checklist.version,
        "fingerprint": checklist.fingerprint,
    }


def test_kinds_of_jobs_and_emails_and_file_sizes_are_in_words(app):
    entries = [
        LogEntry(
            action="job_finished", subject="job 1", details={"kind": "audits_pdf", "size": 34981}
        ),
        LogEntry(action="mail_sent", subject="email 2", details={"kind": "weekly_digest"}),
    ]
    job, mail = (dict(e.details) for e in event_log_words.in_words(entries))
    assert job == {"Kind": "Audits as one PDF", "Size": "34 KB"}
    assert mail == {"Kind": "The weekly digest for trainers (Monday morning)"}
