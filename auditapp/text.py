"""Which characters untrusted text may hold: shared by the web forms and the checklist files.

Pure Python (no Flask), so that `auditapp.checklists` can use the same rules as the forms.
"""

from __future__ import annotations

import unicodedata

# Tab and line breaks are ordinary text in a comment; every other C0/C1 control is not.
# NUL in particular is refused by PostgreSQL ("string literal cannot contain NUL").
ALLOWED_CONTROLS = frozenset("\t\n\r")
# Invisible characters that reorder the text after them, so a name or comment could show
# something other than what is stored ("Trojan Source"). Joiners (U+200C/U+200D), which
# emoji sequences and several scripts need, stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What Werkzeug puts in place of bytes that are not UTF-8: the browser sent something else.
REPLACEMENT = "\ufffd"


def bad_character(text: str) -> str | None:
    """Why `text` is refused (a sentence), or None when every character is acceptable."""
    for char in text:
        if char in ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            return f"contains a control character (U+{ord(char):04X})"
        if char in BIDI_CONTROLS:
            return f"contains a text-direction control character (U+{ord(char):04X})"
        if category == "Cs" or char == REPLACEMENT:
            return "contains characters that could not be read (the text was not sent as UTF-8)"
    return None
