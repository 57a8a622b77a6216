"""Helpers shared by the observation plan tests (tests/test_plans*.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from auditapp.extensions import db
from auditapp.models import CalibrationAnswer
from auditapp.services import plans


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_plan(team_id, per_period=2, period="week", **values):
    """A plan through the service, as the form would set it up (by the command line)."""
    values = {"checklist_id": "counter-basics", **values}
    return plans.create(
        plans.PlanInput(team_id=team_id, audits_per_period=per_period, period=period, **values),
        by=None,
    )


def mark_as_calibration(audit, session) -> None:
    """Make `audit` the lead rater's audit of a live calibration session: its answers are
    stored under the same form token, as the calibration service does."""
    db.session.add(
        CalibrationAnswer(
            session_id=session.id,
            user_id=audit.supervisor_id,
            kind="rater",
            form_token=audit.form_token,
            status="submitted",
            channel=audit.channel,
            observed_at=audit.observed_at,
        )
    )
    db.session.commit()
