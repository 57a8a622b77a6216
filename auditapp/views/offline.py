"""JSON endpoints for scoring offline (issue 19; services/offline.py): the package a
supervisor's device keeps, and the audits it sends when the connection returns.

The device sends an audit with a CSRF token in the X-CSRFToken header (Flask-WTF checks it
before the view, as for every form) and is answered in JSON: 201 stored, 200 stored already
(the same form token sent again), 409 a different copy of an audit already submitted, 422
what cannot be stored and why (by field), 400 a body that is not an audit at all.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from auditapp.checklists import Checklist
from auditapp.forms import build_audit_form, comment_field_name, item_field_name
from auditapp.services import audits as audit_service
from auditapp.services import offline

from . import audit_forms as af
from . import form_cache
from .access import roles_required

bp = Blueprint("offline", __name__, url_prefix="/offline")


# What the service worker keeps so that the app opens with no connection: the offline page
# (the one page that works offline) and the files every page loads. No other page is kept.
SHELL_STATIC = (
    "app.css",
    "heatmap.css",
    "glance.css",
    "favicon.svg",
    "manifest.webmanifest",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "offline/app.js",
    "offline/form_page.js",
    "offline/store.js",
    "offline/send.js",
    "offline/page.js",
    "offline/audit_view.js",
)
SHELL_BOOTSTRAP = ("css/bootstrap.min.css", "umd/popper.min.js", "js/bootstrap.min.js")


@bp.route("/")
@roles_required("supervisor")
def index():
    """Scoring offline: what is kept on this device, the audits waiting to be sent, and a
    form to score a new audit with no connection. The page is filled in by
    static/offline/page.js from the device's own store; without JavaScript it says so."""
    return render_template("offline/index.html")


@bp.route("/sw.js")
@roles_required("supervisor")
def service_worker():
    """The service worker, for the whole site (Service-Worker-Allowed: /). Its cache's name
    changes whenever a file it keeps changes, so a new release replaces the old files."""
    shell = [url_for("offline.index")]
    shell += [url_for("static", filename=name) for name in SHELL_STATIC]
    shell += [url_for("bootstrap.static", filename=name) for name in SHELL_BOOTSTRAP]
    body = render_template("offline/sw.js", shell=shell, version=_shell_version())
    return current_app.response_class(
        body,
        mimetype="text/javascript",
        headers={"Service-Worker-Allowed": "/"},
    )


@bp.route("/package.json")
@roles_required("supervisor")
def package():
    """What the device keeps: each checklist's blank form (rendered here, as the form page
    renders it), the roster, and a fresh CSRF token for sending what waits."""
    kept = offline.package(current_user)
    return jsonify(
        supervisor=current_user.id,
        refreshed_at=kept.refreshed_at.isoformat(timespec="minutes"),
        csrf_token=generate_csrf(),
        # The form's interaction fields, which a send carries under "interaction": one list,
        # the server's, rather than a copy in the device's script.
        interaction_fields=list(af.INTERACTION_FIELDS),
        checklists=[
            {
                "id": c.id,
                "title": c.title,
                "version": c.version,
                "fingerprint": c.fingerprint,
                "form_html": _blank_form(c),
            }
            for c in kept.checklists
        ],
        staff=[{"id": i, "label": label} for i, label in kept.staff],
    )


