"""Database models (SQLAlchemy 2.0 typed declarative)."""

from .audits import (
    Audit,
    AuditEvent,
    AuditItem,
    AuditSection,
    ChecklistVersion,
    CoachingAction,
)
from .event_log import LogEntry
from .people import ROLES, StaffMember, Team, User
from .rollups import ItemDayTotal, ItemMonthTotal

__all__ = [
    "ROLES",
    "Audit",
    "AuditEvent",
    "AuditItem",
    "AuditSection",
    "ChecklistVersion",
    "CoachingAction",
    "ItemDayTotal",
    "ItemMonthTotal",
    "LogEntry",
    "StaffMember",
    "Team",
    "User",
]
