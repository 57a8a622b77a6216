"""CSV downloads of the audits on /audits and of their item answers."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user

from auditapp.forms import AuditFilterForm
from auditapp.models.jobs import KINDS
from auditapp.services import event_log, exports, jobs

from . import audit_forms as af
from .access import EVERYONE, roles_required

bp = Blueprint("exports", __name__)


@bp.route("/audits/export.csv")
@roles_required(*EVERYONE)
def audits_csv():
    """The submitted audits matching the /audits filters, one CSV row each."""
    return _download(exports.audit_rows, "audits")


@bp.route("/audits/answers.csv")
@roles_required(*EVERYONE)
def answers_csv():
    """Every item answer of those audits, one CSV row per item."""
    return _download(exports.answer_rows, "answers")


def _download(rows, name: str):
    form = AuditFilterForm(request.args)
    af.fill_filter_choices(form, current_user)
    if request.args and not form.validate():
        return render_template("audits/index.html", form=form, page=None), 400
    filters = af.filters_from(form)
    count = jobs.audits_to_export(current_user, filters)
    limit = current_app.config["EXPORT_DIRECT_LIMIT"]
    if count > limit:  # made in the background instead, with its progress shown
        return render_template(
            "jobs/confirm_export.html",
            kind=f"{name}_csv",
            kinds=KINDS,
            count=count,
            limit=limit,
            args={k: v for k, v in request.args.items() if k != "page"},
        )
    chunks = rows(current_user._get_current_object(), filters)
    chunks.check()  # a query that fails does so here, before anything is logged or sent
    # Logged before the first row leaves: a download cut short was still handed out.
    event_log.record_now("exported", current_user, f"{name} CSV", filters=filters)
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{date.today():%Y-%m-%d}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
