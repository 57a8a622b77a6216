"""The event log for admins: every recorded action, newest first, and the chain's state."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from auditapp.forms import options
from auditapp.models.event_log import ACTIONS
from auditapp.services import choices, event_log, event_log_words
from auditapp.validators import query_number

from .access import roles_required

bp = Blueprint("event_log", __name__, url_prefix="/admin/log")


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False  # filters live in the URL, so that a view of the log can be shared

    action = SelectField("Action", choices=[], validators=[Optional()])
    user = SelectField("Who", choices=[], validators=[Optional()])


@bp.route("")
@roles_required("admin")
def index():
    """The log, filtered by action and user; ?verify=1 checks the whole chain."""
    form = LogFilterForm(request.args)
    form.action.choices = options([("", "Any action"), *ACTIONS.items()])
    form.user.choices = options(
        [("", "Anyone"), ("cli", "The command line")]
        + [(str(i), e) for i, e in choices.user_emails()]
    )
    verdict = None
    if request.args.get("verify"):
        verdict = {"broken": event_log.verify(), "count": event_log.count()}
    if request.args and not form.validate():
        return render_template(
            "event_log/index.html", form=form, page=None, verdict=verdict, actions=ACTIONS
        ), 400
    page = event_log.entries_page(
        form.action.data or None,
        form.user.data or None,
        page=request.args.get("page", 1, type=query_number),
        per_page=current_app.config["AUDITS_PER_PAGE"],
    )
    return render_template(
        "event_log/index.html",
        form=form,
        page=page,
        rows=event_log_words.in_words(page.items),
        verdict=verdict,
        actions=ACTIONS,
    )
