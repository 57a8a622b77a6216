"""The choices forms offer: the checklists in use are those offered now and those with
audits, read from the stored versions rather than from every audit."""

from __future__ import annotations

from sqlalchemy import select

from auditapp.extensions import db
from auditapp.models import Audit, ChecklistVersion
from auditapp.services import choices


def test_a_checklist_in_the_folder_is_offered_before_any_audit(app):
    assert choices.checklists_in_use() == [("counter-basics", "Counter basics")]
    assert db.session.execute(select(ChecklistVersion)).first() is None


def test_a_checklist_taken_out_of_the_folder_stays_while_it_has_audits(
    app, checklists_dir, make_audit
):
    make_audit(submit=False)  # a draft is an audit too, as the DISTINCT over audits had it
    (checklists_dir / "counter-basics.yaml").unlink()
    assert choices.checklists_in_use() == [("counter-basics", "Counter basics")]
    # The same ids as the audits' own: each audit's stored version names its checklist.
    stored = set(db.session.execute(select(Audit.checklist_id).distinct()).scalars())
    assert {c for c, _ in choices.checklists_in_use()} == stored
