"""Scoring, saving, submitting, amending and reading audits."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp.extensions import db
from auditapp.forms import AuditFilterForm, build_audit_form
from auditapp.models import Audit
from auditapp.services import audit_history, audit_queries
from auditapp.services import audits as audit_service
from auditapp.services.results import result_view
from auditapp.validators import query_number

from . import audit_forms as af
from .access import EVERYONE, roles_required
from .errors import UNAVAILABLE

bp = Blueprint("audits", __name__, url_prefix="/audits")


@bp.route("")
@roles_required(*EVERYONE)
def index():
    """List the audits the user may see, filtered by the URL, newest first."""
    form = AuditFilterForm(request.args)
    af.fill_filter_choices(form, current_user)
    if request.args and not form.validate():
        return render_template("audits/index.html", form=form, page=None), 400
    filters = af.filters_from(form)
    page = audit_queries.list_audits(
        current_user,
        filters,
        page=request.args.get("page", 1, type=query_number),
        per_page=current_app.config["AUDITS_PER_PAGE"],
    )
    return render_template("audits/index.html", form=form, page=page, filters=filters)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("supervisor")
def new():
    """Choose a staff member and a checklist, then score the interaction."""
    chosen = af.chosen_start(request.args)
    if chosen is None:
        return af.render_start(request.args)
    staff, checklist = chosen
    if request.method == "GET":
        return af.render_blank_form(checklist, staff, request.args.get("channel"))
    form = build_audit_form(checklist)
    if form.fingerprint.data and form.fingerprint.data != checklist.fingerprint:
        return af.checklist_changed(form, checklist, staff)
    if not form.validate():
        return af.render_form(form, checklist, staff, status=400)
    try:
        audit, created = audit_service.start(
            supervisor=current_user,
            staff=staff,
            checklist=checklist,
            token=form.token.data,
            interaction=af.interaction_from(form),
            entry=af.answers_from(form, checklist),
            submit=bool(form.submit.data),
        )
    except audit_service.AuditError as exc:
        af.show_errors(form, exc)
        return af.render_form(form, checklist, staff, status=400)
    except UNAVAILABLE:
        return af.not_saved(form, checklist, staff)
    return af.after_save(audit, created)


@bp.route("/<int:audit_id>")
@roles_required(*EVERYONE)
def show(audit_id: int):
    """The audit: score, band, pass/fail, critical failures, sections, items, history."""
    return render_audit_page(_visible_audit(audit_id))


def render_audit_page(audit: Audit, status: int = 200, **forms):
    """The audit's page; `forms` replace the blank response forms after a bad post."""
    return render_template(
        "audits/show.html",
        audit=audit,
        view=result_view(audit),
        history=audit_history.latest(audit.id),
        labels=audit_history.field_labels(audit),
        can_edit=audit_queries.can_edit_draft(current_user, audit),
        can_amend=audit_queries.can_amend(current_user, audit),
        **forms,
    ), status


@bp.route("/<int:audit_id>/history")
@roles_required(*EVERYONE)
def history(audit_id: int):
    """Every step in the audit's history, newest first, a page at a time."""
    audit = _visible_audit(audit_id)
    page = audit_history.page(audit.id, request.args.get("page", 1, type=query_number))
    labels = audit_history.field_labels(audit)
    return render_template("audits/history.html", audit=audit, page=page, labels=labels)


@bp.route("/<int:audit_id>/edit", methods=["GET", "POST"])
@roles_required("supervisor")
def edit(audit_id: int):
    """Carry on with a draft: save it again or submit it."""
    audit = _visible_audit(audit_id)
    if audit.status != "draft":
        flash("This audit is already submitted; it can only be amended.", "info")
        return redirect(url_for("audits.show", audit_id=audit.id))
    if not audit_queries.can_edit_draft(current_user, audit):
        abort(403)
    checklist = audit_service.checklist_of(audit)
    if request.method == "GET":
        form = build_audit_form(checklist, formdata=None, **af.audit_defaults(audit, checklist))
        return af.render_form(form, checklist, audit.staff_member, audit=audit)
    form = build_audit_form(checklist)
    if not form.validate():
        return af.render_form(form, checklist, audit.staff_member, audit=audit, status=400)
    try:
        audit_service.update_draft(
            audit,
            user=current_user,
            interaction=af.interaction_from(form),
            entry=af.answers_from(form, checklist),
            submit=bool(form.submit.data),
        )
    except audit_service.AuditError as exc:
        db.session.rollback()
        af.show_errors(form, exc)
        return af.render_form(form, checklist, audit.staff_member, audit=audit, status=400)
    except UNAVAILABLE:
        return af.not_saved(form, checklist, audit=audit)
    return af.after_save(audit, created=True)


@bp.route("/<int:audit_id>/amend", methods=["GET", "POST"])
@roles_required("supervisor")
def amend(audit_id: int):
    """Change a submitted audit, with a reason kept in its history."""
    audit = _visible_audit(audit_id)
    if not audit_queries.can_amend(current_user, audit):
        abort(403)
    checklist = audit_service.checklist_of(audit)
    if request.method == "GET":
        defaults = af.audit_defaults(audit, checklist)
        form = build_audit_form(checklist, amend=True, formdata=None, **defaults)
        return af.render_form(form, checklist, audit.staff_member, audit=audit, amending=True)
    form = build_audit_form(checklist, amend=True)
    if not form.validate():
        return af.render_form(
            form, checklist, audit.staff_member, audit=audit, amending=True, status=400
        )
    try:
        audit_service.amend(
            audit,
            user=current_user,
            interaction=af.interaction_from(form),
            entry=af.answers_from(form, checklist),
            reason=form.reason.data,
        )
    except audit_service.AuditError as exc:
        db.session.rollback()
        af.show_errors(form, exc)
        return af.render_form(
            form, checklist, audit.staff_member, audit=audit, amending=True, status=400
        )
    except UNAVAILABLE:
        return af.not_saved(form, checklist, audit=audit, amending=True)
    flash(f"Audit #{audit.id} amended: revision {audit.revision}.", "success")
    return redirect(url_for("audits.show", audit_id=audit.id))


def _visible_audit(audit_id: int) -> Audit:
    audit = db.get_or_404(Audit, audit_id)
    if not audit_queries.can_view(current_user, audit):
        abort(403)
    return audit
