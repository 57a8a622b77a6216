"""The staff member's side of an audit: acknowledge it or dispute it; supervisors answer."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from auditapp.extensions import db
from auditapp.forms import AcknowledgeForm, DisputeForm, RejectDisputeForm
from auditapp.models import Audit
from auditapp.services import audit_queries, responses

from .access import roles_required
from .audits import render_audit_page

bp = Blueprint("responses", __name__, url_prefix="/audits")


# The audit page belongs to the audits blueprint; the panel it includes asks for its own
# data through this helper, so that the audits view needs no change for this feature.
@bp.app_context_processor
def _panel_helper():
    return {"response_panel": response_panel}


def response_panel(audit: Audit, dispute_form=None, reject_form=None) -> dict:
    """What `audits/_responses.html` shows: the state, and a form for each allowed step."""
    state = responses.state_of(audit, current_user)
    if dispute_form is None and state.can_dispute:
        dispute_form = DisputeForm(formdata=None)
    if reject_form is None and state.can_reject:
        reject_form = RejectDisputeForm(formdata=None)
    return {
        "state": state,
        "acknowledge_form": AcknowledgeForm(formdata=None) if state.can_acknowledge else None,
        "dispute_form": dispute_form,
        "reject_form": reject_form,
    }


@bp.route("/<int:audit_id>/acknowledge", methods=["POST"])
@roles_required("staff")
def acknowledge(audit_id: int):
    """The staff member confirms they have seen their audit."""
    audit = _own_audit(audit_id)
    try:
        if not AcknowledgeForm().validate():
            raise responses.ResponseError("The form had expired: please try again.")
        responses.acknowledge(audit, current_user)
    except responses.ResponseError as exc:
        db.session.rollback()
        flash(f"Nothing was saved: {exc.message}", "danger")
        return redirect(url_for("audits.show", audit_id=audit.id))
    flash(f"Audit #{audit.id} acknowledged.", "success")
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:audit_id>/dispute", methods=["POST"])
@roles_required("staff")
def dispute(audit_id: int):
    """The staff member disputes their audit, with a comment for the supervisors."""
    audit = _own_audit(audit_id)
    form = DisputeForm()
    if not _saved(form, lambda: responses.dispute(audit, current_user, form.comment.data)):
        return _show_again(audit, dispute_form=form)
    flash(f"Your dispute of audit #{audit.id} was sent to the supervisors.", "success")
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:audit_id>/dispute/reject", methods=["POST"])
@roles_required("supervisor")
def reject(audit_id: int):
    """A supervisor rejects the open dispute, saying why; the audit stays as it is."""
    audit = _visible_audit(audit_id)
    form = RejectDisputeForm()
    if not _saved(form, lambda: responses.reject_dispute(audit, current_user, form.reason.data)):
        return _show_again(audit, reject_form=form)
    flash(
        f"The dispute of audit #{audit.id} was rejected; the reason is in its history.", "success"
    )
    return redirect(url_for("audits.show", audit_id=audit.id))


def _saved(form: FlaskForm, step) -> bool:
    """Validate the form, then take the step; a refusal goes next to its field."""
    if not form.validate():
        return False
    try:
        step()
    except responses.ResponseError as exc:
        db.session.rollback()
        if exc.field and exc.field in form:
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
        else:
            form.form_errors.append(exc.message)
        return False
    return True


def _show_again(audit: Audit, **forms):
    # The audit page again, with the posted form and its errors in place of a blank one.
    return render_audit_page(audit, 400, **forms)


def _visible_audit(audit_id: int) -> Audit:
    audit = db.get_or_404(Audit, audit_id)
    if not audit_queries.can_view(current_user, audit):
        abort(403)
    return audit


def _own_audit(audit_id: int) -> Audit:
    audit = _visible_audit(audit_id)
    if not responses.is_own(current_user, audit):
        abort(403)
    return audit