@bp.route("/audits", methods=["POST"])
@roles_required("supervisor")
def send():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _problem(400, "Send the audit as a JSON object.")
    staff_id = body.get("staff_member_id")
    if type(staff_id) is not int or not 0 < staff_id < 2**31:
        return _problem(400, "staff_member_id must be a staff member's id (a whole number).")
    fingerprint = body.get("fingerprint")
    checklist = offline.pinned_checklist(fingerprint) if isinstance(fingerprint, str) else None
    if checklist is None:
        return _problem(
            422,
            "This checklist version is not known here: refresh what is kept offline, "
            "then score the audit again.",
            field="fingerprint",
        )
    staff = offline.staff_member(staff_id)
    if staff is None:
        return _problem(422, "There is no such staff member.", field="staff_member_id")
    try:
        formdata = _formdata(body, checklist)
    except ValueError as exc:
        return _problem(400, str(exc))
    form = build_audit_form(checklist, formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return jsonify(
            status="invalid",
            message="The audit cannot be stored as it is: see each field's problem.",
            problems={name: list(errors) for name, errors in form.errors.items()},
        ), 422
    entry = af.answers_from(form, checklist)
    submit = bool(form.submit.data)
    stored = offline.earlier(form.token.data, current_user, entry.answers, staff.id)
    if stored is not None and stored.audit.status == "submitted":
        if stored.same:
            return _stored(stored.audit, 200)
        return jsonify(
            status="conflict",
            message=(
                "This audit was already submitted, and what is stored differs from this "
                "copy (it was amended, or sent with other answers). Nothing was changed; "
                "the copy's answers are kept for you to review."
            ),
            answers=entry.answers,
            comments=entry.comments,
            url=url_for("audits.show", audit_id=stored.audit.id)
            if stored.audit.supervisor_id == current_user.id
            else None,
        ), 409
    try:
        audit, created = audit_service.start(
            supervisor=current_user,
            staff=staff,
            checklist=checklist,
            token=form.token.data,
            interaction=af.interaction_from(form),
            entry=entry,
            submit=submit,
        )
    except audit_service.AuditError as exc:
        return jsonify(
            status="invalid",
            message="; ".join(exc.problems.values()),
            problems={_field(k): [v] for k, v in exc.problems.items()},
        ), 422
    return _stored(audit, 201 if created else 200)


def _formdata(body: dict[str, Any], checklist) -> MultiDict:
    """The JSON audit as the scoring form's fields, so that it is checked by the very rules
    the form page uses."""
    answers, comments = body.get("answers", {}), body.get("comments", {})
    interaction = body.get("interaction", {})
    if not all(isinstance(x, dict) for x in (answers, comments, interaction)):
        raise ValueError("answers, comments and interaction must be JSON objects.")
    values = [("token", body.get("token")), ("fingerprint", body.get("fingerprint"))]
    for name in af.INTERACTION_FIELDS:
        if name == "lead_captured":  # a checkbox: sent as true, ticked as "y"
            values.append((name, "y" if interaction.get(name) is True else None))
        else:
            values.append((name, interaction.get(name)))
    for _, item in checklist.iter_items():
        values.append((item_field_name(item.id), answers.get(item.id)))
        values.append((comment_field_name(item.id), comments.get(item.id)))
    values.append(("submit" if body.get("submit") is True else "save_draft", "y"))
    for name, value in values:
        if value is not None and not isinstance(value, str | int | float):
            raise ValueError(f"{name} must be a string or a number.")
    return MultiDict([(k, str(v)) for k, v in values if v is not None and v != ""])


def _field(key: str) -> str:
    """A service's problem key as the form field it belongs to, as the form page shows it."""
    if key.startswith("item:"):
        return item_field_name(key[5:])
    return key or "form"


def _stored(audit, status: int):
    return jsonify(
        status=audit.status,
        id=audit.id,
        overall=None if audit.overall is None else float(audit.overall),
        passed=audit.passed,
        url=url_for("audits.show", audit_id=audit.id)
        if audit.status == "submitted"
        else url_for("audits.edit", audit_id=audit.id),
    ), status


def _problem(status: int, message: str, field: str | None = None):
    body: dict[str, Any] = {"status": "invalid", "message": message}
    if field:
        body["problems"] = {field: [message]}
    return jsonify(body), status


def _blank_form(checklist: Checklist) -> Markup:
    """The fields of a new audit's form for this checklist version, without the hidden
    fields (the device makes its own form token) and with no time filled in."""
    form = build_audit_form(
        checklist, formdata=None, meta={"csrf": False}, fingerprint=checklist.fingerprint
    )
    return Markup(
        render_template(
            "offline/_blank_form.html",
            checklist=checklist,
            items=form_cache.blank_items(checklist, form),
            **form_cache.fields_context(checklist, form),
        )
    )


def _shell_version() -> str:
    static = Path(current_app.static_folder)
    bootstrap = Path(current_app.blueprints["bootstrap"].static_folder)
    paths = [static / n for n in SHELL_STATIC] + [bootstrap / n for n in SHELL_BOOTSTRAP]
    return _digest(tuple(paths))


@functools.cache
def _digest(paths: tuple[Path, ...]) -> str:
    """A digest of the files the service worker keeps (read once per process: they do not
    change while it runs)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
