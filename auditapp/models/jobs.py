"""Jobs: long work a user asked for in the browser (a batch of audit PDFs, a large export),
done by the background workers and handed to that user alone as a file kept for a while."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.extensions import db

from ._time import utcnow
from .people import User

KINDS = {
    "audits_pdf": "Audits as one PDF",
    "audits_csv": "Audits (CSV)",
    "answers_csv": "Item answers (CSV)",
}
# queued → running → done (file kept until expires_at) → expired; or failed, with the reason.
STATUSES = ("queued", "running", "done", "failed", "expired")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_requested_by", "requested_by_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[User] = relationship()
    # What was asked for, in words ("Team: Front desk; passed only") and as the filters the
    # worker runs again with the requester's own rights.
    description: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A PDF batch prints the audits that matched when it was asked for, in this order.
    audit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    parts: Mapped[int] = mapped_column(default=1)
    total: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(100))
    download_name: Mapped[str] = mapped_column(String(100))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    restarts: Mapped[int] = mapped_column(default=0)
