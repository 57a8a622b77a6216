"""Checks on untrusted text and ids shared by the forms, the roster import and the URL map."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import abort, request
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

from auditapp.text import bad_character  # pure, so that checklist files share the rules

# PostgreSQL's `integer`: a larger id in a URL can name no record, and would reach the
# database as an out-of-range parameter (SQLite raises OverflowError) rather than a 404.
MAX_ID = 2**31 - 1


class PlainText:
    """WTForms validator for every free-text field: no control characters, valid UTF-8."""

    def __call__(self, form, field) -> None:
        reason = bad_character(field.data or "") if isinstance(field.data, str) else None
        if reason:
            raise ValidationError(f"This {reason}; remove it and try again.")


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: ids from 1 to MAX_ID; anything else is a 404 from routing."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def query_number(value: str) -> int:
    """A ?page= or ?audit= number for `request.args.get(..., type=query_number)`.

    Past MAX_ID it becomes MAX_ID, which names no page or record (so the view's usual 404)
    rather than an offset or id that overflows the database's integers. Not a number:
    ValueError, so the argument's default applies.
    """
    return min(int(value), MAX_ID)


def refuse_undecodable() -> None:
    """Before each request: 400 when the query string or a urlencoded form is not UTF-8.

    Werkzeug keeps such bytes as literal "%FF" text, which would be stored as if typed.
    """
    raw = [request.query_string]
    if request.mimetype == "application/x-www-form-urlencoded":
        raw.append(request.get_data(cache=True))  # the form is parsed from this copy later
    for data in raw:
        try:
            unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            abort(
                400,
                "What was sent could not be read: it was not UTF-8 text. "
                "Reload the page and send it again.",
            )
