"""The forms of the email pages: which kinds a user (or, by default, everyone) receives, and
the filter of the admin's list of messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from auditapp.forms import options
from auditapp.models.mail import KINDS, STATUSES


class KindsField(SelectMultipleField):
    def pre_validate(self, form) -> None:
        allowed = {value for value, _ in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Choose among the kinds of email listed here.")


class KindsForm(FlaskForm):
    kinds = KindsField(
        "Send me an email when",
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save my email choices")

    @classmethod
    def of(
        cls, kinds: list[str], chosen: dict[str, bool] | None = None, labels: dict | None = None
    ) -> KindsForm:
        """The form for these kinds (a fresh one each request), ticked as `chosen` says when
        shown, or read from the request when posted."""
        if chosen is None:
            form = cls()
        else:
            form = cls(formdata=None, data={"kinds": [k for k in kinds if chosen[k]]})
        form.kinds.choices = [(k, KINDS[k].label) for k in kinds]
        for name, text in (labels or {}).items():
            getattr(form, name).label.text = text
        return form


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False  # filters live in the URL

    status = SelectField("Outcome", choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = options([("", "Any outcome"), *STATUSES.items()])
