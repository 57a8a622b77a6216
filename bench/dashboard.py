"""Benchmark the trainer's pages and the answers export on a large data set.

    python bench/dashboard.py [--audits 100000] [--database sqlite|postgresql|both]
                              [--repeat 20] [--thirty-items] [--reuse] [--statements]

Generates a realistic data set quickly with bulk inserts (the shipped checklists, 12 teams,
300 staff members, 10 supervisors, audits spread over a year, per-item and per-section rows
scored by the real engine; with --thirty-items every audit uses one synthetic 30-item
checklist instead, for 3 million item rows), then times the staff page, the team page,
/insights through the app and the answers CSV export of the last 30 days through the job
that writes it, and prints median and 95th-percentile
times. It also times what the totals cost and save: submits through the service (which
recompute the totals they touch) and the reads /insights makes, made from the audit rows
alone instead of the totals.
PostgreSQL is read from AUDITAPP_BENCH_POSTGRES_URL (default: the local `test` database,
whose public schema is dropped and made anew).

--reuse keeps the data between runs: a database that already holds a finished data set of
the same size (PostgreSQL's, or SQLite's file in the temporary folder named after the size)
is brought to the newest migration and timed without generating again; otherwise it is
made anew as usual. Generating 1,000,000 audits on PostgreSQL takes about 11 minutes.
--statements also prints, per page, the slowest SQL statements of one request (after
three warm-ups), each timed around the cursor's execute (psycopg has every row by then;
SQLite makes rows as they are fetched, so its figures there are too low).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

PG_URL = os.environ.get(
    "AUDITAPP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
os.environ.setdefault("AUDITAPP_INSTANCE_PATH", tempfile.mkdtemp(prefix="auditapp-bench-"))

from sqlalchemy import create_engine, event, func, insert, inspect, select, text  # noqa: E402

from auditapp import clock, create_app  # noqa: E402
from auditapp.checklists import NA  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.heap import freeze_startup_objects  # noqa: E402
from auditapp.models import (  # noqa: E402
    Audit,
    AuditItem,
    AuditSection,
    ItemMonthTotal,
    StaffMember,
    Team,
    User,
)
from auditapp.scoring import score  # noqa: E402
from auditapp.services import audits as audit_service  # noqa: E402
from auditapp.services import checklists as checklist_store  # noqa: E402
from auditapp.services import insights as ins  # noqa: E402
from auditapp.services import insights_quality as iq  # noqa: E402
from auditapp.services import job_tasks, jobs, month_totals, period_totals, periods, rollups  # noqa: E402
from auditapp.services.audit_queries import AuditFilters  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402

PASSWORD = "bench-password"
PATTERNS_PER_CHECKLIST = 400  # scored answer sets that the audits reuse
BATCH = 5000


def database_url(kind: str, audits: int, reuse: bool) -> tuple[str, bool]:
    """The database to time, and whether it already holds a finished data set of `audits`
    audits (only with `reuse`); otherwise it is made empty."""
    if kind == "sqlite":
        if not reuse:
            return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}", False
        path = Path(tempfile.gettempdir()) / f"auditapp-bench-{audits}.sqlite3"
        url = f"sqlite:///{path}"
        if path.exists() and _holds_data_set(url, audits):
            return url, True
        path.unlink(missing_ok=True)
        return url, False
    if reuse and _holds_data_set(PG_URL, audits):
        return PG_URL, True
    return fresh_database(kind), False


def _holds_data_set(url: str, audits: int) -> bool:
    """A generation that finished: its audits, and the totals rebuilt after them."""
    engine = create_engine(url)
    try:
        if not {"audits", "item_month_totals"} <= set(inspect(engine).get_table_names()):
            return False
        with engine.connect() as connection:
            bulk = connection.execute(
                select(func.count()).select_from(Audit).where(Audit.id <= audits)
            ).scalar()
            totals = connection.execute(select(ItemMonthTotal.month).limit(1)).first()
        return bulk == audits and totals is not None
    finally:
        engine.dispose()


def fresh_database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


def thirty_item_checklists() -> str:
    """A folder holding one synthetic checklist of 30 yes/no items in five sections."""
    folder = Path(tempfile.mkdtemp(prefix="auditapp-bench-checklists-"))
    lines = [
        "id: bench-thirty",
        "title: Thirty-item benchmark checklist",
        "version: 1",
        "channels: [in_person, phone]",
        "pass_mark: 80",
        "bands:",
        "  - {min: 80, label: Meets the standard}",
        "  - {min: 0, label: Needs coaching}",
        "sections:",
    ]
    for s in range(5):
        lines += [f"  - id: part-{s + 1}", f"    title: Part {s + 1}", "    items:"]
        for i in range(6):
            lines += [
                f"      - id: behaviour-{s + 1}-{i + 1}",
                f"        text: Observable behaviour {s + 1}.{i + 1}",
            ]
    (folder / "bench-thirty.yaml").write_text("\n".join(lines) + "\n")
    return str(folder)


def patterns(rng: random.Random, checklist, count: int) -> list:
    """Answer sets with their scores: skilled and weak staff, some N/A."""
    out = []
    for _ in range(count):
        skill = rng.uniform(0.4, 0.98)
        answers = {}
        for _, item in checklist.iter_items():
            options = sorted(checklist.scale_for(item), key=lambda o: o.points)
            if item.allow_na and rng.random() < 0.1:
                answers[item.id] = NA
                continue
            good = rng.random() < skill
            if item.kind == "dont":
                answers[item.id] = options[0 if good or rng.random() < 0.6 else -1].value
            else:
                answers[item.id] = options[-1 if good else rng.randrange(len(options))].value
        out.append((answers, score(checklist, answers)))
    return out


def generate(count: int, seed: int = 7) -> dict:
    """Fill the database of the current app context; returns ids to time pages with."""
    rng = random.Random(seed)
    started = time.perf_counter()
    teams = [Team(name=f"Team {i + 1}") for i in range(12)]
    db.session.add_all(teams)
    staff = [
        StaffMember(name=f"Staff {i + 1:03d}", team=teams[i % 12], employee_code=f"B{i:04d}")
        for i in range(300)
    ]
    db.session.add_all(staff)
    users = [
        User(
            email=f"sup{i}@example.com", name=f"Supervisor {i}", role="supervisor", password_hash=""
        )
        for i in range(10)
    ]
    trainer = User(email="trainer@example.com", name="Trainer", role="trainer", password_hash="")
    for user in [*users, trainer]:
        user.set_password(PASSWORD)
    db.session.add_all([*users, trainer])
    checklists = list(checklist_store.available().values())
    versions = {c.id: checklist_store.stored_version(c, by=None) for c in checklists}
    db.session.commit()
    pools = {c.id: patterns(rng, c, PATTERNS_PER_CHECKLIST) for c in checklists}
    now = datetime.now().replace(microsecond=0)
    audit_rows, item_rows, section_rows = [], [], []
    item_count = 0
    for audit_id in range(1, count + 1):
        checklist = rng.choice(checklists)
        answers, result = rng.choice(pools[checklist.id])
        observed = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        audit_rows.append(
            {
                "id": audit_id,
                "status": "submitted",
                "staff_member_id": rng.choice(staff).id,
                "supervisor_id": rng.choice(users).id,
                "checklist_version_id": versions[checklist.id].id,
                "checklist_id": checklist.id,
                "form_token": secrets.token_hex(16),
                "channel": rng.choice(checklist.channels or ("in_person", "phone")),
                "observed_at": observed,
                "customer_type": rng.choices(["first_time", "repeat", "advocate"], [5, 4, 1])[0],
                "duration_minutes": rng.randint(2, 30),
                "outcome": rng.choice(["resolved", "resolved", "escalated", "sale", "unresolved"]),
                "lead_captured": rng.random() < 0.3,
                "notes": "",
                "answers": answers,
                "comments": {},
                "overall": result.overall,
                "band": result.band,
                "passed": result.passed,
                "critical_failures": list(result.critical_failures),
                "revision": 0,
                "created_at": observed,
                "updated_at": observed,
                "submitted_at": observed,
            }
        )
        for r in result.items.values():
            item_rows.append(
                {
                    "audit_id": audit_id,
                    "item_id": r.item_id,
                    "section_id": r.section_id,
                    "answer": r.answer,
                    "status": r.status,
                    "kind": r.kind,
                    "critical": r.critical,
                    "critical_failed": r.critical_failed,
                    "earned": r.earned,
                    "possible": r.possible,
                    "met": r.met,
                }
            )
        for s in result.section_results.values():
            section_rows.append(
                {
                    "audit_id": audit_id,
                    "section_id": s.section_id,
                    "percentage": s.percentage,
                    "weight": s.weight,
                    "scored_count": s.scored_count,
                }
            )
        if len(audit_rows) >= BATCH or audit_id == count:
            db.session.execute(insert(Audit), audit_rows)
            db.session.execute(insert(AuditItem), item_rows)
            db.session.execute(insert(AuditSection), section_rows)
            db.session.commit()
            item_count += len(item_rows)
            audit_rows, item_rows, section_rows = [], [], []
    # Bulk inserts bypass the ORM, so the per-day totals are rebuilt once, as after a restore.
    rollups.rebuild_all(db.session)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("audits", "audit_items", "audit_sections"):
            db.session.execute(
                text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            )
        db.session.commit()
        # What autovacuum does soon after a bulk load: planner statistics, and the
        # visibility map that lets PostgreSQL answer from an index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    seconds = time.perf_counter() - started
    return {
        "staff_id": staff[0].id,
        "team_id": teams[0].id,
        "supervisor_id": users[0].id,
        "pools": pools,
        "items": item_count,
        "seconds": seconds,
    }


def existing(count: int, seed: int = 7) -> dict:
    """The ids `generate` returns, from a data set it made in an earlier run."""
    rng = random.Random(seed)
    checklists = list(checklist_store.available().values())
    staff = db.session.execute(select(StaffMember).where(StaffMember.employee_code == "B0000"))
    team = db.session.execute(select(Team).where(Team.name == "Team 1"))
    supervisor = db.session.execute(select(User).where(User.email == "sup0@example.com"))
    items = db.session.execute(
        select(func.count()).select_from(AuditItem).where(AuditItem.audit_id <= count)
    ).scalar()
    return {
        "staff_id": staff.scalar_one().id,
        "team_id": team.scalar_one().id,
        "supervisor_id": supervisor.scalar_one().id,
        "pools": {c.id: patterns(rng, c, PATTERNS_PER_CHECKLIST) for c in checklists},
        "items": items,
        "seconds": 0.0,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_pages(app, ids: dict, repeat: int) -> list[tuple[str, float, float, str]]:
    client = app.test_client()
    client.post("/login", data={"email": "trainer@example.com", "password": PASSWORD})
    rows = []
    for name, url in PAGES:
        url = url.format(**ids)
        response = client.get(url)
        if response.status_code != 200:
            rows.append((name, float("nan"), float("nan"), f"HTTP {response.status_code}"))
            continue
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        rows.append(
            (name, statistics.median(times), percentile(times, 0.95), "target p95 < 150 ms")
        )
    rows.append(time_export())
    return rows


def time_export(days: int = 30) -> tuple[str, float, float, str]:
    """The answers export of the last `days` days, as the trainer gets it: past the direct
    download's limit it is a job, so the worker's own task writes the file (run here in this
    process, without the queue's polling)."""
    trainer = db.session.execute(select(User).where(User.email == "trainer@example.com"))
    today = clock.today()
    filters = AuditFilters(date_from=today - timedelta(days=days - 1), date_to=today)
    job = jobs.request_csv(trainer.scalar_one(), "answers_csv", filters, "bench")
    started = time.perf_counter()
    job_tasks.write_csv(job.id)
    seconds = time.perf_counter() - started
    db.session.refresh(job)
    if job.status != "done":
        return ("answers export", seconds, seconds, f"job {job.status}: {job.error}")
    path = jobs.file_of(job)
    with path.open("rb") as out:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: out.read(1 << 20), b"")) - 1
    path.unlink()
    return (
        "answers export",
        seconds,
        seconds,
        f"{days} days: {lines:,} rows, {lines / seconds:,.0f} rows/s (target ≥ 150,000)",
    )


