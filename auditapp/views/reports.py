"""PDF downloads: one audit, a blank paper checklist (a batch is a job: views/jobs.py)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user

from auditapp.services import audit_queries, event_log, reports

from .access import EVERYONE, READERS, roles_required
from .checklists import checklist_or_404

bp = Blueprint("reports", __name__)


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download: shown in the browser, never stored by shared caches."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/audits/<int:audit_id>.pdf")
@roles_required(*EVERYONE)
def audit_pdf(audit_id: int):
    """One audit as a PDF report; the same people may download it as may open its page."""
    audit = reports.load_audit(audit_id) or abort(404)
    if not audit_queries.can_view(current_user, audit):
        abort(403)
    pdf = reports.audit_pdf(audit)
    event_log.record_now("printed", current_user, audit)  # once made, before it is handed out
    return pdf_response(pdf, f"audit-{audit.id}.pdf")


@bp.route("/checklists/<checklist_id>.pdf")
@roles_required(*READERS)
def blank_checklist(checklist_id: str):
    """The blank paper version of a checklist, to audit on paper and type in later."""
    checklist = checklist_or_404(checklist_id)
    current_app.logger.info("blank checklist %s printed by %s", checklist.id, current_user.id)
    return pdf_response(reports.blank_pdf(checklist), f"{checklist.id}-blank.pdf")
