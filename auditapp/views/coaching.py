"""Coaching actions: trainers record them; everyone involved sees them until a later audit
closes them."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp import clock
from auditapp.extensions import db
from auditapp.forms import CoachingForm, options
from auditapp.models import Audit, StaffMember
from auditapp.services import audit_queries, checklists, coaching
from auditapp.services.audits import checklist_of
from auditapp.validators import query_number

from .access import READERS, roles_required

bp = Blueprint("coaching", __name__)


@bp.route("/coaching")
@roles_required(*READERS)
def index():
    """Open coaching actions, overdue first, and the ones closed most recently."""
    return render_template(
        "coaching/index.html",
        open_actions=coaching.actions(),
        closed_actions=coaching.actions(open_only=False, limit=20),
        today=clock.today(),
    )


@bp.route("/staff/<int:staff_id>/coaching/new", methods=["GET", "POST"])
@roles_required("trainer")
def new(staff_id: int):
    """Record what a staff member should work on, from an audit or a checklist."""
    staff = db.get_or_404(StaffMember, staff_id)
    audit = _source_audit(staff)
    checklist = (
        checklist_of(audit)
        if audit
        else checklists.available().get(request.args.get("checklist", ""))
    )
    if checklist is None:
        return render_template(
            "coaching/choose.html", staff=staff, checklists=checklists.available().values()
        )
    form = CoachingForm()
    form.item_ids.choices = options((i.id, i.text) for _, i in checklist.iter_items())
    form.section_id.choices = options(
        [("", "— no whole section —"), *((s.id, s.title) for s in checklist.sections)]
    )
    if request.method == "GET":
        form.item_ids.data = coaching.missed_in(audit) if audit else []
        form.follow_up_on.data = clock.today() + timedelta(days=14)
    elif form.validate():
        target = coaching.Target(checklist, tuple(form.item_ids.data or ()), form.section_id.data)
        try:
            coaching.record(
                trainer=current_user,
                staff=staff,
                target=target,
                audit=audit,
                note=form.note.data,
                follow_up_on=form.follow_up_on.data,
            )
        except coaching.CoachingError as exc:
            form[exc.field or "note"].errors.append(str(exc))
        else:
            flash(f"Coaching action recorded for {staff.name}.", "success")
            return redirect(url_for("staff.show", staff_id=staff.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "coaching/new.html", form=form, staff=staff, checklist=checklist, audit=audit
    ), status


def _source_audit(staff: StaffMember) -> Audit | None:
    audit_id = request.args.get("audit", type=query_number)
    if audit_id is None:
        return None
    audit = db.get_or_404(Audit, audit_id)
    if audit.staff_member_id != staff.id or not audit_queries.can_view(current_user, audit):
        abort(404)
    return audit
