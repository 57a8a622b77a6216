"""Database models (SQLAlchemy 2.0 typed declarative)."""

from .audits import (
    Audit,
    AuditEvent,
    AuditItem,
    AuditSection,
    ChecklistVersion,
    CoachingAction,
)
from .people import ROLES, StaffMember, Team, User
from .rollups import ItemDayTotal

__all__ = [
    "ROLES",
    "Audit",
    "AuditEvent",
    "AuditItem",
    "AuditSection",
    "ChecklistVersion",
    "CoachingAction",
    "ItemDayTotal",
    "StaffMember",
    "Team",
    "User",
]
