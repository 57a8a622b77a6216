"""Benchmark scoring offline's server side on the demo data: the package a device keeps,
and audits sent back.

    python bench/offline.py [--repeat 20] [--database-url URL]

Loads the demo (`auditapp demo`'s data) into a throw-away SQLite database (or empties the
PostgreSQL database given, which must be one of your own), signs in as the demo supervisor
and prints the median and 95th percentile, in ms, of: `GET /offline/package.json` (every
checklist's blank form and the roster; its size too), `POST /offline/audits` of a new audit
(checked by the form's rules, scored and stored), and the same audit sent again (the
idempotent answer a device gets after a send cut off halfway).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-offline-"))
os.environ["AUDITAPP_INSTANCE_PATH"] = str(TMP)

from sqlalchemy import text  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.services import demo  # noqa: E402
from auditapp.services.checklists import available  # noqa: E402

SUPERVISOR = "sam.supervisor@example.com"
CHECKLIST = "service-basics"


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def timed(fn, *args, **kwargs) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def audit_json(token: str, staff_id: int, fingerprint: str, checklist) -> dict:
    best = {
        item.id: max(checklist.scale_for(item), key=lambda o: o.points).value
        for _, item in checklist.iter_items()
    }
    return {
        "token": token,
        "fingerprint": fingerprint,
        "staff_member_id": staff_id,
        "submit": True,
        "interaction": {
            "channel": "in_person",
            "observed_at": (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        "answers": best,
        "comments": {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{TMP / 'bench.sqlite3'}")
    args = parser.parse_args()

    app = create_app({"DATABASE_URL": args.database_url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from auditapp.services.setup import upgrade_schema

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade_schema()
        audits = demo.load()
        checklist = available()[CHECKLIST]
        client = app.test_client()
        client.post("/login", data={"email": SUPERVISOR, "password": demo.PASSWORD})

        body = client.get("/offline/package.json").get_data()
        kept = client.get("/offline/package.json").get_json()
        staff_id = kept["staff"][0]["id"]
        fingerprint = next(c["fingerprint"] for c in kept["checklists"] if c["id"] == CHECKLIST)

        package = [timed(client.get, "/offline/package.json") for _ in range(args.repeat)]
        sent = [
            audit_json(f"bench-{n}", staff_id, fingerprint, checklist) for n in range(args.repeat)
        ]
        new = [timed(client.post, "/offline/audits", json=audit) for audit in sent]
        again = [timed(client.post, "/offline/audits", json=audit) for audit in sent]
        codes = {client.post("/offline/audits", json=sent[0]).status_code}

        print(
            f"database: {db.engine.dialect.name}; the demo's {audits:,} audits, "
            f"{len(kept['checklists'])} checklists, {len(kept['staff'])} staff members; "
            f"median / p95 of {args.repeat} requests, ms"
        )
        print(
            f"package.json: {len(body):,} bytes ({len(gzip.compress(body)):,} gzipped); "
            f"a repeated send answers {codes}"
        )
        print("| request | median | p95 |")
        print("|---|---:|---:|")
        for name, times in (
            ("GET /offline/package.json", package),
            ("POST /offline/audits, a new audit", new),
            ("POST /offline/audits, the same audit again", again),
        ):
            median, p95 = percentiles(times)
            print(f"| {name} | {median:.1f} | {p95:.1f} |")
        db.session.remove()


if __name__ == "__main__":
    main()
