"""Web forms: the fixed ones, and `build_audit_form` which makes one from a checklist."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS, NA, Checklist
from auditapp.models.people import ROLE_LABELS
from auditapp.validators import InDateWindow, PlainText, choice_id, whole_number
from auditapp.vocabulary import CUSTOMER_TYPES, OUTCOMES

ITEM_PREFIX = "item_"
COMMENT_PREFIX = "comment_"


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an id; '' (the "any" choice) is None."""
    if value in ("", None):
        return None
    return choice_id(value)  # ValueError becomes the field's "could not coerce" error


WHOLE_NUMBER_MESSAGE = "Enter a whole number in the digits 0 to 9, such as 12."
MONEY_MESSAGE = "Enter an amount in the digits 0 to 9 with at most 2 decimal places, such as 12.50."
_MONEY = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")


class _ReadOrStop:
    """A number field that could not read what was sent says so, once: no range check
    follows about a value that is not there. (An empty field is left to Optional.)"""

    def pre_validate(self, form):
        if self.process_errors and self.raw_data and self.raw_data[0]:
            raise StopValidation()


class WholeNumberField(_ReadOrStop, IntegerField):
    """An IntegerField read from the ASCII digits only (validators.whole_number): "١٢" or
    "1_2" are refused next to the field rather than stored as 12."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = whole_number(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(WHOLE_NUMBER_MESSAGE) from None


class MoneyField(_ReadOrStop, DecimalField):
    """An amount: ASCII digits with at most two decimal places, nothing else.

    Refused rather than rounded: NaN, sNaN and Infinity (which Decimal() reads, and which
    the range check cannot compare), other digits, exponents, separators, and a third
    decimal, which PostgreSQL's numeric(12, 2) would round and SQLite would keep: refusing
    it stores the same on both, and the supervisor sees the value that was kept.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        if _MONEY.fullmatch(valuelist[0]):
            self.data = Decimal(valuelist[0])
        else:
            self.data = None
            raise ValueError(MONEY_MESSAGE)


def item_field_name(item_id: str) -> str:
    # Item ids use '-', which cannot appear in a Python attribute name; ids never use '_'.
    return ITEM_PREFIX + item_id.replace("-", "_")


def comment_field_name(item_id: str) -> str:
    return COMMENT_PREFIX + item_id.replace("-", "_")


# The service says the same (auditapp/passwords.py); here the browser learns the limits too.
PASSWORD_LENGTH = Length(
    min=8, max=200, message="The password needs at least 8 characters (and at most 200)."
)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), PlainText()])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120), PlainText()])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254), PlainText()])
    role = SelectField("Role", choices=options(ROLE_LABELS.items()))
    staff_member_id = SelectField(
        "Staff member (for a staff login)", coerce=choice_id, choices=[], validate_choice=False
    )
    password = PasswordField("Password", validators=[DataRequired(), PASSWORD_LENGTH])
    submit = SubmitField("Add user")


class PasswordResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), PASSWORD_LENGTH])
    submit = SubmitField("Set password")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=options(ROLE_LABELS.items()))
    submit = SubmitField("Change role")


class OwnPasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change my password")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120), PlainText()])
    submit = SubmitField("Save team")


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120), PlainText()])
    code = StringField(
        "Employee code (optional)", validators=[Optional(), Length(max=40), PlainText()]
    )
    team_id = SelectField("Team", coerce=choice_id, choices=[])
    active = BooleanField("Active (can be observed)", default=True)
    submit = SubmitField("Save staff member")


class RosterForm(FlaskForm):
    roster = TextAreaField(
        "Roster (CSV with a header row: name, team, code)",
        validators=[DataRequired(), Length(max=200_000)],  # rows checked by import_roster
        render_kw={"rows": 6},
    )
    submit = SubmitField("Import roster")


class AuditStartForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only chooses what to score

    staff = SelectField("Staff member", coerce=choice_id, choices=[], validators=[InputRequired()])
    checklist = SelectField("Checklist", choices=[], validators=[InputRequired()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # filters live in the URL so that a view can be bookmarked

    staff = SelectField("Staff member", coerce=optional_int, choices=[], validators=[Optional()])
    team = SelectField("Team", coerce=optional_int, choices=[], validators=[Optional()])
    checklist = SelectField("Checklist", choices=[], validators=[Optional()])
    supervisor = SelectField("Supervisor", coerce=optional_int, choices=[], validators=[Optional()])
    date_from = DateField("From", validators=[Optional(), InDateWindow()])
    date_to = DateField("To", validators=[Optional(), InDateWindow()])
    result = SelectField(
        "Result",
        choices=options([("", "Any result"), ("passed", "Passed"), ("failed", "Failed")]),
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=options([("", "Any status"), ("submitted", "Submitted"), ("draft", "My drafts")]),
        validators=[Optional()],
    )

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class AuditHiddenFields(FlaskForm):
    """The scoring form's hidden fields (with the CSRF token), which every scoring form has."""

    token = HiddenField(validators=[DataRequired(), Length(max=64), PlainText()])
    fingerprint = HiddenField(validators=[DataRequired(), Length(max=64), PlainText()])


class _AuditFormBase(AuditHiddenFields):
    channel = SelectField("Channel", validators=[InputRequired()])
    observed_at = DateTimeLocalField(
        "When it happened",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(), InDateWindow(with_time=True)],
    )
    customer_type = RadioField(
        "Customer type",
        choices=options(CUSTOMER_TYPES.items()),
        validators=[Optional()],
    )
    duration_minutes = WholeNumberField(
        "Duration (minutes)", validators=[Optional(), NumberRange(min=0, max=1440)]
    )
    outcome = SelectField(
        "Outcome",
        choices=options([("", "— not recorded —"), *OUTCOMES.items()]),
        validators=[Optional()],
    )
    monetary_value = MoneyField(
        "Monetary value", places=2, validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    lead_captured = BooleanField("A lead or referral was captured")
    notes = TextAreaField(
        "Overall notes", validators=[Length(max=5000), PlainText()], render_kw={"rows": 4}
    )
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Submit audit")

    def validate_observed_at(self, field):
        # The organisation's wall time, as the supervisor types it; a few minutes of clock
        # difference between the tablet and the server are allowed.
        if field.data and field.data > clock.local_now() + timedelta(minutes=10):
            raise ValidationError("This is in the future: enter when the interaction happened.")


def build_audit_form(checklist: Checklist, *, amend: bool = False, **kwargs) -> FlaskForm:
    """A fresh form class for this checklist (never a shared class mutated per request)."""

    class AuditForm(_AuditFormBase):
        pass

    channels = checklist.channels or tuple(CHANNEL_LABELS)
    AuditForm.channel = SelectField(
        "Channel",
        choices=options((c, CHANNEL_LABELS[c]) for c in channels),
        validators=[InputRequired()],
    )
    for _, item in checklist.iter_items():
        choices = [(o.value, o.label) for o in checklist.scale_for(item)]
        if item.allow_na:
            choices.append((NA, "N/A"))
        setattr(
            AuditForm,
            item_field_name(item.id),
            RadioField(item.text, choices=options(choices), validators=[Optional()]),
        )
        setattr(
            AuditForm,
            comment_field_name(item.id),
            TextAreaField(
                "Comment", validators=[Length(max=2000), PlainText()], render_kw={"rows": 1}
            ),
        )
    if amend:
        AuditForm.reason = TextAreaField(
            "Reason for the amendment",
            validators=[
                DataRequired(message="Say why the audit is being amended."),
                Length(max=2000),
                PlainText(),
            ],
            render_kw={"rows": 2},
        )
    return AuditForm(**kwargs)


class AcknowledgeForm(FlaskForm):
    acknowledge = SubmitField("Acknowledge")


class DisputeForm(FlaskForm):
    comment = TextAreaField(
        "What do you disagree with?",
        validators=[
            DataRequired(message="Write what you disagree with."),
            Length(max=2000),
            PlainText(),
        ],
        render_kw={"rows": 3},
    )
    dispute = SubmitField("Dispute this audit")


class RejectDisputeForm(FlaskForm):
    reason = TextAreaField(
        "Why is the dispute rejected?",
        validators=[
            DataRequired(message="Write why the dispute is rejected."),
            Length(max=2000),
            PlainText(),
        ],
        render_kw={"rows": 2},
    )
    reject = SubmitField("Reject dispute")


class CoachingForm(FlaskForm):
    """A coaching action; the item and section choices come from the checklist."""

    item_ids = SelectMultipleField(
        "Items to work on",
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    section_id = SelectField("Or a whole section", choices=[], validators=[Optional()])
    note = TextAreaField(
        "Note for the staff member",
        validators=[DataRequired(), Length(max=2000), PlainText()],
        render_kw={"rows": 3},
    )
    follow_up_on = DateField("Follow up by", validators=[InputRequired(), InDateWindow()])
    submit = SubmitField("Record coaching action")
