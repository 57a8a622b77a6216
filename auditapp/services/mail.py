"""Sending email: the messages queued by services/notifications.py, delivered by a background
task through SMTP, or written to instance/outbox/ as .eml files when no SMTP server is set.

The messages are a transactional outbox: each row is written in the transaction of the event
that caused it, and `enqueue` hands its id to the workers only after that commit. `deliver`
sends a message that is still queued and records the outcome; a failed attempt is retried
(ATTEMPTS in all, RETRY_DELAY apart) and the last failure recorded with its reason. A lost
enqueue (a crash between the commit and the queue) is caught by `sweep`, which hands the
workers again every message left queued for SWEEP_AFTER. Sending twice is avoided by the
status check: a message already sent is never sent again.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Iterable
from datetime import UTC, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import inspect, or_, select

from auditapp import clock, queue
from auditapp.extensions import db
from auditapp.models import MailMessage

from . import event_log

ATTEMPTS = 5  # tries in all before a message is recorded as failed
RETRY_DELAY = 60  # seconds between tries
SWEEP_AFTER = timedelta(minutes=15)  # longer than all the tries of one enqueue take
SECURITIES = ("none", "starttls", "ssl")
# Header lines up to SMTP's limit: at 78, Python folds some subjects right after "Subject:",
# and mail programs then show them with a leading space.
POLICY = policy.default.clone(max_line_length=998)


class DeliveryError(RuntimeError):
    """An attempt failed and will be tried again (huey retries the task on it)."""


def check_settings(config: dict[str, Any]) -> None:
    """Refuse at start-up a setting that would make every message fail later."""
    if config["SMTP_SECURITY"] not in SECURITIES:
        raise ValueError(
            f"SMTP_SECURITY {config['SMTP_SECURITY']!r} is not one of {', '.join(SECURITIES)}"
        )


def outbox_dir() -> Path:
    """Where messages are written when no SMTP server is set."""
    configured = current_app.config["MAIL_OUTBOX_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def link(path: str) -> str:
    """An absolute link to a page of the app, from the BASE_URL setting (no request needed)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- handing messages to the workers --------------------------------------------------


def enqueue(messages: Iterable[MailMessage]) -> None:
    """Hand messages committed a moment ago to the workers."""
    for message in messages:
        # The id from the identity map: the commit expired the row, and reloading each
        # would cost a query apiece.
        queue.enqueue(deliver, inspect(message).identity[0])


@queue.periodic(minute="*/5")
def sweep() -> int:
    """Hand the workers again every message left queued (an enqueue lost to a crash, a
    worker killed while sending); how many."""
    stale = clock.utcnow() - SWEEP_AFTER
    ids = db.session.scalars(
        select(MailMessage.id).where(
            MailMessage.status == "queued",
            MailMessage.created_at < stale,
            or_(MailMessage.last_attempt_at.is_(None), MailMessage.last_attempt_at < stale),
        )
    ).all()
    for message_id in ids:
        queue.enqueue(deliver, message_id)
    return len(ids)


# --- delivering -------------------------------------------------------------------------


@queue.task(retries=ATTEMPTS - 1, retry_delay=RETRY_DELAY)
def deliver(message_id: int) -> str:
    """Send one queued message and record the outcome; its status afterwards."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.status != "queued":
        return message.status if message else "gone"  # sent already: never twice
    config = current_app.config
    message.attempts += 1
    message.last_attempt_at = clock.utcnow()
    try:
        email = compose(message)
        message.transport = write_to_outbox(message, email) if not config["SMTP_HOST"] else "smtp"
        if message.transport == "smtp":
            send_smtp(email)
    except (OSError, smtplib.SMTPException) as error:
        reason = _reason(error)
        message.last_error = reason
        if message.attempts < ATTEMPTS and not _permanent(error):
            event_log.record("mail_retry", None, message, attempt=message.attempts, error=reason)
            event_log.commit()
            raise DeliveryError(f"email {message_id}: {reason}") from None
        message.status = "failed"
        event_log.record("mail_failed", None, message, attempts=message.attempts, error=reason)
        event_log.commit()
        return "failed"
    message.status, message.sent_at, message.last_error = "sent", clock.utcnow(), None
    event_log.record("mail_sent", None, message, kind=message.kind, via=message.transport)
    event_log.commit()
    return "sent"


def compose(message: MailMessage) -> EmailMessage:
    """The message as email: a plain text part and an HTML part, from the organisation."""
    config = current_app.config
    email = EmailMessage(policy=POLICY)
    email["Subject"] = message.subject
    email["From"] = formataddr((config["ORGANISATION_NAME"], config["MAIL_FROM"]))
    email["To"] = formataddr((message.user.name, message.to_address))
    email["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    # The same id however often it is tried, so that a receiving server can tell a repeat.
    domain = config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<auditapp-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


def send_smtp(email: EmailMessage) -> None:
    """Send through the SMTP server of the settings."""
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    security = config["SMTP_SECURITY"]
    if security == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        server.send_message(email)


def write_to_outbox(message: MailMessage, email: EmailMessage) -> str:
    """Write the message to the outbox folder, whole or not at all: a reader never finds a
    half-written file. Trying again overwrites the same file."""
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}.eml"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(email.as_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return "outbox"


def _permanent(error: Exception) -> bool:
    """The server refused for good (5xx: no such mailbox, not allowed): trying again in a
    minute would be refused the same way."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _reason(error: Exception) -> str:
    """The failure in words for the admin, never with the SMTP password in it."""
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    password = current_app.config["SMTP_PASSWORD"]
    if password:
        reason = reason.replace(password, "********")
    return reason[:500]


# --- the admin's list -------------------------------------------------------------------


def messages_page(status: str | None, page: int, per_page: int):
    """One page of the messages, newest first, optionally of one status; 404 for a page
    number that does not exist."""
    query = select(MailMessage).order_by(MailMessage.id.desc())
    if status:
        query = query.where(MailMessage.status == status)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100)
