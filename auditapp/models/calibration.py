"""Calibration sessions: several raters score the same interaction on their own, then compare.

Their answers are stored here, apart from audits, so that they can never count toward a
staff member's figures, the month totals, coaching or exports. The one exception, the lead
rater's answers in a live double observation, is also stored as a real audit by the audit
service; the two rows share the form token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.extensions import db

from ._time import utcnow
from .audits import ChecklistVersion
from .people import StaffMember, User

MATERIAL_KINDS = {
    "text": "A written account or transcript",
    "upload": "An uploaded recording or document",
    "live": "A live double observation",
}
REFERENCE_MODES = {
    "expert": "Expert: one named rater's answers are the benchmark",
    "consensus": "Consensus: the agreed answers are recorded in review",
    "none": "None: agreement statistics only",
}
STATUSES = ("open", "review", "closed")


class CalibrationSession(db.Model):
    __tablename__ = "calibration_sessions"
    __table_args__ = (Index("ix_calibration_sessions_checklist", "checklist_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    material_kind: Mapped[str] = mapped_column(String(10))
    material_text: Mapped[str] = mapped_column(Text, default="")
    # An upload: the name it was sent with (cleaned, for people to read), the random name
    # it is stored under in instance/calibration/, its type and size.
    upload_name: Mapped[str | None] = mapped_column(String(200))
    upload_file: Mapped[str | None] = mapped_column(String(64))
    upload_type: Mapped[str | None] = mapped_column(String(100))
    upload_size: Mapped[int | None]
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    hide_staff_name: Mapped[bool] = mapped_column(default=False)
    lead_rater_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reference_mode: Mapped[str] = mapped_column(String(10))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deadline: Mapped[datetime]  # UTC
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    checklist_version: Mapped[ChecklistVersion] = relationship()
    staff_member: Mapped[StaffMember | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    lead_rater: Mapped[User | None] = relationship(foreign_keys=[lead_rater_id])
    expert: Mapped[User | None] = relationship(foreign_keys=[expert_id])
    raters: Mapped[list[CalibrationRater]] = relationship(
        cascade="all, delete-orphan", order_by="CalibrationRater.id"
    )
    answers: Mapped[list[CalibrationAnswer]] = relationship(
        cascade="all, delete-orphan", order_by="CalibrationAnswer.id"
    )


class CalibrationRater(db.Model):
    """A supervisor or trainer invited to score a session."""

    __tablename__ = "calibration_raters"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship()


class CalibrationAnswer(db.Model):
    """One rater's answers to a session (kind "rater"), or the consensus (kind "consensus")
    that the trainer recorded in review."""

    __tablename__ = "calibration_answers"
    __table_args__ = (UniqueConstraint("session_id", "kind", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10), default="rater")
    # Makes a double submit store once; in a live session the lead's real audit has it too.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    channel: Mapped[str] = mapped_column(String(20))
    observed_at: Mapped[datetime]
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    overall: Mapped[float | None]
    passed: Mapped[bool | None]
    band: Mapped[str | None] = mapped_column(String(100))
    critical_failures: Mapped[list[str]] = mapped_column(JSON, default=list)
    interaction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
