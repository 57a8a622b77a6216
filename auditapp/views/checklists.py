"""The checklists in use: list, problems in the folder, and each checklist's items."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, make_response, render_template

from auditapp.checklists import Checklist
from auditapp.services import checklists

from .access import READERS, roles_required

bp = Blueprint("checklists", __name__, url_prefix="/checklists")


@bp.route("")
@roles_required(*READERS)
def index():
    """Every valid checklist, and what is wrong with the files that are not."""
    current = checklists.registry()
    return render_template(
        "checklists/index.html",
        checklists=list(current.checklists.values()),
        problems=current.problems,
        conflicts=checklists.version_conflicts(),
    )


def checklist_or_404(checklist_id: str) -> Checklist:
    """The valid checklist of that id, else a 404: one that says the file is invalid, and
    what to fix, when the file is there but invalid (rather than "not found")."""
    current = checklists.registry()
    checklist = current.checklists.get(checklist_id)
    if checklist is not None:
        return checklist
    problems = [p for p in current.problems if Path(p.file).stem == checklist_id]
    if not problems:
        abort(404)
    page = render_template("checklists/invalid.html", name=checklist_id, problems=problems)
    abort(make_response(page, 404))


@bp.route("/<checklist_id>")
@roles_required(*READERS)
def show(checklist_id: str):
    """One checklist's sections and items, as a supervisor will score them."""
    return render_template("checklists/show.html", checklist=checklist_or_404(checklist_id))
