"""Moving data between the generated audit form, the audit service and the templates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS, Checklist
from auditapp.extensions import db
from auditapp.forms import (
    AuditFilterForm,
    AuditStartForm,
    build_audit_form,
    comment_field_name,
    item_field_name,
    options,
)
from auditapp.models import Audit, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import checklists, choices, people
from auditapp.services.audit_queries import AuditFilters
from auditapp.validators import choice_id

from . import form_cache


def fill_start_choices(form: AuditStartForm) -> None:
    form.staff.choices = options(choices.active_staff())
    form.checklist.choices = options([(c.id, c.title) for c in checklists.available().values()])


def chosen_start(args: Mapping[str, str]) -> tuple[StaffMember, Checklist] | None:
    """The active staff member and available checklist the URL names, or None.

    Read as AuditStartForm reads them (the staff id through choice_id()), but checked against
    just that staff member rather than the whole roster.
    """
    checklist = checklists.available().get(args.get("checklist", ""))
    try:
        staff_id = choice_id(args.get("staff", ""))
    except ValueError:
        return None
    if checklist is None or staff_id == 0:
        return None
    staff = people.active_staff_member(staff_id)
    return None if staff is None else (staff, checklist)


def render_start(args: Mapping[str, str]):
    """The choice of staff member and checklist; 400 with the reasons if a choice was refused."""
    form = AuditStartForm(args)
    fill_start_choices(form)
    if not ("staff" in args and "checklist" in args):
        return render_template("audits/start.html", form=form)
    form.validate()
    return render_template("audits/start.html", form=form), 400


def fill_filter_choices(form: AuditFilterForm, user: User) -> None:
    if user.role == "staff":
        form.staff.choices = options([("", "Me")])
        form.team.choices = options([("", "Any team")])
        form.supervisor.choices = options([("", "Any supervisor")])
    else:
        form.staff.choices = options([("", "Any staff member"), *choices.staff_names()])
        form.team.choices = options([("", "Any team"), *choices.team_names()])
        form.supervisor.choices = options([("", "Any supervisor"), *choices.supervisor_names()])
    form.checklist.choices = options([("", "Any checklist"), *choices.checklists_in_use()])
    if user.role != "supervisor":
        form.status.choices = options([("", "Submitted")])


def filters_from(form: AuditFilterForm) -> AuditFilters:
    return AuditFilters(
        staff_id=form.staff.data,
        team_id=form.team.data,
        checklist_id=form.checklist.data or None,
        supervisor_id=form.supervisor.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        result=form.result.data or None,
        status=form.status.data or None,
    )


def describe_filters(form: AuditFilterForm) -> str:
    """The filters in use, in words, for the cover page of a printed batch."""
    parts = []
    for field in (form.staff, form.team, form.checklist, form.supervisor, form.result, form.status):
        if field.data not in (None, ""):
            labels = {c.value: c.label for c in field.choices}
            value = field.data if field.data in labels else str(field.data)
            parts.append(f"{field.label.text}: {labels.get(value, field.data)}")
    if form.date_from.data:
        parts.append(f"from {form.date_from.data:%d %b %Y}")
    if form.date_to.data:
        parts.append(f"to {form.date_to.data:%d %b %Y}")
    return "; ".join(parts)


def new_defaults(checklist: Checklist) -> dict[str, Any]:
    channels = checklist.channels or ("in_person",)
    return {
        "token": secrets.token_urlsafe(24),
        "fingerprint": checklist.fingerprint,
        "channel": channels[0],
        "observed_at": clock.local_now().replace(second=0, microsecond=0),
    }


# The form's fields that describe the interaction (the rest are items and comments).
INTERACTION_FIELDS = (
    "channel",
    "observed_at",
    "customer_type",
    "duration_minutes",
    "outcome",
    "monetary_value",
    "lead_captured",
    "notes",
)


def audit_defaults(audit: Audit, checklist: Checklist) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": audit.form_token,
        "fingerprint": checklist.fingerprint,
        **{name: getattr(audit, name) for name in INTERACTION_FIELDS},
    }
    data["outcome"] = audit.outcome or ""
    for _, item in checklist.iter_items():
        data[item_field_name(item.id)] = audit.answers.get(item.id)
        data[comment_field_name(item.id)] = audit.comments.get(item.id, "")
    return data


def interaction_from(form: FlaskForm) -> audit_service.Interaction:
    return audit_service.Interaction(
        channel=form.channel.data,
        observed_at=form.observed_at.data,
        customer_type=form.customer_type.data or None,
        duration_minutes=form.duration_minutes.data,
        outcome=form.outcome.data or None,
        monetary_value=form.monetary_value.data,
        lead_captured=bool(form.lead_captured.data),
        notes=(form.notes.data or "").strip(),
    )


def answers_from(form: FlaskForm, checklist: Checklist) -> audit_service.Answers:
    answers, comments = {}, {}
    for _, item in checklist.iter_items():
        answers[item.id] = form[item_field_name(item.id)].data
        comments[item.id] = form[comment_field_name(item.id)].data
    return audit_service.Answers.clean(answers, comments)


def show_errors(form: FlaskForm, error: audit_service.AuditError) -> None:
    """Put each problem next to its field; problems with no field go to the top."""
    for key, message in error.problems.items():
        name = item_field_name(key[5:]) if key.startswith("item:") else key
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def checklist_changed(form: FlaskForm, checklist: Checklist, staff: StaffMember):
    """The YAML changed while the supervisor was scoring: show the new form, answers kept."""
    form.fingerprint.data = checklist.fingerprint
    form.form_errors.append(
        "The checklist was updated while you were scoring. Your answers are kept where the "
        "items still exist: check them, then save or submit again."
    )
    return render_form(form, checklist, staff, status=409)


NOT_SAVED = (
    "Your audit could not be saved: the database cannot be written to just now. "
    "Your answers are still in the form; try again in a moment."
)


def not_saved(
    form: FlaskForm,
    checklist: Checklist,
    staff: StaffMember | None = None,
    *,
    audit: Audit | None = None,
    amending: bool = False,
):
    """The database refused the write: the same form back, every answer as typed, and why.

    The form keeps its token, so sending it again later stores the audit once.
    """
    db.session.rollback()  # first: until then the session refuses even to read the staff member
    form.form_errors.append(NOT_SAVED)
    staff = staff or audit.staff_member
    return render_form(form, checklist, staff, audit=audit, amending=amending, status=503)


def render_blank_form(checklist: Checklist, staff: StaffMember, channel: str | None = None):
    """A new audit's form: its items as rendered for every blank form of this version;
    `channel` (from a plan's "Start" link) is chosen in advance. 400 for a channel the
    checklist is not used on."""
    defaults = new_defaults(checklist)
    if channel:
        if channel not in (checklist.channels or CHANNEL_LABELS):
            abort(400, f"{checklist.title} is not used on the channel “{channel}”.")
        defaults["channel"] = channel
    form = build_audit_form(checklist, formdata=None, **defaults)
    return render_form(form, checklist, staff, items=form_cache.blank_items(checklist, form))


def render_form(
    form: FlaskForm,
    checklist: Checklist,
    staff: StaffMember,
    *,
    audit: Audit | None = None,
    amending: bool = False,
    status: int = 200,
    items: Markup | None = None,
):
    """The scoring form's page; `items`, when given, are the items already rendered."""
    if audit is None:
        action = url_for("audits.new", staff=staff.id, checklist=checklist.id)
    elif amending:
        action = url_for("audits.amend", audit_id=audit.id)
    else:
        action = url_for("audits.edit", audit_id=audit.id)
    return render_template(
        "audits/form.html",
        checklist=checklist,
        staff=staff,
        audit=audit,
        amending=amending,
        action=action,
        items=items,
        **form_cache.fields_context(checklist, form),
    ), status


def after_save(audit: Audit, created: bool):
    if audit.status == "draft":
        name = audit.staff_member.name
        flash(f"Draft #{audit.id} saved for {name}. It is only visible to you.", "success")
        return redirect(url_for("audits.edit", audit_id=audit.id))
    if created:
        flash(f"Audit #{audit.id} submitted: {_score_text(audit)}.", "success")
    else:
        flash(f"Audit #{audit.id} was already saved; nothing was stored twice.", "info")
    return redirect(url_for("audits.show", audit_id=audit.id))


def _score_text(audit: Audit) -> str:
    if audit.overall is None:
        return "no score (every item was N/A)"
    verdict = "passed" if audit.passed else "failed"
    return f"{audit.overall:.1f}%, {verdict}"
