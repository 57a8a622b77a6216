"""Benchmark the event log: appending an entry, verifying the chain, the admin page.

    python bench/event_log.py [--sizes 10000,100000] [--database-url URL]

Builds a throw-away SQLite database (or empties the PostgreSQL database given, which must
be one of your own), fills the log with a valid chain of each size (bulk-inserted, hashed
by the app's own entry_hash), then prints a table: the median time of one logged download
(record_now: lock, insert, read the previous hash, update, commit), `verify()` over the
whole log, and the admin page without and with ?verify=1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-log-"))
os.environ["AUDITAPP_INSTANCE_PATH"] = str(TMP)

from sqlalchemy import insert, select, text  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.models import LogEntry, User  # noqa: E402
from auditapp.models._time import utcnow  # noqa: E402
from auditapp.services import event_log, users  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402

PASSWORD = "bench-password"


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def fill(total: int) -> None:
    """Grow the log to `total` entries with a valid chain, 5,000 rows an INSERT."""
    last = db.session.execute(
        select(LogEntry.id, LogEntry.hash).order_by(LogEntry.id.desc()).limit(1)
    ).first()
    next_id, prev = (last.id + 1, last.hash) if last else (1, event_log.GENESIS)
    start = utcnow()
    rows = []
    for n in range(next_id, total + 1):
        row = {
            "id": n,
            "at": start + timedelta(microseconds=n),
            "user_id": 1,
            "actor": "bench@example.com",
            "action": "exported",
            "subject": "audits CSV",
            "details": {"filters": {"checklist_id": "counter-basics"}, "rows": n % 500},
        }
        row["prev_hash"] = prev
        row["hash"] = prev = event_log.entry_hash(*row.values())
        rows.append(row)
        if len(rows) == 5000:
            db.session.execute(insert(LogEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(LogEntry), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # the rows above set their ids themselves
        db.session.execute(
            text("SELECT setval('event_log_id_seq', (SELECT max(id) FROM event_log))")
        )
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=f"sqlite:///{TMP / 'bench.sqlite3'}")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "PASSWORD_HASH_METHOD": "pbkdf2",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade_schema()
        users.create_user("admin@example.com", "Admin", "admin", PASSWORD)
        admin = db.session.scalar(select(User))
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})

        print(f"database: {db.engine.dialect.name}, median of {args.repeat} runs")
        print(
            f"{'entries':>9} | {'append (ms)':>11} | {'verify (ms)':>11} | "
            f"{'/admin/log (ms)':>15} | {'?verify=1 (ms)':>14}"
        )
        print("-" * 73)
        for size in sizes:
            fill(size)

            def append():
                event_log.record_now("exported", admin, "audits CSV", rows=1)

            appended = median_ms(append, args.repeat * 4)
            verified = median_ms(lambda: event_log.verify(), args.repeat)
            assert event_log.verify() is None
            page = median_ms(lambda: client.get("/admin/log"), args.repeat)
            checked = median_ms(lambda: client.get("/admin/log?verify=1"), args.repeat)
            print(
                f"{size:>9,} | {appended:>11.2f} | {verified:>11.0f} | "
                f"{page:>15.1f} | {checked:>14.0f}"
            )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
