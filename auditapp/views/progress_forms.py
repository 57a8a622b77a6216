"""The date filter of a staff member's progress page and report (?from=&to= in the URL)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from auditapp.services.progress import Period
from auditapp.validators import InDateWindow


class ProgressFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: the URL can be bookmarked and shared

    date_from = DateField("From", name="from", validators=[Optional(), InDateWindow()])
    date_to = DateField("To", name="to", validators=[Optional(), InDateWindow()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")

    def period(self) -> Period:
        """The chosen dates as a progress period (open ends when left empty)."""
        return Period(self.date_from.data, self.date_to.data)
