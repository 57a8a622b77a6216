"""Demo email: examples of every kind the demo's people would have received, delivered to the
outbox folder (never through SMTP: the demo's addresses are example.com), and one message the
mail server could not take, so that the admin's email page shows both outcomes."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from auditapp import queue
from auditapp.extensions import db
from auditapp.models import Audit, MailMessage, User

from . import digest, event_log, mail, notifications, reminders

UNREACHABLE = "smtp.invalid"  # a name that never resolves (RFC 2606)


def add(now: datetime) -> int:
    """Queue the examples and deliver every waiting message to the outbox; how many."""
    examples = _audit_messages()
    event_log.record("mail_queued", None, "demo example emails", messages=len(examples))
    event_log.commit()
    mail.enqueue(examples[1:])
    reminders.queue_once("coaching reminders", reminders.coaching_messages)
    monday = now.date() - timedelta(days=now.weekday())
    reminders.queue_once("weekly digest", lambda: digest.digests(monday, now.date()))
    if examples:
        _fail(examples[0].id)
    with _settings(SMTP_HOST=None):
        queue.run_pending()
    return db.session.scalar(select(func.count(MailMessage.id)))


def _audit_messages() -> list[MailMessage]:
    """An 'audit submitted' email to each staff login, of their latest audit."""
    messages = []
    for login in db.session.scalars(
        select(User).where(User.role == "staff", User.staff_member_id.is_not(None))
    ):
        latest = db.session.scalars(
            select(Audit)
            .where(Audit.staff_member_id == login.staff_member_id, Audit.status == "submitted")
            .order_by(Audit.observed_at.desc())
            .limit(1)
        ).first()
        if latest is not None:
            messages.extend(notifications.audit_submitted(latest))
    return messages


def _fail(message_id: int) -> None:
    """Try one message against a mail server that cannot be reached, as often as a worker
    would: it is recorded as failed, with the reason."""
    with _settings(SMTP_HOST=UNREACHABLE, SMTP_PORT=25, SMTP_SECURITY="none"):
        for _ in range(mail.ATTEMPTS):
            try:
                if mail.deliver(message_id) != "queued":
                    return
            except mail.DeliveryError:
                continue


@contextmanager
def _settings(**values):
    config = current_app.config
    before = {name: config[name] for name in values}
    config.update(values)
    try:
        yield
    finally:
        config.update(before)
