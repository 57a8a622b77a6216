"""Moving data between the generated audit form, the audit service and the templates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import bindparam, select

from auditapp.checklists import Checklist
from auditapp.extensions import db
from auditapp.forms import (
    AuditFilterForm,
    AuditStartForm,
    build_audit_form,
    comment_field_name,
    item_field_name,
    options,
)
from auditapp.models import Audit, StaffMember, Team, User
from auditapp.models.quick_reads import read_row
from auditapp.services import audits as audit_service
from auditapp.services import checklists
from auditapp.services.audit_queries import AuditFilters
from auditapp.validators import choice_id

from . import form_cache


def fill_start_choices(form: AuditStartForm) -> None:
    staff = db.session.execute(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.name)
    ).scalars()
    form.staff.choices = options(
        [(s.id, s.name + (f" ({s.team.name})" if s.team else "")) for s in staff]
    )
    form.checklist.choices = options([(c.id, c.title) for c in checklists.available().values()])


@dataclass(frozen=True)
class Observed:
    """The staff member a form is about, as its page shows them."""

    id: int
    name: str
    team: str | None

    @classmethod
    def of(cls, staff: StaffMember) -> Observed:
        return cls(staff.id, staff.name, staff.team.name if staff.team else None)


# Built once: building the statement cost as much as running it, on every form GET.
# Table columns rather than the models' attributes: a Core statement skips the ORM's
# per-execution work.
_staff, _team = StaffMember.__table__, Team.__table__
_ACTIVE_STAFF = (
    select(_staff.c.id, _staff.c.name, _team.c.name)
    .select_from(_staff.outerjoin(_team, _staff.c.team_id == _team.c.id))
    .where(_staff.c.id == bindparam("staff_id"), _staff.c.active.is_(True))
)


def chosen_start(args: Mapping[str, str]) -> tuple[Observed, Checklist] | None:
    """The active staff member and available checklist the URL names, or None.

    Read as AuditStartForm reads them (the staff id through choice_id()), but checked against
    just that staff member (one row) rather than the whole roster: this runs on every form GET.
    """
    checklist = checklists.available().get(args.get("checklist", ""))
    try:
        staff_id = choice_id(args.get("staff", ""))
    except ValueError:
        return None
    if checklist is None or staff_id == 0:
        return None
    row = read_row(_ACTIVE_STAFF, {"staff_id": staff_id})
    return None if row is None else (Observed(*row), checklist)


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
        people = db.session.execute(select(StaffMember).order_by(StaffMember.name)).scalars()
        form.staff.choices = options([("", "Any staff member")] + [(s.id, s.name) for s in people])
        teams = db.session.execute(select(Team).order_by(Team.name)).scalars()
        form.team.choices = options([("", "Any team")] + [(t.id, t.name) for t in teams])
        sups = db.session.execute(
            select(User).where(User.role == "supervisor").order_by(User.name)
        ).scalars()
        form.supervisor.choices = options([("", "Any supervisor")] + [(u.id, u.name) for u in sups])
    stored = db.session.execute(select(Audit.checklist_id).distinct()).scalars()
    ids = sorted(set(stored) | set(checklists.available()))
    titles = {c.id: c.title for c in checklists.available().values()}
    form.checklist.choices = options([("", "Any checklist")] + [(i, titles.get(i, i)) for i in ids])
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
        "observed_at": datetime.now().replace(second=0, microsecond=0),
    }


def audit_defaults(audit: Audit, checklist: Checklist) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": audit.form_token,
        "fingerprint": checklist.fingerprint,
        **{
            name: getattr(audit, name)
            for name in (
                "channel",
                "observed_at",
                "customer_type",
                "duration_minutes",
                "outcome",
                "monetary_value",
                "lead_captured",
                "notes",
            )
        },
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


def render_blank_form(checklist: Checklist, staff: Observed):
    """A new audit's form: fresh hidden fields, the rest as rendered for every blank form."""
    defaults = new_defaults(checklist)

    def render() -> str:
        fields = form_cache.blank_fields(
            checklist,
            defaults["observed_at"],
            lambda: build_audit_form(checklist, formdata=None, **defaults),
        )
        # The hidden fields as plain pairs: building a form object to write three inputs
        # cost as much as the rest of the page.
        hidden = [("token", defaults["token"]), ("fingerprint", defaults["fingerprint"])]
        return render_form(None, checklist, staff, fields=fields, hidden=hidden)[0]

    if "_flashes" in session or current_app.jinja_env.auto_reload:
        return render(), 200  # a message to show once, or templates being edited
    user = current_user
    key = (
        request.script_root,
        current_app.config["WTF_CSRF_ENABLED"],
        checklist.id,
        checklist.fingerprint,
        staff,
        user.name,
        user.role,
        user.staff_member_id,
    )
    # generate_csrf() is what the template's csrf_token() returns for the rest of the request.
    tokens = (generate_csrf(), defaults["token"])
    minute = (f"{defaults['observed_at']:%Y-%m-%dT%H:%M}",)  # as the datetime-local input
    return form_cache.blank_page(key, tokens, minute, render), 200


def render_form(
    form: FlaskForm | None,
    checklist: Checklist,
    staff: StaffMember | Observed,
    *,
    audit: Audit | None = None,
    amending: bool = False,
    status: int = 200,
    fields: Markup | None = None,
    hidden: list[tuple[str, str]] | None = None,
):
    """The scoring form's page; `fields`, when given, are the fields already rendered, and
    with no `form`, `hidden` are the hidden fields' names and values."""
    staff = staff if isinstance(staff, Observed) else Observed.of(staff)
    if audit is None:
        action = url_for("audits.new", staff=staff.id, checklist=checklist.id)
    elif amending:
        action = url_for("audits.amend", audit_id=audit.id)
    else:
        action = url_for("audits.edit", audit_id=audit.id)
    if fields is None:
        context = form_cache.fields_context(checklist, form)
    else:
        context = {"form": form, "hidden": hidden}
    return render_template(
        "audits/form.html",
        checklist=checklist,
        staff=staff,
        audit=audit,
        amending=amending,
        action=action,
        fields=fields,
        **context,
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
