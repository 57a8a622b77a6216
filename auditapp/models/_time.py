"""Timestamps: naive UTC everywhere in the database, made by a callable at insert time
(from the one clock, auditapp/clock.py, which tests can stop)."""

from auditapp.clock import utcnow

__all__ = ["utcnow"]
