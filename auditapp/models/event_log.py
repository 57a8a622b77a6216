"""The app-wide event log: who did what to which record and when, each entry chained to the
one before it by a SHA-256 hash (services/event_log.py writes and verifies the chain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.extensions import db

from ._time import utcnow

# The closed list of what the log records, with the words the admin page shows.
ACTIONS = {
    "created": "Audit created",
    "draft_saved": "Draft saved",
    "submitted": "Audit submitted",
    "amended": "Audit amended",
    "acknowledged": "Audit acknowledged",
    "disputed": "Audit disputed",
    "dispute_rejected": "Dispute rejected",
    "exported": "CSV exported",
    "printed": "PDF printed",
    "user_created": "User created",
    "password_reset": "Password reset",
    "password_changed": "Password changed",
    "role_changed": "Role changed",
    "user_deactivated": "User deactivated",
    "user_reactivated": "User reactivated",
    "logged_out_everywhere": "Logged out everywhere",
    "logged_in": "Logged in",
    "logged_out": "Logged out",
    "staff_added": "Staff member added",
    "staff_changed": "Staff member changed",
    "team_created": "Team created",
    "team_renamed": "Team renamed",
    "coaching_recorded": "Coaching action recorded",
    "coaching_closed": "Coaching action closed",
    "checklist_version_stored": "Checklist version stored",
    "totals_rebuilt": "Totals rebuilt",
    "backup_made": "Backup made",
    "database_restored": "Database restored",
    "calibration_created": "Calibration session created",
    "calibration_draft_saved": "Calibration draft saved",
    "calibration_submitted": "Calibration answers submitted",
    "calibration_review": "Calibration session in review",
    "calibration_consensus": "Calibration consensus recorded",
    "calibration_closed": "Calibration session closed",
    "calibration_material": "Calibration material opened",
    "calibration_results": "Calibration results printed",
    "job_requested": "Background job requested",
    "job_finished": "Background job finished",
    "job_failed": "Background job failed",
    "job_restarted": "Background job restarted",
    "job_downloaded": "Background job's file downloaded",
    "jobs_expired": "Background jobs' files removed",
    "mail_queued": "Emails queued",
    "mail_sent": "Email sent",
    "mail_retry": "Email attempt failed",
    "mail_failed": "Email failed",
    "mail_preferences_changed": "Email preferences changed",
    "mail_defaults_changed": "Email defaults changed",
    "plan_created": "Observation plan set up",
    "plan_changed": "Observation plan changed",
    "plan_ended": "Observation plan ended",
}


class LogEntry(db.Model):
    """One event. Written once and never updated: `hash` covers every other column and the
    previous entry's hash, so changing or removing an entry breaks the chain from there on."""

    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_action_id", "action", "id"),
        Index("ix_event_log_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)  # UTC
    # Not a foreign key: an entry outlives its user, and no cascade may ever rewrite it.
    user_id: Mapped[int | None]
    # Who, in words that survive the user: their email, or "command line (<os user>)".
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
