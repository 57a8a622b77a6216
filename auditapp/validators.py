"""Checks on untrusted text, ids and dates shared by the forms, the roster import, the URL
map and the command line."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import unquote_to_bytes

from flask import abort, request
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

from auditapp.text import bad_character  # pure, so that checklist files share the rules

# PostgreSQL's `integer`: a larger id in a URL can name no record, and would reach the
# database as an out-of-range parameter (SQLite raises OverflowError) rather than a 404.
MAX_ID = 2**31 - 1

# Every date typed or put in a URL (filters, when an interaction happened, a follow-up date)
# falls in this window. Fixed rather than moving with today: a bookmarked filter means the
# same next year. Audits of a service team are of this century; the ends lie far enough
# from the years 1 and 9999, where Python's dates stop, that the periods built from a date
# (the day after its end, the 90 days before, its month) can never overflow.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."


def in_date_window(value: date | datetime) -> bool:
    """Whether a date (or the day of a date and time) lies from FIRST_DAY to LAST_DAY."""
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


class InDateWindow:
    """WTForms validator for every date and date-time field: the day within the window.

    Its flags give the input min and max attributes, so the browser's picker stops there too.
    """

    def __init__(self, *, with_time: bool = False) -> None:
        times = ("T00:00", "T23:59") if with_time else ("", "")
        self.field_flags = {
            "min": FIRST_DAY.isoformat() + times[0],
            "max": LAST_DAY.isoformat() + times[1],
        }

    def __call__(self, form, field) -> None:
        if field.data is not None and not in_date_window(field.data):
            raise ValidationError(DATE_RANGE_MESSAGE)


def whole_number(text: str) -> int:
    """A number sent as text, read only from the ASCII digits 0-9 (and a leading minus).

    int() would also take "١٢", "１２", "1_2", "+12" and " 12 ", so that the page and the
    database would hold other text than was sent; those are ValueError here. The caller
    checks the range.
    """
    digits = text[1:] if text[:1] == "-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"not a whole number in the digits 0-9: {text[:20]!r}")
    return int(text)


def choice_id(value: object) -> int:
    """A select's id (its `coerce`): 0 ("none") to MAX_ID, in ASCII digits; else ValueError,
    which WTForms shows next to the field ("Invalid Choice: could not coerce.")."""
    number = value if type(value) is int else whole_number(str(value))
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"not an id: {number}")
    return number


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

    Past MAX_ID it becomes MAX_ID, below 0 it becomes 0: numbers that name no page or record
    (so the view's usual 404) rather than an offset or id that overflows the database's
    integers. Not a number in ASCII digits: ValueError, so the argument's default applies.
    """
    digits = value[1:] if value[:1] == "-" else value
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"not a whole number in the digits 0-9: {value[:20]!r}")
    if value[:1] == "-":
        return 0
    return MAX_ID if len(digits) > 10 else min(int(digits), MAX_ID)


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
