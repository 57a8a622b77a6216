"""Helpers shared by the email tests (tests/test_mail*.py, tests/test_notifications*.py): a
real SMTP server on the loopback (aiosmtpd), and running the queue as a worker would."""

from __future__ import annotations

import email
import re
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select

from auditapp import queue
from auditapp.extensions import db
from auditapp.models import MailMessage

BASE_URL = "https://audits.example.org"
ORGANISATION = "Northwind Service"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class Inbox:
    """What the SMTP server received; `refuse` makes it answer every message with that
    reply (e.g. "451 try later") instead."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: str | None = None
        self.port = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.inbox.port = self.port
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def mail_config(port: int | None, outbox) -> dict:
    """The app's settings for sending to the loopback server on `port` (None: no SMTP)."""
    return {
        "SMTP_HOST": "127.0.0.1" if port else None,
        "SMTP_PORT": port or 25,
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT_SECONDS": 5,
        "MAIL_FROM": "audits@example.org",
        "MAIL_OUTBOX_DIR": str(outbox),
        "BASE_URL": BASE_URL,
        "ORGANISATION_NAME": ORGANISATION,
    }


def run_queue(retries_too: bool = False) -> int:
    """Run the waiting tasks here; with `retries_too`, also the retries huey scheduled for
    later (as if their delay had passed), until none is left. How many email tasks ran (a
    submit also queues its report's rendering, which runs here too but is not counted)."""
    huey = queue.current().huey
    ran = 0
    while True:
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            ran += task.name.startswith(("services.mail", "services.digest", "services.reminders"))
        if not retries_too:
            return ran
        later = huey.read_schedule(datetime.now() + timedelta(days=1))
        if not later:
            return ran
        for task in later:
            task.eta = None  # due now: huey would otherwise hold it back until then
            huey.enqueue(task)


def messages(**filters) -> list[MailMessage]:
    db.session.expire_all()
    query = select(MailMessage).filter_by(**filters).order_by(MailMessage.id)
    return list(db.session.scalars(query))


def links_in(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<>]+", text))
