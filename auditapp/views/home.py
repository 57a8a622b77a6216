"""The start page: what each role comes for, one click away."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from auditapp.services import audit_queries, checklists
from auditapp.services.responses import open_disputes

from .access import EVERYONE, roles_required

bp = Blueprint("home", __name__)


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    """Start page: drafts and recent audits for supervisors, own audits for staff."""
    if current_user.role == "staff":
        return redirect(url_for("audits.index"))
    recent = audit_queries.recent_submitted(current_user)
    counts = {**audit_queries.headline_counts(), "checklists": len(checklists.available())}
    drafts = audit_queries.drafts_of(current_user) if current_user.role == "supervisor" else []
    disputes = open_disputes() if current_user.role == "supervisor" else []
    return render_template(
        "home/index.html", recent=recent, drafts=drafts, counts=counts, disputes=disputes
    )
