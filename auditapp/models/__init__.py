"""Database models (SQLAlchemy 2.0 typed declarative)."""

from .audits import (
    Audit,
    AuditEvent,
    AuditItem,
    AuditSection,
    ChecklistVersion,
    CoachingAction,
)
from .calibration import CalibrationAnswer, CalibrationRater, CalibrationSession
from .event_log import LogEntry
from .jobs import Job
from .logins import Login
from .mail import MailDefault, MailMessage, MailPreference
from .people import ROLES, StaffMember, Team, User
from .plans import ObservationPlan
from .rollups import (
    InteractionMonthTotal,
    ItemDayTotal,
    ItemMonthTotal,
    RaterMonthTotal,
    SectionMonthTotal,
    StaffInteractionMonthTotal,
    StaffItemMonthTotal,
    StaffRaterMonthTotal,
)

__all__ = [
    "ROLES",
    "Audit",
    "AuditEvent",
    "AuditItem",
    "AuditSection",
    "CalibrationAnswer",
    "CalibrationRater",
    "CalibrationSession",
    "ChecklistVersion",
    "CoachingAction",
    "InteractionMonthTotal",
    "ItemDayTotal",
    "ItemMonthTotal",
    "Job",
    "LogEntry",
    "Login",
    "MailDefault",
    "MailMessage",
    "MailPreference",
    "ObservationPlan",
    "RaterMonthTotal",
    "SectionMonthTotal",
    "StaffInteractionMonthTotal",
    "StaffItemMonthTotal",
    "StaffMember",
    "StaffRaterMonthTotal",
    "Team",
    "User",
]
