"""Background jobs from the browser: ask for a batch PDF or a large export, watch it being
made, download it (its requester alone, while it is kept)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from auditapp.forms import AuditFilterForm
from auditapp.models.jobs import KINDS
from auditapp.services import jobs
from auditapp.validators import query_number

from . import audit_forms as af
from .access import EVERYONE, roles_required

bp = Blueprint("jobs", __name__)

MIMETYPES = {".pdf": "application/pdf", ".csv": "text/csv"}


def _filters():
    """The /audits filters posted with the request, or None (and the list page, 400)."""
    form = AuditFilterForm(request.form)
    af.fill_filter_choices(form, current_user)
    if not form.validate():
        return form, None
    return form, af.filters_from(form)


@bp.route("/audits/print", methods=["POST"])
@roles_required(*EVERYONE)
def print_audits():
    """The audits matching the /audits filters as one PDF, with a cover page, made by the
    background workers however many there are."""
    form, filters = _filters()
    if filters is None:
        return render_template("audits/index.html", form=form, page=None), 400
    try:
        job = jobs.request_pdf(current_user, filters, af.describe_filters(form))
    except jobs.JobError as exc:
        flash(str(exc), "warning")
        # Back to the list with its filters; the CSRF token stays out of the address, which
        # browsers keep in their history and servers in their logs.
        query = {k: v for k, v in request.form.to_dict(flat=True).items() if k != "csrf_token"}
        return redirect(url_for("audits.index", **query))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/audits/export/<any(audits_csv, answers_csv):kind>", methods=["POST"])
@roles_required(*EVERYONE)
def export(kind: str):
    """A CSV export too large to stream to the browser at once, made in the background."""
    form, filters = _filters()
    if filters is None:
        return render_template("audits/index.html", form=form, page=None), 400
    job = jobs.request_csv(current_user, kind, filters, af.describe_filters(form))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs")
@roles_required(*EVERYONE)
def index():
    page = jobs.jobs_of(current_user, request.args.get("page", 1, type=query_number))
    return render_template("jobs/index.html", page=page, kinds=KINDS)


def _own(job_id: int):
    job = jobs.load(job_id) or abort(404)
    if not jobs.is_requester(current_user, job):
        abort(403)  # only the person who asked for a file may see it or download it
    return job


@bp.route("/jobs/<int:job_id>")
@roles_required(*EVERYONE)
def show(job_id: int):
    job = _own(job_id)
    return render_template("jobs/show.html", job=job, progress=jobs.progress(job), kinds=KINDS)


@bp.route("/jobs/<int:job_id>/download")
@roles_required(*EVERYONE)
def download(job_id: int):
    job = _own(job_id)
    if job.status == "queued":
        return render_template(
            "errors/error.html",
            status=409,
            title="Not ready yet",
            advice="This file is still being made; its page shows how far it has got.",
            detail=None,
        ), 409
    try:
        path = jobs.file_of(job)
    except jobs.JobGone:
        return render_template(
            "errors/error.html",
            status=410,
            title="This file is no longer kept",
            advice=(
                (job.error and f"It could not be made: {job.error}.")
                or "Files are removed after a while. Ask for it again from the audits list."
            ),
            detail=None,
        ), 410
    jobs.downloaded(job, current_user)
    response = send_file(
        path,
        mimetype=MIMETYPES[path.suffix],
        as_attachment=path.suffix == ".csv",
        download_name=job.download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
