"""The forms of the plan pages: a plan, ending one, and the compliance page's period."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from auditapp import clock
from auditapp.checklists import CHANNEL_LABELS
from auditapp.forms import WholeNumberField, optional_int, options
from auditapp.models.plans import MAX_PER_PERIOD, MIN_PER_PERIOD, PERIODS
from auditapp.services import checklists, choices, plans
from auditapp.validators import InDateWindow


class PlanForm(FlaskForm):
    team = SelectField("Team", coerce=optional_int, validators=[InputRequired("Choose a team.")])
    staff_member = SelectField(
        "Staff member",
        coerce=optional_int,
        validators=[Optional()],
        description="Leave as “The whole team”, or choose one person: their own plan "
        "replaces the team's plans for this checklist.",
    )
    checklist = SelectField("Checklist", validators=[InputRequired("Choose a checklist.")])
    audits_per_period = WholeNumberField(
        "Audits per period",
        validators=[
            InputRequired("Enter how many audits each person should get."),
            NumberRange(
                MIN_PER_PERIOD,
                MAX_PER_PERIOD,
                f"Enter a number from {MIN_PER_PERIOD} to {MAX_PER_PERIOD}.",
            ),
        ],
    )
    period = RadioField(
        "Period",
        choices=options(PERIODS.items()),
        default="month",
        validators=[InputRequired("Choose a week or a month.")],
    )
    channel = SelectField(
        "Channel", validators=[Optional()], description="Only audits on this channel count."
    )
    spread_supervisors = BooleanField(
        "Share among supervisors",
        description="No one supervisor does all of a person's audits: with two or more a "
        "period, at least one must be by another supervisor.",
    )
    submit = SubmitField("Save plan")

    def fill(self) -> None:
        self.team.choices = options([("", "Choose a team"), *choices.team_names()])
        people = [(i, name) for i, name, _ in plans.staff_choices()]
        self.staff_member.choices = options([("", "The whole team"), *people])
        titles = [(c.id, c.title) for c in checklists.available().values()]
        if self.checklist.data and self.checklist.data not in dict(titles):
            titles.append((self.checklist.data, self.checklist.data))  # a checklist now gone
        self.checklist.choices = options([("", "Choose a checklist"), *titles])
        self.channel.choices = options([("", "Any channel"), *CHANNEL_LABELS.items()])

    def values(self) -> plans.PlanInput:
        return plans.PlanInput(
            team_id=self.team.data,
            staff_member_id=self.staff_member.data,
            checklist_id=self.checklist.data,
            audits_per_period=self.audits_per_period.data,
            period=self.period.data,
            channel=self.channel.data or None,
            spread_supervisors=bool(self.spread_supervisors.data),
        )


class EndPlanForm(FlaskForm):
    submit = SubmitField("End plan")


COMPLIANCE_PERIODS = {
    "this_week": "This week",
    "last_week": "Last week",
    "this_month": "This month",
    "last_month": "Last month",
    "week_of": "The week of a date",
    "month_of": "The month of a date",
}


class ComplianceForm(FlaskForm):
    class Meta:
        csrf = False  # a filter in the URL, to bookmark and share

    period = SelectField("Period", choices=options(COMPLIANCE_PERIODS.items()), default="this_week")
    day = DateField("Date", validators=[Optional(), InDateWindow()])
    team = SelectField("Team", coerce=optional_int, validators=[Optional()])

    def fill(self) -> None:
        self.team.choices = options([("", "All teams"), *choices.team_names()])

    def validate(self, extra_validators=None) -> bool:
        # Not a validate_day: Optional() stops an empty field's checks before it runs.
        ok = super().validate(extra_validators)
        if ok and self.period.data in ("week_of", "month_of") and self.day.data is None:
            self.day.errors = [*self.day.errors, "Choose a date for this period."]
            return False
        return ok

    def chosen(self) -> tuple[str, date]:
        """The plans' kind ("week" or "month") and a day of the chosen period."""
        choice = self.period.data or "this_week"
        kind = "week" if "week" in choice else "month"
        today = clock.today()
        if choice.endswith("_of"):
            return kind, self.day.data
        day = today
        if choice.startswith("last"):
            day = plans.period_of(kind, today).first - timedelta(days=1)
        return kind, day
