"""The workers' side of jobs: render a PDF batch in parts on any free worker and join them,
write a CSV export, start again a job whose worker died, remove expired files.

Nothing is presented as complete until it is: each part and the final file are written
beside their names and renamed into place, and a job is marked done only after its file is
in place. A part already on disk is not rendered again, so a job started again after a
worker was killed goes on from the parts it had finished.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select, update

from auditapp import clock, queue
from auditapp.extensions import db
from auditapp.models import Job

from . import event_log, exports, jobs, reports

log = logging.getLogger("auditapp.jobs")


def enqueue(job: Job) -> None:
    """Hand a committed job's work to the workers."""
    jobs.note_beat(job.id)
    if job.kind == "audits_pdf":
        for part in range(job.parts):
            queue.enqueue(render_part, job.id, part)
    else:
        queue.enqueue(write_csv, job.id)


def _part_path(job: Job, part: int) -> Path:
    return jobs.folder() / f"{jobs.stem(job)}.part-{part:03d}.pdf"


def _part_ids(job: Job, part: int) -> list[int]:
    size = -(-job.total // job.parts)
    return job.audit_ids[part * size : (part + 1) * size]


@queue.task()
def render_part(job_id: int, part: int) -> None:
    """Render one part of a PDF batch; the worker that finishes the last part joins them."""
    job = jobs.load(job_id)
    if job is None or job.status != "queued":
        return
    path = _part_path(job, part)
    ids = _part_ids(job, part)
    if not path.exists():
        by_id = {a.id: a for a in reports.load_audits(ids)}
        rendered = []
        for done, audit_id in enumerate(ids, start=1):
            audit = by_id.get(audit_id)
            if audit is not None:  # an audit removed since (a restored backup) is left out
                try:
                    rendered.append(reports.audit_pdf(audit))
                except Exception as exc:
                    log.exception("job %s: audit %s could not be rendered", job_id, audit_id)
                    _fail(job, f"audit {audit_id} could not be rendered ({_reason(exc)})")
                    return
            jobs.note_progress(job_id, part, done)
        _write_atomically(path, lambda out: out.write(reports.merge(rendered)))
    jobs.note_progress(job_id, part, len(ids))
    if all(_part_path(job, n).exists() for n in range(job.parts)):
        _join(job)


def _join(job: Job) -> None:
    audits = reports.load_audits(job.audit_ids)
    order = {audit_id: n for n, audit_id in enumerate(job.audit_ids)}
    audits.sort(key=lambda a: order[a.id])
    cover = reports.cover_pdf(audits, job.description)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for part in range(job.parts):
        writer.append(PdfReader(_part_path(job, part)))
    final = jobs.folder() / f"{jobs.stem(job)}.pdf"
    _write_atomically(final, writer.write)
    _finish(job, final)
    for part in range(job.parts):
        _part_path(job, part).unlink(missing_ok=True)


@queue.task()
def write_csv(job_id: int) -> None:
    """Write a CSV export, counting its rows as it goes."""
    job = jobs.load(job_id)
    if job is None or job.status != "queued":
        return
    rows = exports.audit_rows if job.kind == "audits_csv" else exports.answer_rows
    export = rows(job.requested_by, jobs.from_plain(job.filters))
    final = jobs.folder() / f"{jobs.stem(job)}.csv"

    def write(out) -> None:
        for chunk in export:
            out.write(chunk.encode("utf-8"))
            jobs.note_progress(job.id, 0, export.rows)

    try:
        _write_atomically(final, write)
    except Exception as exc:
        log.exception("job %s: the export failed", job_id)
        _fail(job, f"the export failed ({_reason(exc)})")
        return
    _finish(job, final)


def _finish(job: Job, path: Path) -> None:
    now = clock.utcnow()
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == "queued")
        .values(
            status="done",
            file_name=path.name,
            size=path.stat().st_size,
            finished_at=now,
            expires_at=jobs.keep_until(now),
        )
    ).rowcount
    if not changed:  # another worker joined the same parts first
        event_log.rollback()
        return
    event_log.record("job_finished", None, job, kind=job.kind, size=path.stat().st_size)
    event_log.commit()
    jobs.forget_progress(job)


def _fail(job: Job, reason: str) -> None:
    db.session.rollback()
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == "queued")
        .values(status="failed", error=reason, finished_at=clock.utcnow())
    ).rowcount
    if not changed:
        event_log.rollback()
        return
    event_log.record("job_failed", None, job, kind=job.kind, reason=reason)
    event_log.commit()
    for part in range(job.parts):
        _part_path(job, part).unlink(missing_ok=True)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _write_atomically(path: Path, write: Callable) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def restart_stalled() -> list[int]:
    """Start again the jobs no worker has touched for JOB_STALE_SECONDS (a worker killed
    mid-job); the parts they finished are kept. Returns their ids."""
    since = time.time() - current_app.config["JOB_STALE_SECONDS"]
    waiting = db.session.scalars(select(Job).where(Job.status == "queued")).all()
    stalled = [job for job in waiting if (jobs.last_beat(job.id) or 0) <= since]
    if not stalled:
        return []
    for job in stalled:
        job.restarts += 1
        event_log.record("job_restarted", None, job, kind=job.kind, restarts=job.restarts)
    event_log.commit()
    for job in stalled:
        enqueue(job)
    return [job.id for job in stalled]


@queue.periodic(minute="*")
def look_after_jobs() -> None:
    """Every minute: start stalled jobs again and remove the files that have expired."""
    restart_stalled()
    remove_expired()


def remove_expired() -> list[int]:
    """Remove the files kept past their time; their jobs are marked expired."""
    now = clock.utcnow()
    done = db.session.scalars(select(Job).where(Job.status == "done", Job.expires_at <= now)).all()
    if not done:
        return []
    for job in done:
        job.status = "expired"
    event_log.record("jobs_expired", None, "background jobs", jobs=[j.id for j in done])
    event_log.commit()
    for job in done:
        if job.file_name:
            (jobs.folder() / job.file_name).unlink(missing_ok=True)
    return [job.id for job in done]
