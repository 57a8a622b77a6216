"""The event log: each action through the real routes and commands writes one entry with the
right user, action and subject; the chain verifies; a changed or removed entry is named by
verify(), the admin page and `auditapp log verify`; concurrent writers keep one chain."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise

import pytest
from conftest import GOOD_ANSWERS, PASSWORD, form_data, in_threads, text_of
from flask_migrate import downgrade, upgrade
from jobs_support import request_job
from sqlalchemy import func, inspect, select, text

from auditapp import queue
from auditapp.extensions import db
from auditapp.models import Audit, LogEntry, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import event_log
from auditapp.services.checklists import available

# --- helpers -----------------------------------------------------------------------------


def entries(action: str | None = None) -> list[LogEntry]:
    """The log as the database holds it now, oldest first."""
    db.session.expire_all()
    query = select(LogEntry).order_by(LogEntry.id)
    if action:
        query = query.where(LogEntry.action == action)
    return list(db.session.scalars(query))


def newest() -> LogEntry:
    return entries()[-1]


def table_of(response) -> str:
    """The visible text of the log table alone (the filters name every action too)."""
    html = response.get_data(as_text=True)
    body = re.search(r"<tbody>.*?</tbody>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.group(0) if body else ""))


def new_url(staff_id: int) -> str:
    return f"/audits/new?staff={staff_id}&checklist=counter-basics"


def tamper(sql: str, **params) -> None:
    """Change the table behind the app's back, as someone with database access could."""
    db.session.execute(text(sql), params)
    db.session.commit()


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor", email="sam@example.com")


# The amendments below post the form again: its time is given, not "an hour ago" worked out at
# each post, so that a minute turning between the two posts is not taken for a change.
SUBMITTED = {"token": "tok-submitted", "observed_at": "2026-11-02T10:30"}


@pytest.fixture
def submitted(client, supervisor, make_staff):
    """An audit submitted through the web form by the logged-in supervisor."""
    staff = make_staff("Ana Lopez")
    response = client.post(new_url(staff.id), data=form_data(**SUBMITTED))
    assert response.status_code == 302, text_of(response)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


# --- 1. each action writes one entry ----------------------------------------------------


def test_submitting_through_the_form_logs_created_and_submitted(submitted, supervisor):
    created, done = entries()[-2:]
    assert (created.action, done.action) == ("created", "submitted")
    for entry in (created, done):
        assert entry.subject == f"audit {submitted}"
        assert entry.user_id == supervisor.id and entry.actor == "sam@example.com"
    assert done.details == {"passed": True}
    assert created.details["checklist"] == "counter-basics"


def test_a_draft_saved_then_submitted_logs_each_step(client, supervisor, make_staff):
    staff = make_staff("Ana Lopez")
    first = client.post(new_url(staff.id), data=form_data(submit=False, token="tok-d"))
    audit_id = int(re.search(r"/audits/(\d+)/edit", first.headers["Location"]).group(1))
    more = form_data(submit=False, token="tok-d")
    assert client.post(f"/audits/{audit_id}/edit", data=more).status_code == 302
    assert client.post(f"/audits/{audit_id}/edit", data=form_data(token="tok-d")).status_code == 302
    log = [(e.action, e.subject, e.user_id) for e in entries() if e.subject == f"audit {audit_id}"]
    assert log == [
        ("created", f"audit {audit_id}", supervisor.id),
        ("draft_saved", f"audit {audit_id}", supervisor.id),
        ("submitted", f"audit {audit_id}", supervisor.id),
    ]


def test_a_refused_submit_logs_nothing(client, supervisor, make_staff):
    staff = make_staff("Ana Lopez")
    before = len(entries())
    missing = {k: v for k, v in GOOD_ANSWERS.items() if k != "thanked"}
    response = client.post(new_url(staff.id), data=form_data(missing, token="tok-bad"))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Audit.id))) == 0
    assert len(entries()) == before


def test_a_double_post_of_one_form_logs_one_audit(client, supervisor, make_staff):
    staff = make_staff("Ana Lopez")
    for _ in range(2):
        client.post(new_url(staff.id), data=form_data(token="tok-twice"))
    assert [e.action for e in entries() if e.subject.startswith("audit ")] == [
        "created",
        "submitted",
    ]


def test_amending_logs_the_revision_and_the_fields_changed(client, submitted, supervisor):
    data = form_data(**SUBMITTED, item_thanked="no", reason="Seen on the recording.")
    assert client.post(f"/audits/{submitted}/amend", data=data).status_code == 302
    entry = newest()
    assert (entry.action, entry.subject, entry.user_id) == (
        "amended",
        f"audit {submitted}",
        supervisor.id,
    )
    assert entry.details == {"revision": 1, "changes": {"answer:thanked": ["yes", "no"]}}


