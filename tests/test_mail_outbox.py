"""Without SMTP settings each message is written to instance/outbox/ as an .eml file (the
embedded default loses nothing); and a real `auditapp worker` process delivers them."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from conftest import running_app
from mail_support import BASE_URL, ORGANISATION, mail_config, messages
from mail_support import run_queue as deliver

from auditapp.services import mail


@pytest.fixture
def outbox(tmp_path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app(database_url, checklists_dir, outbox, tmp_path):
    config = {**mail_config(None, outbox), "QUEUE_FILE": str(tmp_path / "queue.sqlite3")}
    with running_app(database_url, checklists_dir, **config) as app:
        yield app


@pytest.fixture
def ana(make_staff, make_user):
    member = make_staff("Ana Lopez")
    return make_user("staff", email="ana@example.com", staff=member)


def read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_without_smtp_each_message_is_written_to_the_outbox(outbox, ana, make_audit):
    audit = make_audit(staff=ana.staff_member)
    deliver()
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml"], "one whole file, no half-written one left"
    parsed = read(files[0])
    assert parsed["To"] == "Staff <ana@example.com>"
    assert parsed["Subject"] == "Your audit on Counter basics was submitted"
    assert f"{BASE_URL}/audits/{audit.id}" in parsed.get_body(("plain",)).get_content()
    assert ORGANISATION in parsed.get_body(("html",)).get_content()
    [row] = messages()
    assert (row.status, row.transport) == ("sent", "outbox")
    assert files[0].name.endswith(f"-{row.id:06d}-audit_submitted.eml")


def test_an_outbox_that_cannot_be_written_is_retried_then_failed(outbox, ana, make_audit):
    outbox.write_text("a file where the folder should be")
    make_audit(staff=ana.staff_member)
    deliver(retries_too=True)
    [row] = messages()
    assert (row.status, row.attempts) == ("failed", mail.ATTEMPTS)
    assert "FileExistsError" in row.last_error or "NotADirectoryError" in row.last_error


def test_the_default_outbox_is_in_the_instance_folder(app):
    app.config["MAIL_OUTBOX_DIR"] = None
    assert mail.outbox_dir() == Path(app.instance_path) / "outbox"


def test_a_worker_process_delivers_a_message(
    app, database_url, checklists_dir, outbox, tmp_path, ana, make_audit
):
    """`auditapp worker`, in a process of its own, on the same queue and database."""
    env = {
        **os.environ,
        "AUDITAPP_DATABASE_URL": database_url,
        "AUDITAPP_SECRET_KEY": "test",
        "AUDITAPP_CHECKLISTS_DIR": str(checklists_dir),
        "AUDITAPP_QUEUE_FILE": app.config["QUEUE_FILE"],
        "AUDITAPP_MAIL_OUTBOX_DIR": str(outbox),
        "AUDITAPP_BASE_URL": BASE_URL,
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "auditapp", "worker"], env=env, stdout=out, stderr=out
        )
    try:
        audit = make_audit(staff=ana.staff_member)
        deadline = time.monotonic() + 60
        while not (outbox.exists() and list(outbox.glob("*.eml"))):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(30)
    [path] = outbox.glob("*.eml")
    assert f"{BASE_URL}/audits/{audit.id}" in read(path).get_body(("plain",)).get_content()
    [row] = messages()
    assert row.status == "sent" and row.transport == "outbox"
