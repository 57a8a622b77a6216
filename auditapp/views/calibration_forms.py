"""The new calibration session form, and moving data between the audit form (which raters
score on) and the calibration services."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS, Checklist
from auditapp.forms import (
    build_audit_form,
    comment_field_name,
    item_field_name,
    optional_int,
    options,
)
from auditapp.models.calibration import MATERIAL_KINDS, REFERENCE_MODES
from auditapp.services import checklists, choices
from auditapp.services.calibration_answers import interaction_of
from auditapp.services.calibration_sessions import MAX_TEXT, NewSession, possible_raters
from auditapp.validators import InDateWindow, PlainText, choice_id

from . import form_cache


class CalibrationSessionForm(FlaskForm):
    title = StringField(
        "What is scored",
        validators=[InputRequired(), Length(max=200), PlainText()],
        description="Such as “Phone call about a late delivery (recorded 3 March)”.",
    )
    checklist = SelectField("Checklist", choices=[], validators=[InputRequired()])
    channel = SelectField(
        "Channel", choices=options(CHANNEL_LABELS.items()), validators=[InputRequired()]
    )
    material_kind = RadioField("Material", choices=options(MATERIAL_KINDS.items()), default="text")
    material_text = TextAreaField(
        "The written account or transcript (for written material)",
        validators=[Length(max=MAX_TEXT), PlainText()],
        render_kw={"rows": 8},
    )
    upload = FileField("The recording or document (for an upload)")
    staff_member_id = SelectField(
        "Staff member (required for a live observation)",
        coerce=optional_int,
        choices=[],
        validators=[Optional()],
    )
    hide_staff_name = BooleanField("Hide the staff member's name from raters")
    rater_ids = SelectMultipleField(
        "Raters",
        coerce=choice_id,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    lead_rater_id = SelectField(
        "Lead rater (live: their audit is the one that counts)",
        coerce=optional_int,
        choices=[],
        validators=[Optional()],
    )
    reference_mode = RadioField(
        "Reference answer", choices=options(REFERENCE_MODES.items()), default="consensus"
    )
    expert_id = SelectField(
        "Expert (for an expert reference)", coerce=optional_int, choices=[], validators=[Optional()]
    )
    deadline = DateTimeLocalField(
        "Deadline",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(), InDateWindow(with_time=True)],
    )
    submit = SubmitField("Create session")


def new_session_form(formdata=None) -> CalibrationSessionForm:
    """The form with its choices filled (the staff, raters and checklists of now)."""
    kwargs: dict[str, Any] = {} if formdata is not None else {"formdata": None}
    if formdata is None:
        kwargs["deadline"] = (clock.local_now() + timedelta(days=7)).replace(
            second=0, microsecond=0
        )
    form = CalibrationSessionForm(**kwargs)
    form.checklist.choices = options([(c.id, c.title) for c in checklists.available().values()])
    form.staff_member_id.choices = options([("", "— none —"), *choices.active_staff()])
    raters = possible_raters()
    form.rater_ids.choices = options(raters)
    form.lead_rater_id.choices = options([("", "— none —"), *raters])
    form.expert_id.choices = options([("", "— none —"), *raters])
    return form


def new_session_from(form: CalibrationSessionForm) -> NewSession | None:
    """The service's input; None when the chosen checklist is no longer offered."""
    checklist = checklists.available().get(form.checklist.data or "")
    if checklist is None:
        return None
    return NewSession(
        title=form.title.data or "",
        checklist=checklist,
        channel=form.channel.data,
        material_kind=form.material_kind.data,
        material_text=form.material_text.data or "",
        rater_ids=tuple(form.rater_ids.data or ()),
        reference_mode=form.reference_mode.data,
        deadline=form.deadline.data,
        staff_member_id=form.staff_member_id.data,
        hide_staff_name=bool(form.hide_staff_name.data),
        lead_rater_id=form.lead_rater_id.data,
        expert_id=form.expert_id.data,
    )


def new_token() -> str:
    return secrets.token_urlsafe(24)


def scoring_form(checklist: Checklist, session, answer=None, *, consensus: bool = False):
    """The audit form for this session: only its channel offered; filled from `answer`."""
    if answer is None:
        defaults: dict[str, Any] = {
            "token": new_token(),
            "channel": session.channel,
            "observed_at": clock.local_now().replace(second=0, microsecond=0),
        }
        form = build_audit_form(
            checklist, formdata=None, fingerprint=checklist.fingerprint, **defaults
        )
    elif answer == "post":
        form = build_audit_form(checklist)
    else:
        data = {"token": answer.form_token, "fingerprint": checklist.fingerprint}
        data.update(interaction_of(answer))
        data["outcome"] = data.get("outcome") or ""
        for _, item in checklist.iter_items():
            data[item_field_name(item.id)] = answer.answers.get(item.id)
            data[comment_field_name(item.id)] = answer.comments.get(item.id, "")
        form = build_audit_form(checklist, formdata=None, **data)
    form.channel.choices = options([(session.channel, CHANNEL_LABELS[session.channel])])
    if consensus:
        form.submit.label.text = "Record the consensus"
        del form.save_draft  # the consensus is recorded in one go, in review
    else:
        form.submit.label.text = "Submit my answers"
    return form


def render_scoring(view, form, checklist: Checklist, *, consensus: bool = False, status=200):
    """The session's material beside the same form an audit is scored on."""
    endpoint = "calibration.consensus" if consensus else "calibration.score"
    return render_template(
        "calibration/score.html",
        view=view,
        checklist=checklist,
        consensus=consensus,
        amending=False,
        action=url_for(endpoint, session_id=view.id),
        **form_cache.fields_context(checklist, form),
    ), status
