"""Calibration sessions: several raters score the same interaction on their own, then
compare their answers and the agreement between them."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from auditapp.models import CalibrationSession
from auditapp.services import (
    calibration_access,
    calibration_answers,
    calibration_export,
    calibration_overview,
    calibration_results,
    calibration_sessions,
)
from auditapp.services import calibration_files as files
from auditapp.services.calibration_pages import session_rows, session_view

from . import audit_forms as af
from . import calibration_forms as cf
from .access import READERS, roles_required
from .errors import UNAVAILABLE
from .reports import pdf_response

bp = Blueprint("calibration", __name__, url_prefix="/calibration")


@bp.route("")
@roles_required(*READERS)
def index():
    """The sessions the user belongs to, and agreement across sessions (filters in the URL)."""
    filters = calibration_overview.filters_from(request.args)
    if filters is None:
        abort(400, "Those filters are not ones this page knows: choose them from the form.")
    return render_template(
        "calibration/index.html",
        rows=session_rows(current_user),
        overview=calibration_overview.overview(current_user, filters),
        filters=filters,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*READERS)
def new():
    """A trainer (or supervisor) sets up a session: checklist, material, raters, reference."""
    # This page alone takes a recording: allow its size (plus the form) in the request.
    request.max_content_length = files.limit() + 1024 * 1024
    if request.method == "GET":
        return _new_page(cf.new_session_form())
    form = cf.new_session_form(request.form)
    if not form.validate():
        return _new_page(form), 400
    new_session = cf.new_session_from(form)
    if new_session is None:
        form.checklist.errors = ["That checklist is no longer offered; choose another."]
        return _new_page(form), 400
    upload = None
    if form.material_kind.data == "upload" and form.upload.data:
        try:
            upload = files.check(form.upload.data.filename, form.upload.data.stream)
        except files.UploadError as exc:
            form.upload.errors = [str(exc)]
            return _new_page(form), 400
    try:
        session = calibration_sessions.create(current_user, new_session, upload)
    except calibration_sessions.CalibrationError as exc:
        af.show_errors(form, exc)
        return _new_page(form), 400
    flash(f"Calibration session #{session.id} created; the raters can score it now.", "success")
    return redirect(url_for("calibration.show", session_id=session.id))


@bp.route("/<int:session_id>")
@roles_required(*READERS)
def show(session_id: int):
    """The session: its material, who has submitted (never what), and the next step."""
    session = _member_session(session_id)
    return render_template("calibration/show.html", view=session_view(session, current_user))


@bp.route("/<int:session_id>/score", methods=["GET", "POST"])
@roles_required(*READERS)
def score(session_id: int):
    """A rater scores the material on the same form as an audit: drafts, then submit."""
    session = _member_session(session_id)
    if current_user.id not in calibration_access.rater_ids(session):
        abort(403)
    view = session_view(session, current_user)
    checklist = calibration_access.checklist_of(session)
    mine = calibration_access.own_answer(session, current_user)
    if mine is not None and mine.status == "submitted":
        flash("Your answers were already submitted; nothing was stored twice.", "info")
        return redirect(url_for("calibration.results", session_id=session.id))
    if view.status != "open":
        flash(calibration_answers.late_message(session), "warning")
        return redirect(url_for("calibration.show", session_id=session.id))
    if request.method == "GET":
        form = cf.scoring_form(checklist, session, mine)
        return cf.render_scoring(view, form, checklist)
    form = cf.scoring_form(checklist, session, "post")
    if not form.validate():
        return cf.render_scoring(view, form, checklist, status=400)
    try:
        answer, changed = calibration_answers.save_answers(
            session,
            current_user,
            token=form.token.data,
            interaction=af.interaction_from(form),
            entry=af.answers_from(form, checklist),
            submit=bool(form.submit.data),
        )
    except af.audit_service.AuditError as exc:  # CalibrationError too
        af.show_errors(form, exc)
        return cf.render_scoring(view, form, checklist, status=400)
    except UNAVAILABLE:
        form.form_errors.append(af.NOT_SAVED)
        return cf.render_scoring(view, form, checklist, status=503)
    if answer.status == "draft":
        flash("Draft saved. Nobody else sees it.", "success")
        return redirect(url_for("calibration.score", session_id=session.id))
    if changed:
        flash("Your answers are submitted: here is how they compare.", "success")
    else:
        flash("Your answers were already submitted; nothing was stored twice.", "info")
    return redirect(url_for("calibration.results", session_id=session.id))


@bp.route("/<int:session_id>/consensus", methods=["GET", "POST"])
@roles_required(*READERS)
def consensus(session_id: int):
    """In review, the trainer records the answers the raters agreed on (the same form)."""
    session = _member_session(session_id)
    view = session_view(session, current_user)
    if not calibration_access.can_manage(current_user, session):
        abort(403)
    checklist = calibration_access.checklist_of(session)
    if not view.can_consensus:
        flash("The consensus is recorded in review, for a session with a consensus reference.")
        return redirect(url_for("calibration.show", session_id=session.id))
    if request.method == "GET":
        form = cf.scoring_form(
            checklist, session, calibration_access.consensus_of(session), consensus=True
        )
        form.token.data = cf.new_token()  # a new recording, not the old one
        return cf.render_scoring(view, form, checklist, consensus=True)
    form = cf.scoring_form(checklist, session, "post", consensus=True)
    if not form.validate():
        return cf.render_scoring(view, form, checklist, consensus=True, status=400)
    try:
        calibration_answers.record_consensus(
            session,
            current_user,
            token=form.token.data,
            interaction=af.interaction_from(form),
            entry=af.answers_from(form, checklist),
        )
    except af.audit_service.AuditError as exc:
        af.show_errors(form, exc)
        return cf.render_scoring(view, form, checklist, consensus=True, status=400)
    flash("Consensus recorded: it is the reference in the results.", "success")
    return redirect(url_for("calibration.results", session_id=session.id))


@bp.route("/<int:session_id>/close", methods=["POST"])
@roles_required(*READERS)
def close(session_id: int):
    """End the session; its results stay."""
    session = _member_session(session_id)
    try:
        calibration_sessions.close(session, current_user)
    except calibration_sessions.CalibrationError as exc:
        if not calibration_access.can_manage(current_user, session):
            abort(403)
        abort(400, exc.problems.get("", str(exc)))
    flash(f"Calibration session #{session.id} is closed.", "success")
    return redirect(url_for("calibration.results", session_id=session.id))


@bp.route("/<int:session_id>/results")
@roles_required(*READERS)
def results(session_id: int):
    """Every rater's answers beside the reference, and how well they agree."""
    session = _answers_session(session_id)
    return render_template(
        "calibration/results.html",
        view=session_view(session, current_user),
        results=calibration_results.results_of(session),
    )


