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
from .logins import Login
from .people import ROLES, SignedInUser, StaffMember, Team, User, UserLike
from .rollups import (
    InteractionMonthTotal,
    ItemDayTotal,
    ItemMonthTotal,
    RaterMonthTotal,
    SectionMonthTotal,
    StaffItemMonthTotal,
)

__all__ = [
    "ROLES",
    "Audit",
    "AuditEvent",
    "AuditItem",
    "AuditSection",
    "ChecklistVersion",
    "CoachingAction",
    "InteractionMonthTotal",
    "ItemDayTotal",
    "ItemMonthTotal",
    "LogEntry",
    "Login",
    "RaterMonthTotal",
    "SectionMonthTotal",
    "SignedInUser",
    "StaffItemMonthTotal",
    "StaffMember",
    "Team",
    "User",
    "UserLike",
]
