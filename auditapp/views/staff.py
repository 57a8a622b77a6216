"""Staff members: the list, adding and importing them, and each person's progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp import clock
from auditapp.extensions import db
from auditapp.forms import RosterForm, StaffForm, options
from auditapp.models import StaffMember
from auditapp.services import choices, coaching, event_log, people, progress
from auditapp.services.progress_report import progress_pdf
from auditapp.validators import query_number

from .access import EVERYONE, READERS, STAFF_MANAGERS, roles_required
from .progress_forms import ProgressFilterForm
from .reports import pdf_response

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _team_choices(form: StaffForm) -> None:
    form.team_id.choices = options([(0, "— no team —"), *choices.team_names()])


def _list_page(form: StaffForm, roster: RosterForm, status: int = 200):
    page, counts = choices.staff_page(request.args.get("page", 1, type=query_number))
    return render_template(
        "staff/index.html", page=page, counts=counts, form=form, roster=roster
    ), status


@bp.route("", methods=["GET", "POST"])
@roles_required(*READERS)
def index():
    """All staff members, with a form to add one (admins and supervisors)."""
    form, roster = StaffForm(), RosterForm()
    _team_choices(form)
    if request.method == "POST":
        if current_user.role not in STAFF_MANAGERS:
            abort(403)
        if not form.validate():
            return _list_page(form, roster, 400)
        team = dict(choices.team_names()).get(form.team_id.data)
        try:
            staff = people.add_staff(form.name.data, team, form.code.data, by=current_user)
        except people.PeopleError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
            return _list_page(form, roster, 400)
        flash(f"Added {staff.name}.", "success")
        return redirect(url_for("staff.index"))
    return _list_page(form, roster)


@bp.route("/import", methods=["POST"])
@roles_required(*STAFF_MANAGERS)
def import_roster():
    """Add every staff member of a CSV roster, or none if any row is bad."""
    form, roster = StaffForm(formdata=None), RosterForm()
    _team_choices(form)
    if not roster.validate():
        return _list_page(form, roster, 400)
    try:
        added = people.import_roster(roster.roster.data, by=current_user)
    except people.RosterError as exc:
        roster.roster.errors.extend(f"Row {e}" for e in exc.errors)
        roster.roster.errors.append("Nothing was imported: correct these rows and try again.")
        return _list_page(form, roster, 400)
    flash(f"Imported {len(added)} staff members.", "success")
    return redirect(url_for("staff.index"))


def _visible_staff(staff_id: int) -> StaffMember:
    staff = db.get_or_404(StaffMember, staff_id)
    if current_user.role == "staff" and current_user.staff_member_id != staff.id:
        abort(403)  # a staff login sees only their own progress, on the page and in the PDF
    return staff


@bp.route("/<int:staff_id>")
@roles_required(*EVERYONE)
def show(staff_id: int):
    """One person's progress per checklist: chart, intervals, sections against the team."""
    staff = _visible_staff(staff_id)
    form = ProgressFilterForm(request.args)
    context = {
        "staff": staff,
        "form": form,
        "coaching_actions": coaching.actions(staff_id=staff.id),
        "today": clock.today(),
    }
    if request.args and not form.validate():
        return render_template("staff/show.html", report=None, **context), 400
    report = progress.staff_progress(staff, form.period())
    return render_template("staff/show.html", report=report, **context)


@bp.route("/<int:staff_id>/report.pdf")
@roles_required(*EVERYONE)
def report_pdf(staff_id: int):
    """The progress page as a PDF for a review meeting (?from=&to= as on the page)."""
    staff = _visible_staff(staff_id)
    form = ProgressFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("staff/show.html", staff=staff, form=form, report=None), 400
    pdf = progress_pdf(staff, form.period())
    # Logged once made: a report that fails to render was never handed out.
    event_log.record_now("printed", current_user, f"staff report {staff.id}", period=form.period())
    return pdf_response(pdf, f"progress-{staff.id}.pdf")


@bp.route("/<int:staff_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_MANAGERS)
def edit(staff_id: int):
    """Change a staff member's name, code, team or active flag."""
    staff = db.get_or_404(StaffMember, staff_id)
    form = StaffForm(obj=staff if request.method == "GET" else None)
    _team_choices(form)
    if request.method == "GET":
        form.code.data = staff.employee_code
        form.team_id.data = staff.team_id or 0
    elif form.validate():
        try:
            people.update_staff(
                staff,
                form.name.data,
                form.team_id.data or None,
                form.code.data,
                form.active.data,
                by=current_user,
            )
        except people.PeopleError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            flash(f"Saved {staff.name}.", "success")
            return redirect(url_for("staff.show", staff_id=staff.id))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/edit.html", form=form, staff=staff), status
