"""Plain data for the result partials, shared by the web page and the PDF report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditapp.checklists import Checklist
from auditapp.models import Audit
from auditapp.scoring import ScoreResult

from . import audits as audit_service


@dataclass(frozen=True)
class ResultView:
    """Plain data for the result partial, shared by the web page and (later) the PDF."""

    checklist: Checklist
    result: ScoreResult
    sections: list[tuple[Any, list[tuple[Any, Any, str | None, str | None]]]]
    critical: list[tuple[Any, Any, str | None]]


def result_view(audit: Audit) -> ResultView:
    checklist = audit_service.checklist_of(audit)
    result = audit_service.result_of(audit)
    sections = []
    for section in checklist.sections:
        rows = []
        for item in section.items:
            r = result.items[item.id]
            labels = {o.value: o.label for o in checklist.scale_for(item)}
            answer = "N/A" if r.status == "na" else labels.get(r.answer or "")
            if r.status == "not_asked":
                answer = "Not asked on this channel"
            rows.append((item, r, answer, audit.comments.get(item.id)))
        sections.append((section, rows))
    answers = {item.id: answer for _, rows in sections for item, _, answer, _ in rows}
    critical = [(checklist.item(i), result.items[i], answers[i]) for i in result.critical_failures]
    return ResultView(checklist, result, sections, critical)
