"""Observation plans: how many audits of a checklist each staff member of a team should get
per week or month (services/plans.py, plan_status.py and plan_compliance.py use them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.extensions import db

from ._time import utcnow
from .people import StaffMember, Team, User

PERIODS = {"week": "Week (Monday to Sunday)", "month": "Calendar month"}
MIN_PER_PERIOD, MAX_PER_PERIOD = 1, 50


class ObservationPlan(db.Model):
    """A team's plan for one checklist (and, optionally, one channel); with a staff member, a
    plan of that person's own, which replaces the team's plans for that checklist."""

    __tablename__ = "observation_plans"
    __table_args__ = (
        CheckConstraint(
            f"audits_per_period BETWEEN {MIN_PER_PERIOD} AND {MAX_PER_PERIOD}", name="per_period"
        ),
        CheckConstraint("period IN ('week', 'month')", name="period"),
        Index("ix_observation_plans_team_active", "team_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), index=True)
    checklist_id: Mapped[str] = mapped_column(String(100))
    audits_per_period: Mapped[int]
    period: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(20))
    spread_supervisors: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    staff_member: Mapped[StaffMember | None] = relationship()
    created_by: Mapped[User | None] = relationship()
