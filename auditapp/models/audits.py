"""Audits, the checklist version each was scored against, per-item results and history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.extensions import db

from ._time import utcnow
from .people import StaffMember, User


class ChecklistVersion(db.Model):
    """The exact content of a checklist as some audit was scored against it."""

    __tablename__ = "checklist_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Audit(db.Model):
    __tablename__ = "audits"
    __table_args__ = (
        # Leads with the (status, observed_at) range of a period and holds every column the
        # interaction and rater tables read, so that they are counted from the index alone.
        Index(
            "ix_audits_insights_cover",
            "status",
            "observed_at",
            "checklist_id",
            "channel",
            "customer_type",
            "outcome",
            "band",
            "overall",
            "passed",
            "supervisor_id",
            "staff_member_id",
            "duration_minutes",
            "monetary_value",
            "lead_captured",
            "id",  # PostgreSQL indexes hold no row id of their own; joins need it
            # The rater totals count failed critical items from each audit's list.
            postgresql_include=["critical_failures"],
        ),
        # One checklist's audits of a period (the trend of the first page), a tight range
        # where the index above would read every checklist's audits of the period.
        Index(
            "ix_audits_checklist_observed",
            "checklist_id",
            "status",
            "observed_at",
            postgresql_include=["overall"],
        ),
        Index("ix_audits_staff_checklist", "staff_member_id", "checklist_id", "observed_at"),
        Index("ix_audits_staff_status_observed", "staff_member_id", "status", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    # Stops a double click or a reload from storing the same form twice.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)

    channel: Mapped[str] = mapped_column(String(20))
    observed_at: Mapped[datetime]
    customer_type: Mapped[str | None] = mapped_column(String(20))
    duration_minutes: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(30))
    monetary_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    lead_captured: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    overall: Mapped[float | None]
    band: Mapped[str | None] = mapped_column(String(100))
    passed: Mapped[bool | None]
    critical_failures: Mapped[list[str]] = mapped_column(JSON, default=list)

    revision: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None]
    # None, "open" (the staff member disputes it), "rejected" or "amended" (resolved).
    dispute_status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    amended_at: Mapped[datetime | None]

    staff_member: Mapped[StaffMember] = relationship()
    supervisor: Mapped[User] = relationship()
    checklist_version: Mapped[ChecklistVersion] = relationship()
    events: Mapped[list[AuditEvent]] = relationship(
        back_populates="audit", order_by="AuditEvent.id", cascade="all, delete-orphan"
    )
    items: Mapped[list[AuditItem]] = relationship(cascade="all, delete-orphan")
    sections: Mapped[list[AuditSection]] = relationship(cascade="all, delete-orphan")


class AuditItem(db.Model):
    """One item's result in a submitted audit, so that SQL can count misses per item."""

    __tablename__ = "audit_items"
    __table_args__ = (
        UniqueConstraint("audit_id", "item_id"),
        # Covers the per-item counts of the insight pages and of the item totals (every
        # column they count, migration 0010): no lookups into the table itself.
        Index(
            "ix_audit_items_audit_status_met",
            "audit_id",
            "status",
            "met",
            "item_id",
            "kind",
            "critical",
            "critical_failed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    section_id: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    critical: Mapped[bool]
    critical_failed: Mapped[bool] = mapped_column(default=False)
    earned: Mapped[float | None]
    possible: Mapped[float]
    met: Mapped[bool | None]


# The period's critical failures are few among millions of item rows: this index holds
# only them, so that listing them reads no other item row.
Index(
    "ix_audit_items_critical_failed",
    AuditItem.audit_id,
    AuditItem.item_id,
    sqlite_where=AuditItem.critical_failed.is_(True),
    postgresql_where=AuditItem.critical_failed.is_(True),
)


class AuditSection(db.Model):
    """One section's percentage in a submitted audit, so that SQL can average sections."""

    __tablename__ = "audit_sections"
    __table_args__ = (
        UniqueConstraint("audit_id", "section_id"),
        # The heat map reads the sections of a period's audits from this index alone.
        Index("ix_audit_sections_audit_cover", "audit_id", "section_id", "percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(100), index=True)
    percentage: Mapped[float | None]  # None when every item of the section was N/A
    weight: Mapped[float]
    scored_count: Mapped[int]


class CoachingAction(db.Model):
    """What a trainer asked a staff member to work on, closed by a later audit that meets it."""

    __tablename__ = "coaching_actions"
    __table_args__ = (Index("ix_coaching_actions_staff_open", "staff_member_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    section_id: Mapped[str | None] = mapped_column(String(100))
    item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id"))

    staff_member: Mapped[StaffMember] = relationship()
    created_by: Mapped[User] = relationship()
    audit: Mapped[Audit | None] = relationship(foreign_keys=[audit_id])
    closed_by_audit: Mapped[Audit | None] = relationship(foreign_keys=[closed_by_audit_id])


class AuditEvent(db.Model):
    """One step in an audit's history: created, draft saved, submitted, amended."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    audit: Mapped[Audit] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
