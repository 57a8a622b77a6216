"""Benchmark a batch PDF made as a background job against rendering it in one process, and
the queue's own cost per job.

    python bench/jobs.py [--audits 1000] [--small-jobs 20]

Builds a throw-away SQLite database with the demo data (about 2,400 audits) and its queue
in the same instance folder, then prints a table:

- serial: the batch's audits rendered one after another in this process, then joined
  behind a cover page (what a web request did before jobs);
- the same batch asked for as a job and made by `auditapp worker --workers 1` and
  `--workers 2` (processes), from the request until the job is done;
- the queue's overhead: a task enqueued, taken and run in this process (`run_pending`),
  per task; and a one-audit job whose report is already cached, from the request until
  done, through a real worker (the whole job machinery: rows, event log, progress, file).

Every job starts with an empty PDF cache, so each audit is really rendered.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-jobs-"))
os.environ["AUDITAPP_INSTANCE_PATH"] = str(TMP)
os.environ["AUDITAPP_DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ.pop("AUDITAPP_REDIS_URL", None)

from sqlalchemy import select  # noqa: E402

from auditapp import create_app, queue  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.models import Audit, Job, User  # noqa: E402
from auditapp.services import audit_queries, demo, jobs, reports  # noqa: E402
from auditapp.services.audit_queries import AuditFilters  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402


def clear_pdf_cache(app) -> None:
    shutil.rmtree(Path(app.instance_path) / "cache", ignore_errors=True)


def start_worker(workers: int) -> subprocess.Popen:
    # Its log goes to a file: a pipe nobody reads fills up after some tasks and the worker
    # stops, blocked on writing its next log line.
    log = TMP / f"worker-{workers}-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "auditapp", "worker", "--workers", str(workers)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "consumer started" not in log.read_text().lower():  # ready once huey says so
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


def job_time(requester: User, ids: list[int]) -> float:
    """Seconds from asking for a PDF of `ids` until its job is done."""
    real = audit_queries.ids_of
    audit_queries.ids_of = lambda query: ids  # the batch: exactly these audits
    try:
        started = time.perf_counter()
        job = jobs.request_pdf(requester, AuditFilters(), f"{len(ids)} audits")
    finally:
        audit_queries.ids_of = real
    while True:
        db.session.expire_all()
        status = db.session.get(Job, job.id).status
        if status != "queued":
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if status != "done":
        raise SystemExit(f"job {job.id} {status}: {db.session.get(Job, job.id).error}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--small-jobs", type=int, default=20)
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        upgrade_schema()
        demo.load()
        queue.current().huey.flush()  # the demo's own tasks, if any
        requester = db.session.scalar(select(User).where(User.role == "trainer"))
        ids = list(
            db.session.scalars(
                select(Audit.id)
                .where(Audit.status == "submitted")
                .order_by(Audit.observed_at.desc())
                .limit(args.audits)
            )
        )
        rows = []

        clear_pdf_cache(app)
        reports.audit_pdf(reports.load_audit(ids[0]), use_cache=False)  # fonts loaded once
        started = time.perf_counter()
        audits = reports.load_audits(ids)
        parts = [reports.audit_pdf(a, use_cache=False) for a in audits]
        reports.merge([reports.cover_pdf(audits, "bench"), *parts])
        serial = time.perf_counter() - started
        rows.append(("serial, in one process", serial, 1.0))

        for workers in (1, 2):
            clear_pdf_cache(app)
            worker = start_worker(workers)
            try:
                elapsed = job_time(requester, ids)
            finally:
                stop_worker(worker)
            rows.append((f"job, auditapp worker --workers {workers}", elapsed, serial / elapsed))

        print(f"\nA batch PDF of {len(ids)} audits (SQLite, demo data, {os.cpu_count()} cores)\n")
        print("| how | seconds | audits/s | speed-up vs serial |")
        print("|---|---:|---:|---:|")
        for name, seconds, ratio in rows:
            print(f"| {name} | {seconds:.1f} | {len(ids) / seconds:.1f} | {ratio:.2f}× |")

        # The queue's own cost.
        count = 500
        for _ in range(count):
            queue.enqueue(reports.render_in_background, 0)  # no such audit: nothing to render
        started = time.perf_counter()
        ran = queue.run_pending()
        per_task = (time.perf_counter() - started) / ran
        started = time.perf_counter()
        for _ in range(count):
            queue.enqueue(reports.render_in_background, 0)
        per_enqueue = (time.perf_counter() - started) / count
        queue.current().huey.flush()

        reports.audit_pdf(reports.load_audit(ids[0]))  # cached: the job only copies it
        worker = start_worker(1)
        try:
            small = [job_time(requester, ids[:1]) for _ in range(args.small_jobs)]
        finally:
            stop_worker(worker)
        print("\nThe queue's overhead\n")
        print("| what | median ms |")
        print("|---|---:|")
        print(f"| enqueue one task (SQLite queue) | {per_enqueue * 1000:.2f} |")
        print(f"| take and run one task that does nothing, in process | {per_task * 1000:.2f} |")
        print(
            f"| one-audit job (report cached) through a worker, request to done, "
            f"{args.small_jobs} jobs | {statistics.median(small) * 1000:.0f} |"
        )
        db.session.remove()
    shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
