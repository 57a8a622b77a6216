"""Delivering email through a real SMTP server on the loopback (the outbox without one is
tests/test_mail_outbox.py): retries, the failure recorded when the server is down or refuses,
never twice, the sweeper that finds a lost enqueue, what each user chose to receive, and the
queue in Redis."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import REQUIRE_REDIS, running_app
from mail_support import BASE_URL, ORGANISATION, Inbox, SmtpServer, free_port, mail_config, messages
from mail_support import run_queue as deliver
from sqlalchemy import select

from auditapp import queue
from auditapp.extensions import db
from auditapp.models import LogEntry, User
from auditapp.services import mail, mail_preferences


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
def ana(make_staff, make_user):
    """A staff member with a login: each audit of her is one email to her."""
    member = make_staff("Ana Lopez")
    return make_user("staff", email="ana@example.com", staff=member)


def audit_of(make_audit, user):
    return make_audit(staff=user.staff_member)


def log_actions() -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action).where(LogEntry.action.like("mail_%")).order_by(LogEntry.id)
        )
    )


# --- SMTP -------------------------------------------------------------------------------


def test_a_message_has_a_text_and_an_html_part_and_the_headers_of_the_settings(
    inbox, ana, make_audit
):
    audit = audit_of(make_audit, ana)
    deliver()
    [received] = inbox.received
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "Staff <ana@example.com>"
    assert message["From"] == f"{ORGANISATION} <audits@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    [row] = messages()
    assert message["Message-ID"].startswith(f"<auditapp-{row.id}-")
    assert f"{BASE_URL}/audits/{audit.id}" in received.text
    assert f"{BASE_URL}/account#email" in received.html  # where to turn it off
    assert log_actions() == ["mail_sent"]


def test_nothing_is_sent_twice(inbox, ana, make_audit):
    audit_of(make_audit, ana)
    deliver()
    [row] = messages()
    queue.enqueue(mail.deliver, row.id)  # a sweep, or a second worker, hands it again
    deliver()
    assert mail.deliver(row.id) == "sent"
    assert len(inbox.received) == 1
    assert messages()[0].attempts == 1


def test_a_server_that_answers_try_later_is_tried_again(inbox, ana, make_audit):
    inbox.refuse = "451 4.3.0 Try again later"
    audit_of(make_audit, ana)
    assert deliver() == 1  # the first try: refused, a retry scheduled
    [row] = messages()
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451" in row.last_error
    inbox.refuse = None
    deliver(retries_too=True)
    [row] = messages()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(inbox.received) == 1
    assert log_actions() == ["mail_retry", "mail_sent"]


def test_a_server_that_refuses_for_good_fails_at_once(inbox, ana, make_audit):
    inbox.refuse = "550 5.1.1 No such mailbox"
    audit_of(make_audit, ana)
    deliver(retries_too=True)
    [row] = messages()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error and "No such mailbox" in row.last_error
    assert log_actions() == ["mail_failed"]


def test_a_server_that_is_down_is_tried_five_times_then_recorded_as_failed(
    app, ana, make_audit, caplog
):
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    audit_of(make_audit, ana)
    with caplog.at_level(logging.INFO):
        deliver(retries_too=True)
    [row] = messages()
    assert (row.status, row.attempts) == ("failed", mail.ATTEMPTS)
    assert row.sent_at is None and row.last_attempt_at is not None
    assert "Connection refused" in row.last_error or "ConnectionRefusedError" in row.last_error
    assert log_actions() == ["mail_retry"] * (mail.ATTEMPTS - 1) + ["mail_failed"]
    assert mail.deliver(row.id) == "failed"  # a failed message stays failed


class Refusing:
    """An SMTP authenticator that refuses everyone."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)


def test_the_smtp_password_is_never_logged_nor_stored(app, ana, make_audit, caplog):
    port = free_port()
    controller = Controller(
        Inbox(),
        hostname="127.0.0.1",
        port=port,
        authenticator=Refusing(),
        auth_require_tls=False,
    )
    controller.start()
    try:
        app.config.update(
            SMTP_PORT=port, SMTP_USERNAME="mailer", SMTP_PASSWORD="s3cret-Horse-battery"
        )
        audit_of(make_audit, ana)
        with caplog.at_level(logging.DEBUG):
            deliver(retries_too=True)
    finally:
        controller.stop()
    [row] = messages()
    assert row.status == "failed" and "535" in row.last_error  # authentication refused
    assert "s3cret-Horse-battery" not in caplog.text
    assert "s3cret-Horse-battery" not in row.last_error
    details = db.session.scalars(select(LogEntry.details)).all()
    assert "s3cret-Horse-battery" not in str(details)


def test_a_lost_enqueue_is_found_by_the_sweeper(inbox, ana, make_audit, clock):
    audit_of(make_audit, ana)
    queue.current().huey.flush()  # the worker's queue lost it (a crash after the commit)
    assert mail.sweep() == 0  # too new: its own task may still be on the way
    clock.advance(minutes=16)
    assert mail.sweep() == 1
    deliver()
    assert len(inbox.received) == 1
    clock.advance(minutes=16)
    assert mail.sweep() == 0  # sent: nothing left to find


def test_a_bad_smtp_security_setting_stops_start_up(database_url, checklists_dir):
    from auditapp import create_app

    with pytest.raises(ValueError, match="SMTP_SECURITY 'tls' is not one of none, starttls, ssl"):
        create_app({"DATABASE_URL": database_url, "SMTP_SECURITY": "tls"})


