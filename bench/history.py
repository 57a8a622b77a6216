"""Benchmark an audit's long history: its page, its PDF and one more amendment.

    python bench/history.py [--steps 10,4000] [--repeat 20] [--database-url URL]

Builds a throw-away SQLite database (or empties the PostgreSQL database given, which must
be one of your own), stores one submitted audit per size through the audit service, gives
each that many amendment steps in its history (bulk-inserted rows shaped as the service
writes them, each with a reason and one change), then prints the median and 95th
percentile, in ms, of: the audit's page, its PDF rendered afresh (cache bypassed), the
first page of the whole history, and one more real amendment through the form.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-history-"))
os.environ["AUDITAPP_INSTANCE_PATH"] = str(TMP)

from sqlalchemy import insert, text  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.models import AuditEvent  # noqa: E402
from auditapp.models._time import utcnow  # noqa: E402
from auditapp.services import audits, people, reports, users  # noqa: E402
from auditapp.services.checklists import available  # noqa: E402

PASSWORD = "bench-password"
CHECKLIST = "service-basics"


def timings(fn, repeat: int) -> tuple[float, float]:
    """Median and 95th percentile in ms (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def stored_audit(supervisor, staff, checklist):
    """A complete audit, submitted through the service with the answers the form would send."""
    form_answers = {
        item.id: max(checklist.scale_for(item), key=lambda option: option.points).value
        for _, item in checklist.iter_items()
    }
    audit, _ = audits.start(
        supervisor=supervisor,
        staff=staff,
        checklist=checklist,
        token=os.urandom(8).hex(),
        interaction=audits.Interaction(channel="in_person", observed_at=datetime(2026, 11, 2, 10)),
        entry=audits.Answers.clean(form_answers, {}),
        submit=True,
    )
    return audit


def lengthen(audit_id: int, user_id: int, steps: int) -> None:
    now = utcnow()
    rows = [
        {
            "audit_id": audit_id,
            "user_id": user_id,
            "action": "amended",
            "reason": f"Watched the recording again ({n}).",
            "changes": [{"field": "Thanked the customer", "before": "Yes", "after": "No"}],
            "created_at": now,
        }
        for n in range(steps)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(AuditEvent), rows[start : start + 5000])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10,4000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{TMP / 'bench.sqlite3'}")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.steps.split(","))

    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "PASSWORD_HASH_METHOD": "pbkdf2",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        from auditapp.services.setup import upgrade_schema

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade_schema()
        supervisor = users.create_user("sup@example.com", "Sam", "supervisor", PASSWORD)
        staff = people.add_staff("Ana Lopez", "Front desk", None, by=None)
        checklist = available()[CHECKLIST]
        client = app.test_client()
        client.post("/login", data={"email": supervisor.email, "password": PASSWORD})

        print(f"database: {db.engine.dialect.name}; median / p95 of {args.repeat} runs, ms")
        print("| amendments | audit page | PDF, fresh | history, page 1 | one more amendment |")
        print("|---|---|---|---|---|")
        for size in sizes:
            audit = stored_audit(supervisor, staff, checklist)
            audit_id, user_id = audit.id, supervisor.id
            lengthen(audit_id, user_id, size)
            cells = measure(client, audit_id, args.repeat)
            print(
                f"| {size:,} | "
                + " | ".join(f"{median:.1f} / {p95:.1f}" for median, p95 in cells)
                + " |"
            )
        db.session.remove()
        db.engine.dispose()


def measure(client, audit_id: int, repeat: int) -> list[tuple[float, float]]:
    """The page, the PDF, the history's first page and an amendment, timed."""
    amend_form = client.get(f"/audits/{audit_id}/amend")
    assert amend_form.status_code == 200
    sent = _form_fields(amend_form.get_data(as_text=True))
    flips = iter(range(10**6))

    def page():
        assert client.get(f"/audits/{audit_id}").status_code == 200

    def pdf():
        audit = reports.load_audit(audit_id)
        assert reports.audit_pdf(audit, use_cache=False).startswith(b"%PDF")

    def history():
        assert client.get(f"/audits/{audit_id}/history").status_code == 200

    def amend():
        n = next(flips)  # a different duration each time: an amendment must change something
        data = {**sent, "duration_minutes": str(1 + n % 500), "reason": f"bench {n}"}
        response = client.post(f"/audits/{audit_id}/amend", data=data)
        assert response.status_code == 302, re.findall(
            r"invalid-feedback[^>]*>([^<]*)", response.get_data(as_text=True)
        )

    return [timings(fn, repeat) for fn in (page, pdf, history, amend)]


def _form_fields(html: str) -> dict[str, str]:
    """The amend form's current values, as the browser would send them back."""

    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag:
            continue
        if kind and kind.group(1) == "submit":
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = body
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = [tag for tag in re.findall(r"<option[^>]*>", body) if " selected" in tag]
        value = re.search(r'value="([^"]*)"', chosen[0]) if chosen else None
        fields[name] = value.group(1) if value else ""
    return fields


if __name__ == "__main__":
    main()
