"""The signed-in user's own page: their login, a new password, logging out everywhere, and
which kinds of email they receive."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from auditapp.forms import OwnPasswordForm
from auditapp.models import ROLES, User
from auditapp.services import logins, mail_preferences, users

from .access import roles_required
from .auth import end_session, login_max_age, start_login
from .mail_forms import KindsForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> User:
    return current_user._get_current_object()  # the User the loader read for this request


def _page(form: OwnPasswordForm, status: int = 200, email_form: KindsForm | None = None):
    me = _me()
    if email_form is None:
        choices = mail_preferences.choices_of(me)
        email_form = KindsForm.of(list(choices), choices)
    return render_template(
        "account/index.html",
        me=me,
        form=form,
        email_form=email_form,
        open_logins=logins.open_count(me, max_age=login_max_age()),
    ), status


@bp.route("")
@roles_required(*ROLES)
def index():
    """Who I am, when I last logged in, and the form to change my password."""
    return _page(OwnPasswordForm(formdata=None))


@bp.route("/password", methods=["POST"])
@roles_required(*ROLES)
def password():
    """Change my own password (the current one required); my other logins end."""
    form = OwnPasswordForm()
    if not form.validate():
        return _page(form, 400)
    me = _me()
    try:
        users.change_own_password(me, form.current_password.data, form.password.data)
    except users.PeopleError as exc:
        getattr(form, exc.field or "password").errors.append(str(exc))
        return _page(form, 400)
    start_login(me)  # this device stays logged in, on a new login
    flash("Your password is changed. Every other login of yours has ended.", "success")
    return redirect(url_for("account.index"))


@bp.route("/logout-everywhere", methods=["POST"])
@roles_required(*ROLES)
def logout_everywhere():
    """End every login of mine, this one too."""
    count = users.log_out_everywhere(_me())
    end_session()
    flash(
        f"You are logged out everywhere ({count} login{'s' if count != 1 else ''} ended).",
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/email", methods=["POST"])
@roles_required(*ROLES)
def email():
    """Choose which kinds of email I receive (the ones left unticked stop)."""
    me = _me()
    form = KindsForm.of(mail_preferences.kinds_for(me.role))
    if not form.validate():
        return _page(OwnPasswordForm(formdata=None), 400, email_form=form)
    try:
        mail_preferences.set_own(me, form.kinds.data or [])
    except mail_preferences.PreferenceError as exc:
        form.kinds.errors.append(str(exc))
        return _page(OwnPasswordForm(formdata=None), 400, email_form=form)
    flash("Your email choices are saved.", "success")
    return redirect(url_for("account.index", _anchor="email"))
