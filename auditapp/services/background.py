"""The services that own background tasks, imported together so that every app (the web
server's and each worker's) registers all of them with its queue (auditapp/queue.py)."""

from __future__ import annotations

# Jobs and audit reports; email: delivery, the sweeper, reminders, the digest.
from . import digest, job_tasks, mail, reminders, reports  # noqa: F401
