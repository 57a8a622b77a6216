"""Benchmark the PDF reports against raw WeasyPrint, and the CLI batch against one-by-one.

    python bench/pdf.py [--repeat 5] [--batch 50]

Builds a throw-away SQLite database with the demo data (300 audits), then prints a table:
for one audit and a blank checklist, WeasyPrint rendering the very HTML the app renders
versus the app's endpoint (login, role check, queries, Jinja and WeasyPrint); a cached
repeat download; and `auditapp report audits` on a batch versus rendering the same audits
one after another. Times are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-pdf-"))
os.environ["AUDITAPP_INSTANCE_PATH"] = str(TMP)
os.environ["AUDITAPP_DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"

from sqlalchemy import select  # noqa: E402
from weasyprint import HTML  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.models import Audit  # noqa: E402
from auditapp.pdf import STATIC_DIR, StaticOnlyFetcher  # noqa: E402
from auditapp.services import checklists, demo, reports  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw(html: str) -> bytes:
    base = STATIC_DIR.as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=StaticOnlyFetcher()).write_pdf()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    app = create_app({"WTF_CSRF_ENABLED": False})  # the bench logs in without a browser
    rows = []
    with app.app_context():
        upgrade_schema()
        demo.load()
        ids = (
            db.session.execute(
                select(Audit.id)
                .where(Audit.status == "submitted")
                .order_by(Audit.observed_at.desc())
            )
            .scalars()
            .all()
        )
        audit = reports.load_audit(ids[0])
        checklist = checklists.available()[audit.checklist_id]
        audit_html = reports.audit_html(audit)
        blank_html = reports.printable_html("pdf/blank.html", checklist=checklist)
        raw(audit_html)  # warm up fonts once, as a running server has

        client = app.test_client()
        client.post("/login", data={"email": demo.SUPERVISORS[0][0], "password": demo.PASSWORD})

        def endpoint_cold():
            for path in Path(app.instance_path, "cache", "pdf").glob("*.pdf"):
                path.unlink()
            assert client.get(f"/audits/{audit.id}.pdf").status_code == 200

        one_raw = median_time(lambda: raw(audit_html), args.repeat)
        one_app = median_time(endpoint_cold, args.repeat)
        rows.append(
            (
                "one audit",
                "WeasyPrint alone",
                one_raw,
                "app endpoint",
                one_app,
                f"+{100 * (one_app / one_raw - 1):.0f}% (target ≤ +20%)",
            )
        )
        client.get(f"/audits/{audit.id}.pdf")
        cached = median_time(
            lambda: client.get(f"/audits/{audit.id}.pdf").data, max(args.repeat, 20)
        )
        rows.append(
            (
                "cached repeat",
                "",
                None,
                "app endpoint",
                cached,
                f"{cached * 1000:.1f} ms (target < 20 ms)",
            )
        )
        blank_raw = median_time(lambda: raw(blank_html), args.repeat)
        blank_app = median_time(
            lambda: client.get(f"/checklists/{checklist.id}.pdf").data, args.repeat
        )
        rows.append(
            (
                "blank checklist",
                "WeasyPrint alone",
                blank_raw,
                "app endpoint",
                blank_app,
                f"+{100 * (blank_app / blank_raw - 1):.0f}%",
            )
        )

        # The batch: the newest audits from a start date that takes in at least --batch.
        start = db.session.get(Audit, ids[args.batch - 1]).observed_at.date()
        batch_ids = (
            db.session.execute(
                select(Audit.id).where(Audit.status == "submitted", Audit.observed_at >= start)
            )
            .scalars()
            .all()
        )

        def one_after_another():
            for audit_id in batch_ids:
                reports.audit_pdf(reports.load_audit(audit_id), use_cache=False)

        sequential = median_time(one_after_another, max(1, args.repeat // 2))
    command = [
        sys.executable,
        "-m",
        "auditapp",
        "report",
        "audits",
        "--from",
        str(start),
        "--fresh",
        "-o",
        str(TMP / "batch.pdf"),
    ]
    cli = median_time(
        lambda: subprocess.run(command, check=True, capture_output=True), max(1, args.repeat // 2)
    )
    one_process = median_time(
        lambda: subprocess.run([*command, "--jobs", "1"], check=True, capture_output=True),
        max(1, args.repeat // 2),
    )
    target = f"target ≤ 0.65×, {os.cpu_count()} cores"
    batch = f"{len(batch_ids)} audits"
    rows.append(
        (
            batch,
            "in-process loop",
            sequential,
            "auditapp report audits",
            cli,
            f"{cli / sequential:.2f}× ({target})",
        )
    )
    rows.append(
        (
            batch,
            "report --jobs 1",
            one_process,
            "auditapp report audits",
            cli,
            f"{cli / one_process:.2f}× ({target})",
        )
    )

    print(f"{'case':<16} {'baseline':<18} {'s':>7}   {'auditapp':<23} {'s':>7}   result")
    for case, base_name, base, name, value, verdict in rows:
        base_text = f"{base:7.3f}" if base is not None else " " * 7
        print(f"{case:<16} {base_name:<18} {base_text}   {name:<23} {value:7.3f}   {verdict}")


if __name__ == "__main__":
    main()
