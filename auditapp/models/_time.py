"""Timestamps: naive UTC everywhere in the database, made by a callable at insert time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