def test_a_refused_amendment_logs_nothing(client, submitted):
    before = len(entries())
    data = form_data(**SUBMITTED, item_thanked="no", reason="  ")
    assert client.post(f"/audits/{submitted}/amend", data=data).status_code == 400
    assert len(entries()) == before


def test_a_staff_members_acknowledgement_and_dispute_are_logged(
    client, login, make_user, make_staff, make_audit
):
    ana = make_staff("Ana Lopez")
    sam = make_user("supervisor", email="sam@example.com")
    first, second = make_audit(staff=ana, supervisor=sam), make_audit(staff=ana, supervisor=sam)
    staff_login = login(make_user("staff", email="ana@example.com", staff=ana))
    assert client.post(f"/audits/{first.id}/acknowledge").status_code == 302
    ack = newest()
    assert (ack.action, ack.subject, ack.user_id, ack.actor) == (
        "acknowledged",
        f"audit {first.id}",
        staff_login.id,
        "ana@example.com",
    )
    response = client.post(f"/audits/{second.id}/dispute", data={"comment": "I did thank them."})
    assert response.status_code == 302
    assert (newest().action, newest().subject) == ("disputed", f"audit {second.id}")
    login(sam)
    response = client.post(f"/audits/{second.id}/dispute/reject", data={"reason": "Not heard."})
    assert response.status_code == 302
    rejected = newest()
    assert (rejected.action, rejected.subject, rejected.user_id) == (
        "dispute_rejected",
        f"audit {second.id}",
        sam.id,
    )


def test_a_refused_dispute_logs_nothing(client, login, make_user, make_staff, make_audit):
    ana = make_staff("Ana Lopez")
    audit = make_audit(staff=ana)
    login(make_user("staff", staff=ana))
    before = len(entries())
    assert client.post(f"/audits/{audit.id}/dispute", data={"comment": " "}).status_code == 400
    assert len(entries()) == before


@pytest.mark.parametrize(("url", "subject"), [("export.csv", "audits"), ("answers.csv", "answers")])
def test_a_csv_download_logs_who_and_the_filters(client, login_as, make_audit, url, subject):
    audit = make_audit()
    trainer = login_as("trainer", email="tia@example.com")
    query = f"?checklist=counter-basics&date_from=2026-11-01&staff={audit.staff_member_id}"
    response = client.get(f"/audits/{url}{query}")
    assert response.status_code == 200 and response.get_data(as_text=True).count("\n") > 1
    entry = newest()
    assert (entry.action, entry.subject, entry.user_id) == (
        "exported",
        f"{subject} CSV",
        trainer.id,
    )
    assert entry.details == {
        "filters": {
            "checklist_id": "counter-basics",
            "date_from": "2026-11-01",
            "staff_id": audit.staff_member_id,
        }
    }


def test_pdf_downloads_are_logged(client, login_as, make_audit):
    audit = make_audit()
    admin = login_as("admin", email="ada@example.com")
    assert client.get(f"/audits/{audit.id}.pdf").status_code == 200
    one = newest()
    assert (one.action, one.subject, one.user_id) == ("printed", f"audit {audit.id}", admin.id)
    job_id = request_job(client, result="passed")
    asked = newest()
    assert (asked.action, asked.subject, asked.user_id) == (
        "job_requested",
        f"job {job_id}",
        admin.id,
    )
    assert asked.details == {"audits": 1, "kind": "audits_pdf"}
    queue.run_pending()
    assert (newest().action, newest().user_id) == ("job_finished", None)
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    response.close()
    got = newest()
    assert (got.action, got.subject, got.user_id) == ("job_downloaded", f"job {job_id}", admin.id)
    staff_id = audit.staff_member_id
    assert client.get(f"/staff/{staff_id}/report.pdf?from=2026-10-01").status_code == 200
    report = newest()
    assert (report.action, report.subject) == ("printed", f"staff report {staff_id}")
    assert report.details == {"period": {"start": "2026-10-01"}}
    team_id = db.session.get(StaffMember, staff_id).team_id
    assert client.get(f"/teams/{team_id}/report.pdf").status_code == 200
    assert (newest().action, newest().subject) == ("printed", f"team report {team_id}")


def test_a_refused_download_logs_nothing(client, login, make_user, make_audit):
    audit = make_audit()
    login(make_user("staff"))  # not this audit's staff member
    before = len(entries())
    assert client.get(f"/audits/{audit.id}.pdf").status_code == 403
    assert client.get("/audits/export.csv?result=bad").status_code == 400
    assert len(entries()) == before


