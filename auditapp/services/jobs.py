"""Jobs: a batch of audit PDFs or a large CSV export, asked for in the browser and made by
the background workers (services/job_tasks.py), then handed to its requester alone.

A job's row says what was asked and how it ended; its progress (audits rendered, rows
written) and the workers' heartbeat are kept in the queue's own storage, which every
worker and web process shares, so that the page can show them without a database write
(and an event log entry) per audit.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from auditapp import clock, queue
from auditapp.extensions import db
from auditapp.models import Job, User

from . import audit_queries, event_log
from .audit_queries import AuditFilters

# Most parts a PDF job is split into (each holds at least JOB_PDF_PART_AUDITS audits):
# parts are rendered by whichever workers are free, so a job uses them all; fewer, larger
# parts for big jobs keep the number of progress counters the page reads small.
MAX_PARTS = 32
PER_PAGE = 25
CSV_KINDS = ("audits_csv", "answers_csv")


class JobError(ValueError):
    """A job that cannot be asked for as it stands; the message says why."""


class JobGone(LookupError):
    """The job's file has been removed (expired) or was never made (failed)."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    started: bool

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


def request_pdf(user: User, filters: AuditFilters, description: str) -> Job:
    """Ask the workers for the audits `user` sees matching `filters` as one PDF."""
    ids = audit_queries.ids_of(audit_queries.audits_query(user, filters))
    if not ids:
        raise JobError("No audits match these filters, so there is nothing to print.")
    size = max(current_app.config["JOB_PDF_PART_AUDITS"], math.ceil(len(ids) / MAX_PARTS))
    job = Job(
        kind="audits_pdf",
        requested_by=user,
        description=description,
        filters=to_plain(filters),
        audit_ids=ids,
        total=len(ids),
        parts=math.ceil(len(ids) / size),
        download_name=f"audits-{clock.today():%Y-%m-%d}.pdf",
    )
    return _start(job, user)


def request_csv(user: User, kind: str, filters: AuditFilters, description: str) -> Job:
    """Ask the workers for a CSV export (kind audits_csv or answers_csv)."""
    if kind not in CSV_KINDS:
        raise JobError(f"unknown export {kind!r}")
    total = audits_to_export(user, filters)
    name = "audits" if kind == "audits_csv" else "answers"
    job = Job(
        kind=kind,
        requested_by=user,
        description=description,
        filters=to_plain(filters),
        total=total,
        download_name=f"{name}-{clock.today():%Y-%m-%d}.csv",
    )
    return _start(job, user)


def audits_to_export(user: User, filters: AuditFilters) -> int:
    """How many submitted audits an export with these filters holds."""
    submitted = dataclasses.replace(filters, status="submitted")
    return audit_queries.count_of(audit_queries.audits_query(user, submitted))


def _start(job: Job, user: User) -> Job:
    from . import job_tasks

    db.session.add(job)
    event_log.record("job_requested", user, job, kind=job.kind, audits=job.total)
    event_log.commit()
    job_tasks.enqueue(job)
    return job


def to_plain(filters: AuditFilters) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, date) else v
        for k, v in dataclasses.asdict(filters).items()
        if v not in (None, "")
    }


def from_plain(plain: dict[str, Any]) -> AuditFilters:
    dates = {k: date.fromisoformat(plain[k]) for k in ("date_from", "date_to") if k in plain}
    return AuditFilters(**{**plain, **dates})


def load(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def is_requester(user: User, job: Job) -> bool:
    return job.requested_by_id == user.id


def jobs_of(user: User, page: int):
    """The user's own jobs, newest first, a page at a time."""
    query = select(Job).where(Job.requested_by_id == user.id).order_by(Job.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, max_per_page=PER_PAGE)


def unfinished_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Job.id)).where(Job.requested_by_id == user.id, Job.status == "queued")
    )


# Progress: one counter per part (its audits rendered, or its rows written), and the time
# any worker last did something for the job.
def _key(job_id: int, what: str) -> str:
    return f"job:{job_id}:{what}"


def note_progress(job_id: int, part: int, done: int) -> None:
    queue.current().huey.put(_key(job_id, f"part:{part}"), done)
    note_beat(job_id)


def note_beat(job_id: int) -> None:
    # Wall-clock seconds: compared across machines and processes, never with the app's clock.
    queue.current().huey.put(_key(job_id, "beat"), time.time())


def progress(job: Job) -> Progress:
    if job.status == "done":
        return Progress(job.total, job.total, True)
    huey = queue.current().huey
    counts = [huey.get(_key(job.id, f"part:{n}"), peek=True) for n in range(job.parts)]
    started = any(c is not None for c in counts)
    return Progress(sum(c or 0 for c in counts), job.total, started)


def last_beat(job_id: int) -> float | None:
    return queue.current().huey.get(_key(job_id, "beat"), peek=True)


def forget_progress(job: Job) -> None:
    huey = queue.current().huey
    for what in [*(f"part:{n}" for n in range(job.parts)), "beat"]:
        huey.get(_key(job.id, what))  # get without peek removes it


# Files: made beside their final name and renamed into place, so that a file under its
# final name is always complete.
def folder() -> Path:
    path = Path(current_app.config["JOB_FILES_DIR"] or Path(current_app.instance_path) / "jobs")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def stem(job: Job) -> str:
    # With the time it was asked for: a restored database whose job ids start again can
    # never be handed a file some earlier job made.
    return f"job-{job.id}-{job.created_at:%Y%m%d%H%M%S%f}"


def file_of(job: Job) -> Path:
    """The job's file, for its requester; JobGone once it expired or if it failed."""
    if job.status in ("expired", "failed") or job.file_name is None:
        raise JobGone(job.status)
    path = folder() / job.file_name
    if not path.exists():
        raise JobGone("expired")
    return path


def downloaded(job: Job, user: User) -> None:
    event_log.record_now("job_downloaded", user, job, kind=job.kind)


def keep_until(finished: datetime) -> datetime:
    return finished + timedelta(hours=current_app.config["JOB_FILES_KEEP_HOURS"])
