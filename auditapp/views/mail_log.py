"""Email for admins: every message sent, failed or waiting, and the kinds everyone receives
unless they choose otherwise."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp.models.mail import KINDS, STATUSES
from auditapp.services import mail, mail_preferences
from auditapp.validators import query_number

from .access import roles_required
from .mail_forms import KindsForm, MessageFilterForm

bp = Blueprint("mail_log", __name__, url_prefix="/admin/mail")


@bp.route("")
@roles_required("admin")
def index():
    """The messages, newest first, filtered by outcome."""
    form = MessageFilterForm(request.args)
    context = {"form": form, "kinds": KINDS, "statuses": STATUSES}
    if request.args and not form.validate():
        return render_template("mail_log/index.html", page=None, **context), 400
    page = mail.messages_page(
        form.status.data or None,
        page=request.args.get("page", 1, type=query_number),
        per_page=current_app.config["AUDITS_PER_PAGE"],
    )
    return render_template("mail_log/index.html", page=page, **context)


def _defaults_page(form: KindsForm, status: int = 200):
    return render_template("mail_log/defaults.html", form=form, kinds=KINDS), status


@bp.route("/defaults", methods=["GET", "POST"])
@roles_required("admin")
def defaults():
    """Which kinds everyone receives unless they chose for themselves."""
    labels = {"kinds": "Send by default", "submit": "Save the defaults"}
    if request.method == "GET":
        return _defaults_page(KindsForm.of(list(KINDS), mail_preferences.defaults(), labels))
    form = KindsForm.of(list(KINDS), labels=labels)
    if not form.validate():
        return _defaults_page(form, 400)
    mail_preferences.set_defaults(current_user._get_current_object(), form.kinds.data or [])
    flash("The email defaults are saved.", "success")
    return redirect(url_for("mail_log.defaults"))
