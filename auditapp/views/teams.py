"""Teams: the list, adding and renaming."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auditapp.extensions import db
from auditapp.forms import TeamForm
from auditapp.models import Team
from auditapp.services import choices, people

from .access import READERS, STAFF_MANAGERS, roles_required

bp = Blueprint("teams", __name__, url_prefix="/teams")


def _list(form: TeamForm, status: int = 200):
    return render_template("teams/index.html", rows=choices.teams_with_sizes(), form=form), status


@bp.route("", methods=["GET", "POST"])
@roles_required(*READERS)
def index():
    """All teams with their number of active staff members; admins and supervisors add."""
    form = TeamForm()
    if request.method == "POST":
        if current_user.role not in STAFF_MANAGERS:
            abort(403)
        if not form.validate():
            return _list(form, 400)
        try:
            team = people.create_team(form.name.data, by=current_user)
        except people.PeopleError as exc:
            form.name.errors.append(str(exc))
            return _list(form, 400)
        flash(f"Added the team {team.name}.", "success")
        return redirect(url_for("teams.index"))
    return _list(form)


@bp.route("/<int:team_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_MANAGERS)
def edit(team_id: int):
    """Rename a team."""
    team = db.get_or_404(Team, team_id)
    form = TeamForm(obj=team if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        try:
            people.rename_team(team, form.name.data, by=current_user)
        except people.PeopleError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Saved the team {team.name}.", "success")
            return redirect(url_for("teams.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("teams/edit.html", form=form, team=team), status
