"""The signed-in user's own page: their login, a new password, logging out everywhere."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from auditapp.forms import OwnPasswordForm
from auditapp.models import ROLES, User
from auditapp.services import logins, users

from .access import roles_required
from .auth import end_session, login_max_age, start_login

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> User:
    return current_user._get_current_object()  # the User the loader read for this request


def _page(form: OwnPasswordForm, status: int = 200):
    me = _me()
    return render_template(
        "account/index.html",
        me=me,
        form=form,
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
