"""How an audit's PDF falls onto pages, for every shipped checklist: the signature lines
never stand alone on a page, but close the report with its history."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from conftest import PASSWORD
from pypdf import PdfReader

from auditapp.checklists import default_checklists_dir
from auditapp.services import audits as audit_service
from auditapp.services import reports, users
from auditapp.services.checklists import available

SHIPPED = sorted(p.stem for p in Path(default_checklists_dir()).glob("*.yaml"))


@pytest.fixture
def shipped(checklists_dir):
    for path in Path(default_checklists_dir()).glob("*.yaml"):
        shutil.copy(path, checklists_dir)


@pytest.mark.parametrize("answer", ["first", "last"])  # the shortest and longest answer labels
@pytest.mark.parametrize("checklist_id", SHIPPED)
def test_the_signatures_close_the_report_with_its_history(
    app, shipped, make_staff, checklist_id, answer
):
    checklist = available()[checklist_id]
    pick = 0 if answer == "first" else -1
    answers = {item.id: checklist.scale_for(item)[pick].value for _, item in checklist.iter_items()}
    audit, _ = audit_service.start(
        supervisor=users.create_user("sam@example.com", "Sam Carter", "supervisor", PASSWORD),
        staff=make_staff(),
        checklist=checklist,
        token=uuid.uuid4().hex,
        interaction=audit_service.Interaction(
            channel="in_person", observed_at=datetime(2026, 11, 2, 10, 30)
        ),
        entry=audit_service.Answers.clean(answers, {}),
        submit=True,
    )
    pdf = reports.audit_pdf(audit, use_cache=False)
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    with_signatures = [n for n, text in enumerate(pages) if "signature and date" in text]
    assert with_signatures == [len(pages) - 1]
    last = pages[-1]
    assert "History" in last and "Started by Sam Carter" in last
    assert last.index("History") < last.index("signature and date")
