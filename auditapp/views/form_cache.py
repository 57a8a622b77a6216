"""The blank scoring form, rendered once and kept: its fields per checklist version and
minute, and its whole page per user, staff member and checklist version.

A blank form (a GET of /audits/new) differs from request to request only in its hidden
fields (the CSRF token and the form's one-time token) and the page around it (the user's
navbar, the staff member). Everything below the hidden fields is fixed by the checklist's
content, which its fingerprint names, and by the "when it happened" default, which is the
current minute. So that part is rendered from the same partial as every other form and
kept, per app, under (fingerprint, minute): a new checklist version has a new fingerprint
and can never be shown the old items.

The whole page is kept too, as the text between its per-request values (the session's
CSRF token, the form's one-time token and the "when it happened" minute): a page for the
same URL prefix, checklist version, staff member (id, name, team) and signed-in user
(name, role, staff member) is the same page with those values put back. So a supervisor
who scores the same staff member with the same checklist again, later in the shift or
after going back, gets the page without a render. A page that shows a flashed message is
never kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_wtf import FlaskForm
from markupsafe import Markup

from auditapp.checklists import Checklist
from auditapp.forms import comment_field_name, item_field_name
from auditapp.lru import LRU

FIELDS_TEMPLATE = "audits/_form_fields.html"
_EXTENSION = "auditapp.blank_form_fields"
_PAGES = "auditapp.blank_form_pages"
# Pages are about 30 kB: this many is a few MB per process, and more (user, staff member,
# checklist) pairs than a shift's supervisors open forms for within a minute.
PAGES_KEPT = 256


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


@dataclass(frozen=True)
class _Page:
    """A rendered page cut at its per-request values: pieces[0], value, pieces[1], ..."""

    pieces: tuple[bytes, ...]  # UTF-8
    slots: tuple[int, ...]  # which value goes between pieces[i] and pieces[i + 1]

    @classmethod
    def cut(cls, html: str, tokens: tuple[str, ...], once: tuple[str, ...]) -> _Page | None:
        """The page cut at every `tokens` value and at the one place of each `once` value.

        None if a value is missing, or if a `once` value is found twice (a name that holds
        the time, say): then which one to replace is not known, and the page is not kept.
        """
        values = tokens + once
        parts = re.split("(" + "|".join(map(re.escape, values)) + ")", html)
        slots = tuple(values.index(v) for v in parts[1::2])
        counts = [slots.count(i) for i in range(len(values))]
        if 0 in counts or any(n != 1 for n in counts[len(tokens) :]):
            return None
        return cls(tuple(piece.encode() for piece in parts[0::2]), slots)

    def fill(self, values: tuple[str, ...]) -> bytes:
        # Bytes, encoded once when kept: encoding 30 kB of text was a thirtieth of a page.
        encoded = [value.encode() for value in values]
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += (encoded[slot], piece)
        return b"".join(out)


def blank_page(
    key: Hashable, tokens: tuple[str, ...], once: tuple[str, ...], render: Callable[[], str]
) -> str | bytes:
    """The blank form's page for `key` with this request's values in it.

    `tokens` must be random enough never to be on a page by chance; each of `once` must be
    on the page in one place. `render()`, called on a miss, must render the whole page with
    exactly these values.
    """
    pages = current_app.extensions.get(_PAGES)
    if pages is None:
        pages = current_app.extensions[_PAGES] = LRU(PAGES_KEPT)
    kept = pages.get(key)
    if kept is not None:
        return kept.fill(tokens + once)
    html = render()
    page = _Page.cut(html, tokens, once)
    if page is not None:
        pages.put(key, page)
    return html


def clear() -> None:
    """Forget this app's rendered fields and pages (tests use it to force a fresh render)."""
    current_app.extensions.pop(_EXTENSION, None)
    current_app.extensions.pop(_PAGES, None)
