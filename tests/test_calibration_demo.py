"""The demo's calibration sessions show every part of the results: a lenient supervisor and
an item nobody agrees on."""

from __future__ import annotations

from conftest import PASSWORD, running_app

from auditapp import PROJECT_ROOT, clock
from auditapp.models import CalibrationSession
from auditapp.services import (
    calibration_access,
    calibration_results,
    demo_calibration,
    users,
)


def test_demo_sessions_have_a_lenient_rater_and_an_item_nobody_agrees_on(database_url):
    with running_app(database_url, PROJECT_ROOT / "checklists"):
        trainer = users.create_user("tess@example.com", "Tess", "trainer", PASSWORD)
        sam = users.create_user("sam@example.com", "Sam", "supervisor", PASSWORD)
        priya = users.create_user("priya@example.com", "Priya", "supervisor", PASSWORD)
        assert demo_calibration.add(trainer, sam, priya, clock.local_now()) == 3
        sessions = CalibrationSession.query.order_by(CalibrationSession.id).all()
        assert [s.status for s in sessions] == ["closed", "closed", "review"]
        assert [s.reference_mode for s in sessions] == ["expert", "consensus", "expert"]
        for session in sessions:
            found = calibration_results.results_of(calibration_access.load(session.id))
            sam_row = next(r for r in found.raters if r.name == "Sam")
            assert sam_row.tendency == "more lenient"
            assert sam_row.difference > 0
            vague = next(r for r in found.items if r.item.id == "relaxed-manner")
            assert vague.pct_with_each_other == 0 and vague.disagreement