PAGES = (
    ("staff page", "/staff/{staff_id}"),
    ("team page", "/teams/{team_id}"),
    ("/insights", "/insights"),
)


def time_statements(app, ids: dict, show: int = 8) -> None:
    """The slowest statements of one request of each page, after three warm-ups."""
    client = app.test_client()
    client.post("/login", data={"email": "trainer@example.com", "password": PASSWORD})
    timings: list[tuple[float, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info.pop("bench_started")
        timings.append((elapsed, " ".join(statement.split())))

    for name, url in PAGES:
        url = url.format(**ids)
        for _ in range(3):
            client.get(url)
        timings.clear()
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        started = time.perf_counter()
        client.get(url)
        total = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
        sql = sum(t for t, _ in timings)
        print(
            f"  {name}: {total * 1000:.1f} ms, {len(timings)} statements, {sql * 1000:.1f} ms SQL"
        )
        for elapsed, statement in sorted(timings, reverse=True)[:show]:
            print(f"    {elapsed * 1000:7.1f} ms  {statement[:150]}")


def time_submits(ids: dict, count: int) -> tuple[float, float, str]:
    """Submit audits through the service the form calls, one commit each, as now: the
    totals of the (day, checklist, channel) and (month, checklist, staff member) groups
    they touch are recomputed in the same transaction."""
    rng = random.Random(11)
    checklists = list(checklist_store.available().values())
    supervisor = db.session.get(User, ids["supervisor_id"])
    staff = db.session.get(StaffMember, ids["staff_id"])
    times = []
    for n in range(count):
        checklist = rng.choice(checklists)
        answers, _ = rng.choice(ids["pools"][checklist.id])
        interaction = audit_service.Interaction(
            channel=rng.choice(checklist.channels or ("in_person", "phone")),
            observed_at=datetime.now().replace(microsecond=0) - timedelta(minutes=n),
            outcome="resolved",
        )
        started = time.perf_counter()
        audit_service.start(
            supervisor=supervisor,
            staff=staff,
            checklist=checklist,
            token=secrets.token_hex(16),
            interaction=interaction,
            entry=audit_service.Answers.clean(answers, {}),
            submit=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times), percentile(times, 0.95), f"{count} audits, one at a time"


def time_reads_from_rows(repeat: int) -> tuple[float, float, str]:
    """The reads /insights makes for its default period (the last 90 days), made from the
    audit rows alone, as they would be without the totals: a lower bound of the page without
    them (no rendering, no other query)."""
    f = ins.InsightFilters()
    first, last = f.period()
    rows_only = periods.Plan(None, None, (periods.DaySpan(first, last, 1),))
    reads = [
        (
            month_totals.INTERACTIONS,
            ["checklist_id", "channel", "customer_type", "outcome", "band"],
        ),
        (month_totals.RATERS, ["checklist_id", "supervisor_id"]),
        (month_totals.SECTIONS, ["staff_member_id", "section_id"]),
    ]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for rollup, group in reads:
            period_totals.read(rollup, rows_only, {}, group, by_month=rollup is reads[0][0])
        iq._counts_from_item_rows(f)
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times), percentile(times, 0.95), "insights' reads, no totals"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--thirty-items",
        action="store_true",
        help="score every audit on one synthetic 30-item checklist (3 million item rows)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the generated data between runs: time a database that already holds it",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print the slowest SQL statements of one request of each page",
    )
    args = parser.parse_args()
    checklists_dir = thirty_item_checklists() if args.thirty_items else None
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"{'database':<11} {'case':<15} {'median ms':>10} {'p95 ms':>8}   note")
    for kind in kinds:
        url, reused = database_url(kind, args.audits, args.reuse)
        app = create_app(
            {
                "DATABASE_URL": url,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "CHECKLISTS_DIR": checklists_dir,
            }
        )
        with app.app_context():
            started = time.perf_counter()
            upgrade_schema()
            migrated = time.perf_counter() - started
            if reused and db.engine.dialect.name == "postgresql":
                # What autovacuum does after a migration's bulk insert, as after generating.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("VACUUM ANALYZE"))
            ids = existing(args.audits) if reused else generate(args.audits)
            what = f"reused (migrations {migrated:.1f} s)" if reused else "generated"
            if db.engine.dialect.name == "postgresql":  # docs/deploy.md: it moves the pages
                with db.engine.connect() as c:
                    workers = c.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
                what += f"; max_parallel_workers_per_gather {workers}"
            print(
                f"{kind:<11} {'generate':<15} {ids['seconds'] * 1000:>10.0f} {'':>8}   "
                f"{args.audits:,} audits, {ids['items']:,} item rows, {what}"
            )
            freeze_startup_objects()  # as `auditapp serve` does
            if args.statements:
                time_statements(app, ids)
            rows = time_pages(app, ids, args.repeat)
            rows.append(("submit", *time_submits(ids, args.repeat)))
            rows.append(("rows, no totals", *time_reads_from_rows(max(3, args.repeat // 4))))
            for name, median, p95, note in rows:
                print(f"{kind:<11} {name:<15} {median * 1000:>10.1f} {p95 * 1000:>8.1f}   {note}")
            db.engine.dispose()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
