"""The start page: what each role comes for, one click away."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from auditapp import clock
from auditapp.services import audit_queries, checklists, plan_compliance, plan_queue
from auditapp.services.responses import open_disputes

from .access import EVERYONE, roles_required

bp = Blueprint("home", __name__)


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    """Start page: a supervisor's queue, a summary for trainers and admins; staff go to
    their own audits."""
    if current_user.role == "staff":
        return redirect(url_for("audits.index"))
    if current_user.role == "supervisor":
        return render_template(
            "home/queue.html",
            queue=plan_queue.queue_for(current_user),
            drafts=audit_queries.drafts_of(current_user),
            disputes=open_disputes(),
            calibration=plan_queue.calibration_awaiting(current_user),
        )
    recent = audit_queries.recent_submitted(current_user)
    counts = {**audit_queries.headline_counts(), "checklists": len(checklists.available())}
    compliance = [plan_compliance.compliance(kind, clock.today()) for kind in ("week", "month")]
    return render_template(
        "home/index.html",
        recent=recent,
        counts=counts,
        compliance=[c for c in compliance if c.total.pairs],
    )
