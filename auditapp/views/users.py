"""User accounts: admins add users, reset passwords and deactivate logins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp.extensions import db
from auditapp.forms import PasswordResetForm, RoleForm, UserForm, options
from auditapp.models import User
from auditapp.models.people import ROLE_LABELS
from auditapp.services import choices, users

from .access import roles_required

bp = Blueprint("users", __name__, url_prefix="/users")


def _staff_choices(form: UserForm) -> None:
    form.staff_member_id.choices = options(
        [(0, "— not a staff login —"), *choices.unlinked_staff()]
    )


def _list(form: UserForm, status: int = 200):
    role_form = RoleForm(formdata=None)
    role_form.role.choices = options((r, ROLE_LABELS[r]) for r in users.CHANGEABLE_ROLES)
    return render_template(
        "users/index.html", users=users.list_users(), form=form, role_form=role_form
    ), status


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def index():
    """All users, and the form to add one."""
    form = UserForm()
    _staff_choices(form)
    if request.method == "POST":
        if not form.validate():
            return _list(form, 400)
        try:
            user = users.create_user(
                form.email.data,
                form.name.data,
                form.role.data,
                form.password.data,
                staff_member_id=form.staff_member_id.data or None,
                by=current_user,
            )
        except users.PeopleError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
            return _list(form, 400)
        flash(f"Added {user.name} ({user.email}) as {user.role_label.lower()}.", "success")
        return redirect(url_for("users.index"))
    return _list(form)


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def password(user_id: int):
    """Set a new password for a user."""
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            users.reset_password(user, form.password.data, by=current_user)
        except users.PeopleError as exc:
            form.password.errors.append(str(exc))
        else:
            flash(f"New password set for {user.email}; every login of theirs has ended.", "success")
            return redirect(url_for("users.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("users/password.html", form=form, user=user), status


@bp.route("/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def toggle_active(user_id: int):
    """Deactivate or reactivate a login (admins cannot lock themselves out)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400, "You cannot deactivate your own login.")
    users.set_user_active(user, not user.active, by=current_user)
    if user.active:
        flash(f"{user.email} is active again and can log in.", "success")
    else:
        flash(f"{user.email} is deactivated; every login of theirs has ended.", "success")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def role(user_id: int):
    """Give a user another role (not oneself: an admin cannot demote themselves)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400, "You cannot change your own role.")
    form = RoleForm()
    form.role.choices = options((r, ROLE_LABELS[r]) for r in users.CHANGEABLE_ROLES)
    if not form.validate():
        abort(400, "Choose one of the roles offered.")
    try:
        users.change_role(user, form.role.data, by=current_user)
    except users.PeopleError as exc:
        abort(400, str(exc))
    flash(
        f"{user.email} is now {user.role_label.lower()}; their logins have ended, so the "
        "new role applies from their next login.",
        "success",
    )
    return redirect(url_for("users.index"))
