"""Email: each message as it was queued and what became of it (a transactional outbox), and
who wants which kind of message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.extensions import db

from ._time import utcnow
from .people import User


@dataclass(frozen=True)
class Kind:
    label: str  # what the preference checkbox says
    roles: tuple[str, ...]  # the roles that can receive it


# The closed list of what is sent, in the order the preference pages show it.
KINDS = {
    "audit_submitted": Kind("An audit of me was submitted", ("staff",)),
    "audit_amended": Kind("An audit of me was amended", ("staff",)),
    "dispute_opened": Kind("A staff member disputed my audit", ("supervisor",)),
    "dispute_resolved": Kind("My dispute was answered", ("staff",)),
    "coaching_due": Kind("A coaching action's follow-up is due", ("trainer", "staff")),
    "coaching_overdue": Kind("A coaching action is overdue", ("trainer", "staff")),
    "calibration_invitation": Kind(
        "I am invited to a calibration session", ("supervisor", "trainer")
    ),
    "calibration_reminder": Kind(
        "A calibration session I have not scored closes soon", ("supervisor", "trainer")
    ),
    "weekly_digest": Kind("The weekly digest for trainers (Monday morning)", ("trainer",)),
}
STATUSES = {"queued": "Waiting to be sent", "sent": "Sent", "failed": "Failed"}


class MailMessage(db.Model):
    """One email to one user, written in the transaction of the event that caused it, then
    delivered by a background task. Its text is stored as queued, so that what was sent is
    what the log shows even after the audit or session changed."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        Index("ix_mail_messages_status_id", "status", "id"),
        Index("ix_mail_messages_user_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(30))
    # Messages that go out once per thing and state (a coaching action overdue, a week's
    # digest) carry a key: a second reminder run, or a second worker, cannot add another.
    once_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    transport: Mapped[str | None] = mapped_column(String(10))  # "smtp" or "outbox"
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class MailPreference(db.Model):
    """A user's own choice for one kind; without one, the organisation's default holds."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool]


class MailDefault(db.Model):
    """The admin's default for one kind; without one, the kind is sent."""

    __tablename__ = "mail_defaults"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool]
