"""The password rules (auditapp/passwords.py), the same for admins, users and the terminal."""

from __future__ import annotations

import pytest

from auditapp.passwords import MAX_LENGTH, MIN_LENGTH, password_problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("x" * (MIN_LENGTH - 1), "at least 8 characters"),
        ("x" * (MAX_LENGTH + 1), "at most 200 characters"),
        ("Password123", "most common"),
        ("P@SSW0RD", "most common"),
        ("11111111111", "one character repeated"),
        ("abcdefghij", "a run of"),
        ("9876543210", "a run of"),
        ("lkjhgfdsa", "a run of"),
        ("ana.lopez2024", "your email or name"),
        ("Lopez-the-great", "your email or name"),
    ],
)
def test_refused_passwords_say_why(password, problem):
    reason = password_problem(password, email="ana.lopez@example.com", name="Ana Lopez")
    assert reason is not None and problem in reason


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "auditapp-demo", "Tr0ub4dor&3x", "x" * 7 + "y", "é" * 4 + "ñ" * 4],
)
def test_ordinary_passwords_pass(password):
    assert password_problem(password, email="ana.lopez@example.com", name="Ana Lopez") is None


def test_short_words_of_a_name_are_not_held_against_a_password():
    # "Ana" is in many passwords by chance; only words of four letters or more count.
    assert password_problem("banana split 77", email="al@example.com", name="Ana Li") is None
