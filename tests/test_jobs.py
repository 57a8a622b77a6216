"""Background jobs from the browser: a batch PDF or a large export asked for, watched while
it is made, downloaded by its requester alone, removed when it expires; a job that fails
says why; a worker killed mid-job leaves no half file and the next worker finishes it.

The queue is real: SQLite storage in the test instance folder (Redis in one test), its
tasks run by `queue.run_pending()` as a worker runs them, or by `auditapp worker` itself.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import ITEM_TEXTS, PASSWORD, REDIS_URL, running_app, text_of
from jobs_support import made_file, request_job
from pypdf import PdfReader
from sqlalchemy import select

from auditapp import create_app, queue
from auditapp.extensions import db
from auditapp.models import Job, LogEntry
from auditapp.services import job_tasks, jobs, reports


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def app(request, database_url, checklists_dir):
    """Every test here twice: the queue in its SQLite file, and in Redis."""
    settings = {}
    if request.param == "redis-queue":
        _, prefix = request.getfixturevalue("redis_prefix")
        settings = {"REDIS_URL": REDIS_URL, "QUEUE_NAME": prefix}
    with running_app(database_url, checklists_dir, **settings) as app:
        kind = type(queue.current().huey).__name__
        assert kind == {"sqlite-queue": "SqliteHuey", "redis-queue": "RedisHuey"}[request.param]
        yield app


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def six_audits(make_audit, make_staff, make_user):
    supervisor = make_user("supervisor", email="sam@example.com")
    ana = make_staff("Ana Lopez", team="Front desk")
    return [
        make_audit(staff=ana, supervisor=supervisor, observed_at=datetime(2026, 11, 1, 9 + n))
        for n in range(6)
    ]


def job_row(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def actions() -> list[str]:
    return list(db.session.scalars(select(LogEntry.action).order_by(LogEntry.id)))


def test_a_batch_pdf_is_made_in_parts_with_its_progress_shown(app, client, login_as, six_audits):
    app.config["JOB_PDF_PART_AUDITS"] = 2  # three parts of two audits
    login_as("trainer")
    queue.run_pending()  # the reports the submits asked the workers for
    job_id = request_job(client)
    job = job_row(job_id)
    assert (job.parts, job.total, job.status) == (3, 6, "queued")

    page = client.get(f"/jobs/{job_id}")
    assert "Waiting for a background worker to start on it (6 audits)" in text_of(page)
    assert '<meta http-equiv="refresh"' in page.get_data(as_text=True)

    assert queue.run_pending(limit=1) == 1  # one part, as one worker would
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert "2 of 6 audits rendered" in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 409  # not ready

    queue.run_pending()
    job = job_row(job_id)
    assert job.status == "done" and job.expires_at == job.finished_at + timedelta(hours=24)
    page = client.get(f"/jobs/{job_id}")
    assert "Ready: 6 audits" in text_of(page)
    assert "refresh" not in page.get_data(as_text=True)

    response = client.get(f"/jobs/{job_id}/download")
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pages = pages_of(response.get_data())
    response.close()
    assert "6 audits" in pages[0]
    starts = [int(p.split("Audit #")[1].split(":")[0]) for p in pages[1:] if "Audit #" in p]
    # Newest observation first, as on /audits, whatever part each was rendered in.
    assert list(dict.fromkeys(starts)) == [a.id for a in reversed(six_audits)]
    # The parts are gone once joined; only the file is kept.
    made = jobs.folder().glob(f"{jobs.stem(job)}*")
    assert sorted(p.name for p in made) == [f"{jobs.stem(job)}.pdf"]
    assert actions()[-3:] == ["job_requested", "job_finished", "job_downloaded"]


def test_only_the_requester_sees_a_job_or_downloads_it(app, client, login_as, six_audits):
    login_as("trainer", email="tess@example.com")
    job_id = request_job(client)
    queue.run_pending()
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    response.close()
    for role in ("admin", "trainer", "supervisor"):
        login_as(role, email=f"other-{role}@example.com")
        assert client.get(f"/jobs/{job_id}").status_code == 403
        assert client.get(f"/jobs/{job_id}/download").status_code == 403
        assert f"#{job_id}" not in text_of(client.get("/jobs"))
    assert client.get("/jobs/999999").status_code == 404


def test_a_staff_members_batch_holds_only_their_own_audits(
    client, make_user, login, six_audits, make_audit, make_staff
):
    other = make_audit(staff=make_staff("Ben Okafor", team="Phones"))
    login(make_user("staff", staff=six_audits[0].staff_member))
    text = " ".join(pages_of(made_file(client).get_data()))
    assert "Ben Okafor" not in text
    assert f"Audit #{other.id}" not in text
    assert "6 audits" in text


def test_the_file_is_removed_when_it_expires(app, client, login_as, six_audits, clock):
    login_as("trainer")
    job_id = request_job(client)
    queue.run_pending()
    path = jobs.folder() / job_row(job_id).file_name
    assert path.exists()

    clock.set(clock.moment + timedelta(hours=23, minutes=59))
    assert job_tasks.remove_expired() == []
    clock.set(clock.moment + timedelta(minutes=2))
    assert job_tasks.remove_expired() == [job_id]

    assert not path.exists()
    assert job_row(job_id).status == "expired"
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 410
    assert "Ask for it again" in text_of(response)
    assert "was removed" in text_of(client.get(f"/jobs/{job_id}"))
    assert actions()[-1] == "jobs_expired"


def test_a_job_that_fails_says_why_and_keeps_no_file(
    app, client, login_as, six_audits, monkeypatch
):
    app.config["JOB_PDF_PART_AUDITS"] = 2
    broken = six_audits[3].id
    real = reports.audit_pdf

    def audit_pdf(audit, *args, **kwargs):
        if audit.id == broken:
            raise RuntimeError("the fonts are missing")
        return real(audit, *args, **kwargs)

    monkeypatch.setattr(reports, "audit_pdf", audit_pdf)
    login_as("trainer")
    job_id = request_job(client)
    queue.run_pending()

    job = job_row(job_id)
    assert job.status == "failed"
    assert (
        job.error == f"audit {broken} could not be rendered (RuntimeError: the fonts are missing)"
    )
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert "It could not be made:" in page and "the fonts are missing" in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 410
    assert list(jobs.folder().glob(f"{jobs.stem(job)}*")) == []  # no parts, no file
    entry = db.session.scalars(select(LogEntry).order_by(LogEntry.id.desc())).first()
    assert (entry.action, entry.details["reason"]) == ("job_failed", job.error)


def test_bad_filters_are_refused_and_no_job_is_made(client, login_as, six_audits):
    login_as("trainer")
    response = client.post("/audits/print", data={"date_from": "2026-11-05", "date_to": "x"})
    assert response.status_code == 400
    assert "Not a valid date value." in text_of(response)
    response = client.post("/audits/print", data={"date_from": "9999-12-31"})
    assert response.status_code == 400
    assert db.session.scalar(select(Job.id)) is None


def test_a_batch_of_one_audit_says_audit(app, client, login_as, six_audits, make_audit):
    make_audit(staff=six_audits[0].staff_member, observed_at=datetime(2026, 10, 15, 9))
    login_as("trainer")
    queue.run_pending()  # the reports the submits asked the workers for
    job_id = request_job(client, date_from="2026-10-15", date_to="2026-10-15")
    queue.run_pending()
    assert "Ready: 1 audit," in text_of(client.get(f"/jobs/{job_id}"))


def test_nothing_to_print_says_so(client, login_as, six_audits):
    login_as("trainer")
    data = {"result": "failed", "csrf_token": "a-token"}
    response = client.post("/audits/print", data=data)
    # Back to the list with the same filters, and no CSRF token in the address.
    assert response.status_code == 302
    assert "result=failed" in response.location and "csrf_token" not in response.location
    response = client.get(response.location)
    assert "No audits match these filters, so there is nothing to print." in text_of(response)
    assert db.session.scalar(select(Job.id)) is None


def test_a_large_export_is_made_in_the_background(app, client, login_as, six_audits):
    login_as("trainer")
    direct = client.get("/audits/answers.csv").get_data(as_text=True)
    app.config["EXPORT_DIRECT_LIMIT"] = 5
    page = client.get("/audits/answers.csv")
    assert page.mimetype == "text/html"
    assert "6 audits match these filters: more than the 5 a direct download holds" in (
        text_of(page)
    )
    response = made_file(client, "/audits/export/answers_csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.get_data(as_text=True) == direct
    rows = direct.count("\n") - 1
    assert rows == 6 * len(ITEM_TEXTS)  # a row per item of each audit


def test_a_submitted_audits_report_is_rendered_by_a_worker(app, make_audit):
    audit = make_audit()
    path = reports.cache_path(audit)
    assert not path.exists()
    assert queue.run_pending() == 1
    assert path.exists()
    assert path.read_bytes().startswith(b"%PDF-")


# --- with the real worker process and the real queues -------------------------------------


def worker_env(app, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITAPP_")}
    env.update(
        AUDITAPP_INSTANCE_PATH=app.instance_path,
        AUDITAPP_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        AUDITAPP_CHECKLISTS_DIR=app.config["CHECKLISTS_DIR"],
        AUDITAPP_SECRET_KEY="test",
        AUDITAPP_QUEUE_FILE=app.config["QUEUE_FILE"],
        AUDITAPP_QUEUE_NAME=app.config["QUEUE_NAME"],
        **extra,
    )
    if app.config["REDIS_URL"]:
        env["AUDITAPP_REDIS_URL"] = app.config["REDIS_URL"]
    return env


def start_worker(env, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "auditapp", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_job_leaves_no_file_and_the_next_one_finishes_it(
    app, client, login_as, six_audits, make_audit, tmp_path
):
    # Twenty-four parts of one audit: several seconds of work, killed after two.
    more = [make_audit(staff=six_audits[0].staff_member) for _ in range(18)]
    app.config["JOB_PDF_PART_AUDITS"] = 1
    login_as("trainer")
    queue.current().huey.flush()  # the submits' own report renders, not this test's subject
    log = (tmp_path / "worker.log").open("w")
    first = start_worker(worker_env(app), log)
    try:
        job_id = request_job(client)
        wait_for(lambda: jobs.progress(job_row(job_id)).done >= 2, "two audits rendered")
        # It renders at a lower CPU priority than the web server (WORKER_NICENESS).
        stat = Path(f"/proc/{first.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # (The kernel caps niceness at 19, for a test run that is itself niced.)
        assert int(stat[16]) == min(19, os.nice(0) + app.config["WORKER_NICENESS"])
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    job = job_row(job_id)
    assert job.status == "queued"
    assert not (jobs.folder() / f"{jobs.stem(job)}.pdf").exists()
    assert client.get(f"/jobs/{job_id}/download").status_code == 409

    # The next worker finds it stalled (no worker touched it for JOB_STALE_SECONDS: 0 here)
    # and goes on from the parts on disk.
    second = start_worker(worker_env(app, AUDITAPP_JOB_STALE_SECONDS="0"), log)
    try:
        wait_for(lambda: job_row(job_id).status == "done", "the job to finish")
    finally:
        second.terminate()
        second.wait(timeout=30)
        log.close()
    assert job_row(job_id).restarts >= 1
    response = client.get(f"/jobs/{job_id}/download")
    pages = pages_of(response.get_data())
    response.close()
    ids = [int(p.split("Audit #")[1].split(":")[0]) for p in pages[1:] if "Audit #" in p]
    assert sorted(set(ids)) == sorted(a.id for a in [*six_audits, *more])
    assert "job_restarted" in actions()


@pytest.mark.parametrize("niceness", ["42", "-5", '"low"'])
def test_a_worker_refuses_a_priority_out_of_range(app, niceness):
    env = worker_env(app, AUDITAPP_WORKER_NICENESS=niceness)
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", "worker"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "AUDITAPP_WORKER_NICENESS" in done.stderr and "0" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_jobs_survive_a_web_server_restart(app, client, login_as, six_audits):
    """A job asked for through one app is made and served by another (the server started
    again): the queue and the job are in storage, not in the process."""
    login_as("trainer", email="tia@example.com")
    job_id = request_job(client)
    restarted = create_app({**app.config, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert restarted.extensions["queue"] is not app.extensions["queue"]
    with restarted.app_context():
        assert queue.run_pending() >= 1
        again = restarted.test_client()
        # Not trainer.email: loading it would open this app's session on the other app's
        # engine, leaving a connection that engine's dispose() cannot close.
        again.post("/login", data={"email": "tia@example.com", "password": PASSWORD})
        response = again.get(f"/jobs/{job_id}/download")
        assert response.status_code == 200
        assert response.get_data().startswith(b"%PDF-")
        response.close()
        db.session.remove()
        db.engine.dispose()