def test_creating_a_user_logs_the_admin_who_did_it(client, login_as):
    admin = login_as("admin", email="ada@example.com")
    form = {"name": "Tia", "email": "tia@example.com", "role": "trainer", "password": PASSWORD}
    assert client.post("/users", data=form).status_code == 302
    tia = db.session.scalar(select(User).where(User.email == "tia@example.com"))
    entry = newest()
    assert (entry.action, entry.subject, entry.user_id, entry.actor) == (
        "user_created",
        f"user {tia.id}",
        admin.id,
        "ada@example.com",
    )
    assert entry.details == {"email": "tia@example.com", "role": "trainer"}


def test_command_line_exports_and_prints_are_logged(cli, make_audit, tmp_path):
    make_audit()
    done = cli("export", "answers", "--checklist", "counter-basics", "-o", str(tmp_path / "a.csv"))
    assert done.exit_code == 0, done.output
    entry = newest()
    assert (entry.action, entry.subject, entry.user_id) == ("exported", "answers CSV", None)
    assert entry.actor.startswith("command line (")
    assert entry.details == {"filters": {"checklist_id": "counter-basics"}, "rows": 5}
    done = cli("report", "audits", "--jobs", "1", "-o", str(tmp_path / "a.pdf"))
    assert done.exit_code == 0, done.output
    entry = newest()
    assert (entry.action, entry.subject, entry.details) == (
        "printed",
        "audits PDF",
        {"audits": 1, "filters": {}},
    )


# --- 2. the chain ------------------------------------------------------------------------


def test_each_entry_links_to_the_one_before(submitted):
    log = entries()
    assert len(log) >= 3  # the supervisor's login was created, then the audit
    assert log[0].prev_hash == event_log.GENESIS
    for before, entry in pairwise(log):
        assert entry.prev_hash == before.hash
        assert re.fullmatch(r"[0-9a-f]{64}", entry.hash)
    assert event_log.verify() is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", "'{\"passed\": false}'"),
        ("user_id", "999"),
        ("actor", "'someone.else@example.com'"),
        ("action", "'draft_saved'"),
        ("subject", "'audit 999'"),
        ("at", "'2020-01-01 00:00:00'"),
        ("hash", "'" + "a" * 64 + "'"),
    ],
)
def test_a_changed_entry_is_named_by_verify_and_the_command(cli, submitted, column, value):
    target = entries("submitted")[0]
    target_id = target.id
    tamper(f"UPDATE event_log SET {column} = {value} WHERE id = :id", id=target_id)
    broken = event_log.verify()
    assert broken is not None and broken.id == target_id
    assert "changed after it was written" in broken.problem
    done = cli("log", "verify")
    assert done.exit_code == 1
    assert f"Event log altered at entry #{target_id} (" in done.output
    assert "Traceback" not in done.output


def test_an_intact_log_passes_the_command(cli, submitted):
    done = cli("log", "verify")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"Event log intact: {len(entries())} entries."


def test_a_removed_entry_is_found_at_the_next_one(cli, submitted, make_audit):
    make_audit()  # more entries after the audit's
    log = entries()
    gone, after = log[2], log[3]
    tamper("DELETE FROM event_log WHERE id = :id", id=gone.id)
    broken = event_log.verify()
    assert broken is not None and broken.id == after.id
    assert f"link to entry #{log[1].id} does not match" in broken.problem
    done = cli("log", "verify")
    assert done.exit_code == 1 and f"entry #{after.id}" in done.output


def test_removing_the_first_entries_is_found(submitted):
    log = entries()
    tamper("DELETE FROM event_log WHERE id = :id", id=log[0].id)
    broken = event_log.verify()
    assert broken is not None and broken.id == log[1].id
    assert "entries before it were removed" in broken.problem


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(submitted):
    """Someone who recomputes the changed entry's own hash is caught by the next entry."""
    log = entries()
    target, after = log[-2], log[-1]
    forged = event_log.entry_hash(
        target.id,
        target.at,
        target.user_id,
        target.actor,
        "draft_saved",
        target.subject,
        target.details,
        target.prev_hash,
    )
    tamper(
        "UPDATE event_log SET action = 'draft_saved', hash = :h WHERE id = :id",
        h=forged,
        id=target.id,
    )
    broken = event_log.verify()
    assert broken is not None and broken.id == after.id
    assert f"#{target.id} was changed" in broken.problem


def test_an_empty_log_is_intact(cli, app):
    assert event_log.verify() is None
    done = cli("log", "verify")
    assert done.exit_code == 0 and "Event log intact: 0 entries." in done.output


