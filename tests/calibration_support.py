"""Helpers shared by the calibration tests (tests/test_calibration_*.py)."""

from __future__ import annotations

import io
import re

from conftest import GOOD_ANSWERS, form_data
from pypdf import PdfReader
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import Audit, CalibrationAnswer, CalibrationSession, LogEntry

# A lenient rater's answers, and a severe one's, to the counter-basics checklist.
SEVERE = {**GOOD_ANSWERS, "warmth": "2", "thanked": "no"}
CRITICAL_FAIL = {**GOOD_ANSWERS, "greeted": "no"}


def post_answers(client, session_id, answers=GOOD_ANSWERS, *, submit=True, token=None, **fields):
    """Post the scoring form of a session, as a rater's browser would."""
    data = form_data(answers, submit=submit, token=token or f"cal-{session_id}", **fields)
    return client.post(f"/calibration/{session_id}/score", data=data)


def answers_count(**filters) -> int:
    return db.session.scalar(select(func.count(CalibrationAnswer.id)).filter_by(**filters))


def audits_count() -> int:
    return db.session.scalar(select(func.count(Audit.id)))


def log_actions(prefix: str = "calibration_") -> list[str]:
    return list(
        db.session.scalars(
            select(LogEntry.action).where(LogEntry.action.startswith(prefix)).order_by(LogEntry.id)
        )
    )


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pages))


def stored_session() -> CalibrationSession:
    """The one stored session as the database holds it now (not as the test last saw it)."""
    db.session.expire_all()
    return db.session.scalars(select(CalibrationSession)).one()
