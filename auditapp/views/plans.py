"""Observation plans: admins and trainers set them; trainers follow compliance."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp import clock
from auditapp.services import event_log, plan_compliance, plans

from .access import roles_required
from .plan_forms import ComplianceForm, EndPlanForm, PlanForm

bp = Blueprint("plans", __name__, url_prefix="/plans")
PLANNERS = ("admin", "trainer")


@bp.route("")
@roles_required(*PLANNERS)
def index():
    """Every plan, active ones first, with links to change or end them."""
    return render_template("plans/index.html", plans=plans.all_plans(), end_form=EndPlanForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def new():
    """Set up a plan for a team or one of its staff members."""
    form = PlanForm()
    form.fill()
    if form.validate_on_submit():
        try:
            plan = plans.create(form.values(), by=current_user)
        except plans.PlanError as exc:
            _field_error(form, exc)
        else:
            flash(f"Plan saved: {_summary(plan)}.", "success")
            return redirect(url_for("plans.index"))
    return _form_page(form, None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def edit(plan_id: int):
    """Change a plan: from then on, every period counts with the new figures."""
    plan = plans.get(plan_id) or abort(404)
    form = PlanForm(obj=None if request.method == "POST" else _data(plan))
    form.fill()
    if form.validate_on_submit():
        try:
            changed = plans.change(plan, form.values(), by=current_user)
        except plans.PlanError as exc:
            _field_error(form, exc)
        else:
            what = "Plan saved" if changed else "Nothing changed"
            flash(f"{what}: {_summary(plan)}.", "success" if changed else "info")
            return redirect(url_for("plans.index"))
    return _form_page(form, plan)


@bp.route("/<int:plan_id>/end", methods=["POST"])
@roles_required(*PLANNERS)
def end(plan_id: int):
    """End a plan: it no longer counts anywhere."""
    plan = plans.get(plan_id) or abort(404)
    if not EndPlanForm().validate_on_submit():
        abort(400, "The form had expired. Reload the page and try again.")
    plans.deactivate(plan, by=current_user)
    flash(f"Plan ended: {_summary(plan)}. It no longer counts anywhere.", "success")
    return redirect(url_for("plans.index"))


@bp.route("/compliance")
@roles_required(*PLANNERS)
def compliance():
    """How far each team, supervisor and staff member met the plans in a week or month."""
    form = _compliance_form()
    if not form.validate():
        return render_template("plans/compliance.html", form=form, c=None), 400
    kind, day = form.chosen()
    c = plan_compliance.compliance(kind, day, form.team.data)
    return render_template("plans/compliance.html", form=form, c=c)


@bp.route("/compliance.csv")
@roles_required(*PLANNERS)
def compliance_csv():
    """The compliance page's figures, one row per staff member and plan."""
    form = _compliance_form()
    if not form.validate():
        return render_template("plans/compliance.html", form=form, c=None), 400
    kind, day = form.chosen()
    c = plan_compliance.compliance(kind, day, form.team.data)
    text = plan_compliance.csv_text(c)
    event_log.record_now(
        "exported",
        current_user,
        "plan compliance CSV",
        period=c.period.label,
        filters={"team_id": form.team.data},
    )
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="plan-compliance-{c.period.first}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _compliance_form() -> ComplianceForm:
    form = ComplianceForm(request.args)
    form.fill()
    return form


def _form_page(form: PlanForm, plan):
    status = 400 if request.method == "POST" else 200
    staff_teams = {i: team for i, _, team in plans.staff_choices()}
    return render_template(
        "plans/form.html", form=form, plan=plan, staff_teams=staff_teams, today=clock.today()
    ), status


def _field_error(form: PlanForm, exc: plans.PlanError) -> None:
    if exc.field and exc.field in form:
        form[exc.field].errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


def _data(plan):
    """The plan as the form's fields name it."""

    class Values:
        team = plan.team_id
        staff_member = plan.staff_member_id
        checklist = plan.checklist_id
        audits_per_period = plan.audits_per_period
        period = plan.period
        channel = plan.channel or ""
        spread_supervisors = plan.spread_supervisors

    return Values


def _summary(plan) -> str:
    who = plan.staff_member.name if plan.staff_member else f"everyone in {plan.team.name}"
    return f"{plan.audits_per_period} a {plan.period} for {who}"