def test_verify_reads_past_one_batch(submitted, monkeypatch):
    monkeypatch.setattr(event_log, "BATCH", 2)
    for n in range(5):
        event_log.record_now("exported", None, f"audits CSV {n}")
    assert event_log.verify() is None
    last = newest().id
    tamper("UPDATE event_log SET subject = 'x' WHERE id = :id", id=last)
    assert event_log.verify().id == last


def test_log_show_prints_the_newest_entries(cli, submitted):
    done = cli("log", "show", "--last", "2")
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 2
    assert "sam@example.com  created  audit" in lines[0]
    assert "sam@example.com  submitted  audit" in lines[1]


def test_an_unknown_action_is_refused(app):
    with pytest.raises(ValueError, match="unknown event log action"):
        event_log.record("deleted", None, "audit 1")


# --- 3. concurrent writers ---------------------------------------------------------------


def test_concurrent_writers_keep_one_chain(database_url, checklists_dir, make_user, make_staff):
    """Threads with apps of their own (as server processes would have) submit audits and
    download at the same moment: every entry lands, each linked to the one before."""
    supervisor_id = make_user("supervisor").id
    staff_ids = [make_staff(f"Person {n}").id for n in range(4)]
    before = len(entries())
    rounds = 8

    def work(n: int) -> None:
        for r in range(rounds):
            user = db.session.get(User, supervisor_id)
            if (n + r) % 2:
                event_log.record_now("exported", user, f"audits CSV {n}-{r}")
                continue
            audit_service.start(
                supervisor=user,
                staff=db.session.get(StaffMember, staff_ids[n]),
                checklist=available()["counter-basics"],
                token=f"concurrent-{n}-{r}",
                interaction=audit_service.Interaction(
                    channel="in_person", observed_at=datetime(2026, 11, 2, 10, r)
                ),
                entry=audit_service.Answers.clean(dict(GOOD_ANSWERS), {}),
                submit=True,
            )

    errors = in_threads(database_url, checklists_dir, work, 4)
    assert not errors, errors
    log = entries()
    # Each audit is two entries (created, submitted), each download one, and the first
    # audit of the checklist version stored it once.
    added = [e.action for e in log[before:]]
    assert added.count("checklist_version_stored") == 1
    assert len(added) - 1 == 4 * (rounds // 2) * 2 + 4 * (rounds // 2)
    assert len({e.prev_hash for e in log}) == len(log)  # nobody shares a predecessor
    assert event_log.verify() is None


# --- 4. the admin page -------------------------------------------------------------------


def test_the_admin_page_lists_entries_newest_first(client, submitted, login_as):
    login_as("admin", email="ada@example.com")
    page = table_of(client.get("/admin/log"))
    assert page.index("User created") < page.index("Audit submitted")
    assert page.index("Audit submitted") < page.index("Audit created")
    assert f"Audit #{submitted}" in page and "sam@example.com" in page


def test_the_admin_page_filters_by_action_and_user(client, submitted, supervisor, login_as):
    login_as("admin", email="ada@example.com")
    page = table_of(client.get("/admin/log?action=submitted"))
    assert "Audit submitted" in page and "Audit created" not in page
    page = table_of(client.get(f"/admin/log?user={supervisor.id}"))
    assert "Audit created" in page and "User created" not in page
    page = table_of(client.get("/admin/log?user=cli"))
    assert "User created" in page and "Audit created" not in page
    response = client.get("/admin/log?action=deleted")
    assert response.status_code == 400
    assert "Not a valid choice" in text_of(response)


def test_the_admin_page_verifies_on_demand(client, submitted, login_as):
    login_as("admin")
    response = client.get("/admin/log?verify=1")
    assert "Chain intact" in text_of(response)
    target = entries("created")[0].id
    tamper("UPDATE event_log SET actor = 'nobody' WHERE id = :id", id=target)
    page = text_of(client.get("/admin/log?verify=1"))
    assert f"first altered entry #{target}" in page
    assert "changed after it was written" in page


@pytest.mark.parametrize("role", ["supervisor", "trainer", "staff"])
def test_only_admins_open_the_log(client, login_as, role):
    login_as(role)
    assert client.get("/admin/log").status_code == 403
    assert "/admin/log" not in client.get("/audits").get_data(as_text=True)


def test_admins_have_a_link_to_the_log(client, login_as):
    login_as("admin")
    assert 'href="/admin/log"' in client.get("/audits").get_data(as_text=True)


# --- 5. the migration --------------------------------------------------------------------


def test_the_migration_adds_and_removes_the_table(app):
    db.session.remove()
    downgrade(revision="0004")
    assert "event_log" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "event_log" in inspect(db.engine).get_table_names()
    event_log.record_now("exported", None, "audits CSV")
    assert event_log.verify() is None
