"""The blank scoring form's fields, rendered once per checklist version and minute.

A blank form (a GET of /audits/new) differs from request to request only in its hidden
fields (the CSRF token and the form's one-time token) and the page around it (the user's
navbar, the staff member). Everything below the hidden fields is fixed by the checklist's
content, which its fingerprint names, and by the "when it happened" default, which is the
current minute. So that part is rendered from the same partial as every other form and
kept, per app, under (fingerprint, minute): a new checklist version has a new fingerprint
and can never be shown the old items.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_wtf import FlaskForm
from markupsafe import Markup

from auditapp.checklists import Checklist
from auditapp.forms import comment_field_name, item_field_name

FIELDS_TEMPLATE = "audits/_form_fields.html"
_EXTENSION = "auditapp.blank_form_fields"


def fields_context(checklist: Checklist, form: FlaskForm) -> dict[str, Any]:
    """What the fields partial reads: the form, and the checklist's sections as plain data."""
    return {
        "form": form,
        "sections": [
            (section, [(item, checklist.scale_for(item)) for item in section.items])
            for section in checklist.sections
        ],
        "item_field_name": item_field_name,
        "comment_field_name": comment_field_name,
    }


def blank_fields(
    checklist: Checklist, observed_at: datetime, blank_form: Callable[[], FlaskForm]
) -> Markup:
    """The rendered fields of a blank form; `blank_form()` makes the form on a miss."""
    cache: dict[str, tuple[datetime, Markup]] = current_app.extensions.setdefault(_EXTENSION, {})
    kept = cache.get(checklist.fingerprint)
    if kept is not None and kept[0] == observed_at:
        return kept[1]
    html = Markup(
        render_template(
            FIELDS_TEMPLATE,
            checklist=checklist,
            amending=False,
            audit=None,
            **fields_context(checklist, blank_form()),
        )
    )
    # One entry per checklist version: the previous minute's is replaced, not kept.
    cache[checklist.fingerprint] = (observed_at, html)
    return html


def clear() -> None:
    """Forget this app's rendered fields (tests use it to force a fresh render)."""
    current_app.extensions.pop(_EXTENSION, None)