# --- preferences ------------------------------------------------------------------------


def test_a_user_who_turned_a_kind_off_gets_none_of_it(inbox, ana, make_audit):
    mail_preferences.set_own(ana, ["audit_amended", "dispute_resolved"])
    assert mail_preferences.choices_of(ana)["audit_submitted"] is False
    audit_of(make_audit, ana)
    deliver()
    assert inbox.received == [] and messages() == []
    assert "mail_preferences_changed" in log_actions()


def test_the_admins_default_holds_for_those_who_did_not_choose(
    inbox, make_user, make_staff, make_audit
):
    admin = make_user("admin")
    chose = make_user("staff", email="chose@example.com", staff=make_staff("Chose"))
    left = make_user("staff", email="left@example.com", staff=make_staff("Left"))
    mail_preferences.set_own(chose, ["audit_submitted"])
    everything_but = [k for k in mail_preferences.defaults() if k != "audit_submitted"]
    mail_preferences.set_defaults(admin, everything_but)
    audit_of(make_audit, chose)
    audit_of(make_audit, left)
    deliver()
    assert [r.rcpt_tos for r in inbox.received] == [["chose@example.com"]]
    assert mail_preferences.choices_of(left)["audit_submitted"] is False


def test_a_kind_a_role_cannot_receive_is_refused(ana):
    with pytest.raises(mail_preferences.PreferenceError, match="weekly_digest"):
        mail_preferences.set_own(ana, ["weekly_digest"])


def test_a_deactivated_user_gets_nothing(inbox, ana, make_audit):
    from auditapp.services import users

    users.set_user_active(ana, False)
    audit_of(make_audit, ana)
    deliver()
    assert inbox.received == []


# --- the queue in Redis -----------------------------------------------------------------

MAIL_REDIS_URL = os.environ.get("AUDITAPP_TEST_MAIL_REDIS_URL", "redis://127.0.0.1:6379/14")


def test_the_queue_in_redis_carries_the_message_to_the_server(
    database_url, checklists_dir, inbox, tmp_path, make_staff, make_user, make_audit
):
    import redis

    server = redis.Redis.from_url(MAIL_REDIS_URL)
    try:
        server.ping()
    except redis.RedisError as error:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis not reachable at {MAIL_REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {MAIL_REDIS_URL}: {error}")
    name = f"auditappmailtest{uuid.uuid4().hex}"  # huey keeps letters and digits of it
    config = {
        **mail_config(inbox.port, tmp_path / "outbox"),
        "REDIS_URL": MAIL_REDIS_URL,
        "QUEUE_NAME": name,
    }
    try:
        with running_app(database_url, checklists_dir, **config):
            member = make_staff("Ana Lopez")
            make_user("staff", email="ana@example.com", staff=member)
            make_audit(staff=member)
            assert queue.current().huey.pending_count() == 2  # the email and the report
            assert list(server.scan_iter(f"*{name}*")), "the task waits in Redis"
            assert deliver() == 1
            assert [r.rcpt_tos for r in inbox.received] == [["ana@example.com"]]
            assert messages()[0].status == "sent"
    finally:
        keys = list(server.scan_iter(f"*{name}*"))
        if keys:
            server.delete(*keys)
        server.close()


# --- the migration ----------------------------------------------------------------------


def test_the_migration_downgrades_and_upgrades_again(app, ana, make_audit):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    audit_of(make_audit, ana)
    mail_preferences.set_own(ana, ["audit_submitted"])
    ana_id = ana.id
    tables = {"mail_messages", "mail_preferences", "mail_defaults"}
    db.session.remove()
    downgrade(revision="0010")
    with db.engine.connect() as connection:
        assert not tables & set(inspect(connection).get_table_names())
    upgrade()
    with db.engine.connect() as connection:
        assert tables <= set(inspect(connection).get_table_names())
    assert messages() == []  # the messages went with the table
    audit_of(make_audit, db.session.get(User, ana_id))
    deliver()
    assert len(messages(status="sent")) == 1


def test_the_workers_run_the_sweeper_the_reminders_and_the_digest_on_their_own(app):
    schedules = {name: task.schedule for name, task in queue.TASKS.items() if task.schedule}
    assert schedules["services.mail.sweep"] == {"minute": "*/5"}
    assert schedules["services.reminders.coaching_reminders"] == {"minute": "15"}
    assert schedules["services.reminders.calibration_reminders"] == {"minute": "20"}
    assert schedules["services.digest.weekly"] == {"minute": "30"}
    delivery = queue.TASKS["services.mail.deliver"]
    assert (delivery.retries, delivery.retry_delay) == (mail.ATTEMPTS - 1, mail.RETRY_DELAY)
    huey = queue.current().huey

    def due_at(minute: int) -> set[str]:
        due = {t.name for t in huey.read_periodic(datetime(2026, 11, 2, 9, minute))}
        assert "services.job_tasks.look_after_jobs" in due  # every minute
        return due - {"services.job_tasks.look_after_jobs"}

    assert due_at(15) == {"services.mail.sweep", "services.reminders.coaching_reminders"}
    assert due_at(20) == {"services.mail.sweep", "services.reminders.calibration_reminders"}
    assert due_at(30) == {"services.mail.sweep", "services.digest.weekly"}
    assert due_at(7) == set()
