"""Team insights: the heat map, misses, coverage, raters, items and interactions of a period,
for all teams (/insights) or one team (/teams/<id>), and the team page as a PDF."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from auditapp.checklists import CHANNEL_LABELS
from auditapp.extensions import db
from auditapp.forms import WholeNumberField, optional_int, options
from auditapp.models import Team
from auditapp.pdf import render_pdf
from auditapp.services import choices, event_log, glance, plan_compliance, reports
from auditapp.services import insights as ins
from auditapp.services import insights_interactions as ii
from auditapp.services import insights_quality as iq
from auditapp.validators import InDateWindow

from .access import READERS, roles_required
from .reports import pdf_response

bp = Blueprint("insights", __name__)


class InsightFilterForm(FlaskForm):
    class Meta:
        csrf = False  # filters live in the URL so that a view can be bookmarked and shared

    date_from = DateField("From", validators=[Optional(), InDateWindow()])
    date_to = DateField("To", validators=[Optional(), InDateWindow()])
    team = SelectField("Team", coerce=optional_int, choices=[], validators=[Optional()])
    checklist = SelectField("Checklist", choices=[], validators=[Optional()])
    channel = SelectField("Channel", choices=[], validators=[Optional()])
    days = WholeNumberField(
        "Not observed for (days)",
        default=ins.DEFAULT_NOT_SEEN_DAYS,
        validators=[Optional(), NumberRange(1, 3650, "Enter a number of days from 1 to 3650.")],
    )

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


def _form() -> InsightFilterForm:
    form = InsightFilterForm(request.args)
    form.team.choices = options([("", "All teams"), *choices.team_names()])
    form.checklist.choices = options([("", "Most audited"), *choices.checklists_in_use()])
    form.channel.choices = options([("", "Any channel"), *CHANNEL_LABELS.items()])
    return form


def _filters(form: InsightFilterForm, team_id: int | None) -> ins.InsightFilters:
    return ins.InsightFilters(
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        team_id=team_id if team_id is not None else form.team.data,
        checklist_id=form.checklist.data or None,
        channel=form.channel.data or None,
        not_seen_days=form.days.data or ins.DEFAULT_NOT_SEEN_DAYS,
    )


def _context(f: ins.InsightFilters, team: Team | None) -> dict:
    """Every section of the page, as plain data: the first page, then the details."""
    staff_items = glance.staff_item_rows(f) if f.team_id else None  # read once for both
    items = iq.item_analysis(f, staff_items)
    seen = ii.interactions(f)
    rater_sums = iq.rater_sums(f)  # the raters' table and the headline: read once for both
    raters = iq.rater_consistency(f, rater_sums)
    by_checklist = iq.audits_by_checklist(raters)
    heat = ins.heat_map(f, by_checklist)
    name = team.name if team else None
    return {
        "filters": f,
        "period": f.period(),
        "audit_count": sum(by_checklist.values()),
        "glance": glance.team_glance(f, heat, seen.profile, name, staff_items, rater_sums),
        "heat": heat,
        "missed": iq.most_missed(items),
        "failures": ins.critical_failures(f),
        "coverage": ins.coverage(f, per_supervisor=iq.audits_by_supervisor(raters)),
        "raters": [r for r in raters if r.n],  # wholly N/A audits have no mean to compare
        "items": items,
        "item_groups": iq.item_groups(items),
        "by_channel": seen.by_channel,
        "by_customer": seen.by_customer_type,
        "bands": seen.bands,
        "profile": seen.profile,
    }


def _page(team: Team | None):
    form = _form()
    if not form.validate():
        return render_template("insights/index.html", form=form, team=team, data=None), 400
    data = _context(_filters(form, team.id if team else None), team)
    return render_template("insights/index.html", form=form, team=team, data=data)


@bp.route("/insights")
@roles_required(*READERS)
def index():
    """Insights across all teams (or the team chosen in the filters)."""
    return _page(None)


@bp.route("/teams/<int:team_id>")
@roles_required(*READERS)
def team(team_id: int):
    """One team's insights for the period."""
    return _page(db.get_or_404(Team, team_id))


@bp.route("/teams/<int:team_id>/report.pdf")
@roles_required(*READERS)
def team_report(team_id: int):
    """The team page for the same filters as a PDF."""
    team = db.get_or_404(Team, team_id)
    form = _form()
    if not form.validate():
        return render_template("insights/index.html", form=form, team=team, data=None), 400
    data = _context(_filters(form, team.id), team)
    plans = plan_compliance.for_team(team.id, data["period"][1])
    html = reports.printable_html(
        "pdf/team_report.html", team=team, data=data, form=form, plans=plans
    )
    pdf = render_pdf(html)
    # Logged once the file is made, and before it is handed out.
    event_log.record_now("printed", current_user, f"team report {team.id}", filters=data["filters"])
    return pdf_response(pdf, f"team-{team.id}-insights.pdf")
