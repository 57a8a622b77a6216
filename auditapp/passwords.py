"""What a password must not be: too short, too long, or one that guessing tools try first.

There is no internet here to ask a breach database, so the rules catch the patterns such
lists are full of: the most common passwords, one character repeated, a run along the
alphabet, the digits or a keyboard row, and the person's own email or name.
"""

from __future__ import annotations

MIN_LENGTH = 8
MAX_LENGTH = 200  # the forms' limit too: hashing a megabyte on every login attempt is a DoS

# The most common passwords of eight characters or more in published breach lists (shorter
# ones are refused by length anyway). Compared without case.
COMMON = frozenset(
    """
    password password1 password12 password123 password! passw0rd p@ssw0rd p@ssword
    12345678 123456789 1234567890 0123456789 987654321 87654321 11111111 00000000
    88888888 12341234 12121212 11223344 123123123 147258369 1q2w3e4r 1q2w3e4r5t
    1qaz2wsx 1qaz2wsx3edc zaq12wsx zaq1zaq1 q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 qwerty123
    qwertyuiop qwertyui qwerty12 qweasdzxc 123qweasd asdfghjkl asdfghjk zxcvbnm1
    iloveyou iloveyou1 sunshine princess football baseball basketball superman
    starwars trustno1 letmein1 letmein123 welcome1 welcome123 welcome! changeme
    changeme1 admin123 admin1234 administrator computer whatever dragon12 michelle
    jennifer master12 internet freedom1 qazwsxedc monkey123 shadow12 abc12345
    abcd1234 abcdefgh abc123456 secret123 default1 loveyou1 summer2024 winter2024
    summer2025 winter2025 summer2026 winter2026 spring2026 autumn2026
    """.split()  # noqa: SIM905 (a block of words reads better than 90 quoted strings)
)
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why `password` is refused (a sentence to show beside the field), or None."""
    if len(password) < MIN_LENGTH:
        return f"The password needs at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"The password may have at most {MAX_LENGTH} characters."
    folded = password.casefold()
    if folded in COMMON:
        return "That password is one of the most common ones; choose another."
    if len(set(folded)) == 1:
        return "The password is one character repeated; choose another."
    if _is_run(folded):
        return "The password is a run of letters, digits or keys; choose another."
    local = email.split("@")[0].casefold()
    words = [local, *name.casefold().split()]
    if any(len(word) >= 4 and word in folded for word in words):
        return "The password contains your email or name; choose another."
    return None


def _is_run(text: str) -> bool:
    for run in _RUNS:
        for line in (run, run[::-1]):
            if text in line:
                return True
    return False
