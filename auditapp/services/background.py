"""The services that own background tasks, imported together so that every app (the web
server's and each worker's) registers all of them with its queue (auditapp/queue.py)."""

from __future__ import annotations

from . import digest, mail, reminders  # noqa: F401  (email: delivery, sweeper, reminders)