@bp.route("/<int:session_id>/results.json")
@roles_required(*READERS)
def results_json(session_id: int):
    """The results as JSON (documented in docs/calibration.md)."""
    session = _answers_session(session_id)
    return jsonify(calibration_export.as_json(calibration_results.results_of(session)))


@bp.route("/<int:session_id>/results.pdf")
@roles_required(*READERS)
def results_pdf(session_id: int):
    """The results page as a PDF, made from the same partials."""
    session = _answers_session(session_id)
    pdf = calibration_export.results_pdf(session_view(session, current_user), session)
    calibration_sessions.note_results_printed(session, current_user)
    return pdf_response(pdf, f"calibration-{session.id}.pdf")


@bp.route("/<int:session_id>/material")
@roles_required(*READERS)
def material(session_id: int):
    """The uploaded recording or document, to the session's members only, never as HTML."""
    session = _member_session(session_id)
    if not session.upload_file:
        abort(404)
    try:
        path = files.path_of(session.upload_file)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        current_app.logger.error("calibration upload %s is missing", session.upload_file)
        abort(404)
    calibration_sessions.note_material_opened(session, current_user)
    response = send_file(
        path,
        mimetype=session.upload_type,
        as_attachment=not files.shown_inline(session.upload_name or ""),
        download_name=session.upload_name or "material",
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _new_page(form):
    return render_template(
        "calibration/new.html",
        form=form,
        allowed_text=files.ALLOWED_TEXT,
        upload_limit_mb=f"{files.limit_mb():g}",
    )


def _member_session(session_id: int) -> CalibrationSession:
    session = calibration_access.load(session_id) or abort(404)
    if not calibration_access.can_open(current_user, session):
        abort(403)
    return session


def _answers_session(session_id: int) -> CalibrationSession:
    """The session, if the user may see its answers now (blind until submitted)."""
    session = _member_session(session_id)
    if not calibration_access.can_see_answers(current_user, session):
        abort(403, "Blind until submitted: submit your own answers first.")
    return session
