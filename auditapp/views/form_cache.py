"""The items of a blank scoring form, rendered once per checklist version and kept.

A blank form (a GET of /audits/new) differs from another blank form of the same checklist
version only in its hidden fields (the CSRF token, the form's one-time token) and its
measures (the "when it happened" default is the current minute), which are rendered with
every page. Its sections and items, the notes and the buttons depend on the checklist's
content alone, which its fingerprint names: that fragment is kept per app under the
fingerprint, so a new checklist version can never be shown the old items.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_wtf import FlaskForm
from markupsafe import Markup

from auditapp.checklists import Checklist
from auditapp.forms import comment_field_name, item_field_name

ITEMS_TEMPLATE = "audits/_form_items.html"
_EXTENSION = "auditapp.blank_form_items"


def fields_context(checklist: Checklist, form: FlaskForm) -> dict[str, Any]:
    """What the form partials read: the form, and the checklist's sections as plain data."""
    return {
        "form": form,
        "sections": [
            (section, [(item, checklist.scale_for(item)) for item in section.items])
            for section in checklist.sections
        ],
        "item_field_name": item_field_name,
        "comment_field_name": comment_field_name,
    }


def blank_items(checklist: Checklist, form: FlaskForm) -> Markup:
    """The rendered items of a blank form of this checklist version (`form` is blank)."""
    # One entry per checklist version the process has offered: a handful, never pruned.
    kept: dict[str, Markup] = current_app.extensions.setdefault(_EXTENSION, {})
    html = kept.get(checklist.fingerprint)
    if html is None:
        context = fields_context(checklist, form)
        html = Markup(
            render_template(ITEMS_TEMPLATE, checklist=checklist, amending=False, **context)
        )
        kept[checklist.fingerprint] = html
    return html


def clear() -> None:
    """Forget this app's kept fragments (tests use it to force a fresh render)."""
    current_app.extensions.pop(_EXTENSION, None)
