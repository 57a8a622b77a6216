"""Load: supervisors scoring audits at once against `auditapp serve`, beside hello-world.

    python bench/load.py [--database sqlite|pg] [--database-url URL] [--seconds 30]
                         [--supervisors 20] [--threads 8] [--workers 1] [--redis-url URL]
                         [--rounds 5]

Starts `auditapp serve` on a free port with a fresh database: SQLite in a temporary
instance folder, or PostgreSQL in a database `auditapp_load` that it creates and drops
(with --database-url, that database's public schema is emptied instead). The server is
waitress, or with --workers above 1 gunicorn with that many processes, which then count
login limits in Redis at --redis-url. It adds the supervisors and staff members through
the services, then runs, with one client thread per supervisor, each with its own
keep-alive connection and cookies:

1. audits (--seconds): log in, then over and over open the new-audit form (reading the
   CSRF token, the form token and the checklist fingerprint from the HTML), post a complete
   audit of a shipped checklist with answers of its own, and open the result it is sent to;
2. form page and hello (--seconds each), taking turns --rounds times: the same clients only
   open the new-audit form; then as many clients open bench/hello_app.py, which runs beside
   it under the same server code with the same processes and threads. Taking turns puts
   both under the same minutes of a machine whose speed drifts.

It prints requests/s, median and 95th-percentile latency and errors per step, the form
page's requests/s as a share of hello-world's (overall and in each round), the CPU each
server spent per request in those turns (from Linux's /proc), and then checks
in the database that every audit the server said was saved exists exactly once with the
score the client expects (computed by auditapp.scoring from the answers it sent).

The clients are plain http.client (no extra dependency) and run in this one process, on the
same machine as the server: they take CPU from it, so keep them light.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
os.environ.setdefault("AUDITAPP_INSTANCE_PATH", tempfile.mkdtemp(prefix="auditapp-load-"))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.checklists import NA  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.forms import comment_field_name, item_field_name  # noqa: E402
from auditapp.models import Audit, AuditEvent, AuditItem, AuditSection  # noqa: E402
from auditapp.scoring import normalise_answer, score  # noqa: E402
from auditapp.services import checklists as checklist_store  # noqa: E402
from auditapp.services import people, users  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/auditapp_load"
PASSWORD = "load-bench-password"
SECRET = "load-bench-secret"
# Twenty supervisors log in from 127.0.0.1 within a second: far above what the login limit
# allows one address, so the bench raises the limit (login throttling is not what it measures).
SERVER_ENV = {"AUDITAPP_LOGIN_LIMIT_PER_ADDRESS": "10000 per minute"}
HIDDEN = {
    name: re.compile(rf'name="{name}" type="hidden" value="([^"]*)"')
    for name in ("csrf_token", "token", "fingerprint")
}


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            page = response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), page


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)

    def timed(self, step: str, client: Client, method: str, path: str, form=None, want=200):
        start = time.perf_counter()
        try:
            status, location, page = client.request(method, path, form)
        except (OSError, http.client.HTTPException) as exc:
            self.fail(step, f"{step}: {exc!r}")
            return None
        self.times[step].append(time.perf_counter() - start)
        if status != want:
            self.fail(step, f"{step}: HTTP {status} {location} {page[:200]!r}")
            return None
        return location, page

    def fail(self, step: str, example: str) -> None:
        self.errors[step] += 1
        if len(self.examples) < 5:
            self.examples.append(example)


@dataclass
class Saved:
    audit_id: int
    token: str
    checklist_id: str
    channel: str
    answers: dict[str, str]


def answers_for(rng: random.Random, checklist) -> tuple[dict[str, str], dict[str, str]]:
    """Form fields for a complete audit: a mostly good interaction with some misses and N/A."""
    fields, answers = {}, {}
    for _, item in checklist.iter_items():
        values = [o.value for o in sorted(checklist.scale_for(item), key=lambda o: o.points)]
        if item.allow_na and rng.random() < 0.08:
            value = NA
        elif rng.random() < 0.75:
            value = values[0] if item.kind == "dont" else values[-1]
        else:
            value = rng.choice(values)
        fields[item_field_name(item.id)] = value
        answers[item.id] = normalise_answer(value)
        if rng.random() < 0.2:
            fields[comment_field_name(item.id)] = f"Seen at {rng.randrange(1, 60)} min"
    return fields, answers


def supervisor_flow(port, email, staff_ids, checklists, deadline, stats, saved, rng):
    """Log in, then form, submit, result until the deadline; returns the logged-in client."""
    client = Client(port)
    got = stats.timed("login form", client, "GET", "/login")
    if got is None:
        return None
    csrf = HIDDEN["csrf_token"].search(got[1]).group(1)
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf}
    if stats.timed("login", client, "POST", "/login", form, want=302) is None:
        return None
    while time.monotonic() < deadline:
        checklist = rng.choice(checklists)
        path = f"/audits/new?staff={rng.choice(staff_ids)}&checklist={checklist.id}"
        got = stats.timed("form", client, "GET", path)
        if got is None:
            continue
        hidden = {name: pattern.search(got[1]).group(1) for name, pattern in HIDDEN.items()}
        if hidden["fingerprint"] != checklist.fingerprint:
            stats.fail("form", f"fingerprint {hidden['fingerprint']} != {checklist.fingerprint}")
            continue
        channel = rng.choice(checklist.channels or ("in_person",))
        fields, answers = answers_for(rng, checklist)
        observed = datetime.now() - timedelta(minutes=rng.randrange(5, 600))
        post = {
            **hidden,
            **fields,
            "channel": channel,
            "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
            "customer_type": rng.choice(["first_time", "repeat", "advocate"]),
            "duration_minutes": str(rng.randrange(1, 30)),
            "outcome": rng.choice(["resolved", "sale", "information"]),
            "monetary_value": "",
            "notes": "Load bench",
            "submit": "Submit",
        }
        got = stats.timed("submit", client, "POST", path, post, want=302)
        if got is None:
            continue
        match = re.fullmatch(r"(?:http://[^/]+)?/audits/(\d+)", got[0])
        if match is None:
            stats.fail("submit", f"submit redirected to {got[0]}")
            continue
        saved.append(Saved(int(match[1]), hidden["token"], checklist.id, channel, answers))
        stats.timed("result", client, "GET", got[0].split("127.0.0.1:" + str(port))[-1])
    return client


def repeat_get(client: Client, path: str, step: str, deadline: float, stats: Stats) -> None:
    while time.monotonic() < deadline:
        stats.timed(step, client, "GET", path)


def run_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def process_tree_cpu(pid: int) -> float | None:
    """Seconds of CPU (user + system) of a process and its children so far; None without
    Linux's /proc. gunicorn's workers are the arbiter's children."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    pids = [pid]
    for child in proc.glob(f"{pid}/task/*/children"):
        pids += [int(p) for p in child.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in pids:
        try:
            fields = (proc / str(one) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("w")
    process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped at start:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"the server did not start in 60 s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fresh_database(args) -> tuple[str, object]:
    """A URL for an empty database, and what to do to drop it afterwards."""
    if args.database == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="auditapp-load-db-"))
        return f"sqlite:///{folder / 'load.sqlite3'}", lambda: None
    if args.database_url:
        engine = create_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return args.database_url, lambda: None
    name = make_url(PG_DEFAULT).database
    admin = create_engine(
        make_url(PG_DEFAULT).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    drop()
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    return PG_DEFAULT, drop


def prepare(url: str, supervisors: int):
    """Schema, supervisors and staff members; returns (emails, staff ids, checklists)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade_schema()
        emails = []
        for i in range(supervisors):
            email = f"supervisor{i + 1}@load.example.com"
            users.create_user(email, f"Supervisor {i + 1}", "supervisor", PASSWORD)
            emails.append(email)
        staff_ids = [
            people.add_staff(f"Staff member {i + 1}", f"Team {i % 4 + 1}").id
            for i in range(max(supervisors, 10))
        ]
        checklists = list(checklist_store.available().values())
        db.engine.dispose()
    return emails, staff_ids, checklists


def check_saved(url: str, saved: list[Saved], checklists) -> dict[str, int]:
    """Every audit the server said it saved: there once, complete, with the expected score."""
    by_id = {c.id: c for c in checklists}
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    found = {"said saved": len(saved), "found once, right score": 0, "lost": 0}
    found.update({"wrong score or rows": 0, "duplicated": 0, "in db, never reported": 0})
    with app.app_context():
        rows = {a.id: a for a in db.session.execute(select(Audit)).scalars()}

        def counted(model):
            query = select(model.audit_id, func.count()).group_by(model.audit_id)
            return dict(db.session.execute(query).all())

        items, sections, events = counted(AuditItem), counted(AuditSection), counted(AuditEvent)
        tokens = defaultdict(int)
        for audit in rows.values():
            tokens[audit.form_token] += 1
        found["duplicated"] = sum(n - 1 for n in tokens.values() if n > 1)
        for s in saved:
            audit = rows.get(s.audit_id)
            if audit is None or audit.form_token != s.token:
                found["lost"] += 1
                continue
            expected = score(by_id[s.checklist_id], s.answers, s.channel)
            right = (
                audit.status == "submitted"
                and _same(audit.overall, expected.overall)
                and audit.passed == expected.passed
                and items.get(audit.id) == len(expected.items)
                and sections.get(audit.id) == len(expected.section_results)
                and events.get(audit.id) == 2  # created, submitted
            )
            found["found once, right score" if right else "wrong score or rows"] += 1
        found["in db, never reported"] = len(rows) - len({s.audit_id for s in saved})
        db.engine.dispose()
    return found


def _same(stored, expected) -> bool:
    if stored is None or expected is None:
        return stored is expected
    return abs(float(stored) - float(expected)) < 1e-9


def table(stats: Stats, seconds: float) -> list[tuple]:
    rows = []
    for step, times in stats.times.items():
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))] if ms else 0.0
        rows.append((step, len(ms), len(ms) / seconds, statistics.median(ms), p95))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL to use (its public schema is emptied)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8, help="threads per process (both apps)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (both apps)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/0",
        help="login limits' store when --workers is above 1",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="form page and hello take turns this many times"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url, drop = fresh_database(args)
    emails, staff_ids, checklists = prepare(url, args.supervisors)
    work = Path(tempfile.mkdtemp(prefix="auditapp-load-run-"))
    env = {
        **os.environ,
        **SERVER_ENV,
        "AUDITAPP_DATABASE_URL": url,
        "AUDITAPP_SECRET_KEY": SECRET,
        "AUDITAPP_INSTANCE_PATH": str(work),
    }
    if args.workers > 1:  # several processes must share the login counters
        env["AUDITAPP_RATELIMIT_STORAGE_URI"] = args.redis_url
        env["AUDITAPP_RATELIMIT_KEY_PREFIX"] = f"auditapp-load-{os.getpid()}"
    server_options = ["--threads", str(args.threads), "--workers", str(args.workers)]
    port = free_port()
    server = start(
        ["auditapp", "serve", "--port", str(port), *server_options],
        port,
        env,
        work / "auditapp.log",
    )
    flow, form_only, hello = Stats(), Stats(), Stats()
    saved: list[Saved] = []
    clients: list[Client | None] = [None] * args.supervisors
    rounds: list[tuple[float, float]] = []  # (form page req/s, hello req/s) of each round
    server_cpu: dict[str, float] = defaultdict(float)  # seconds, per step, over the turns
    hello_server = None
    try:
        deadline = time.monotonic() + args.seconds

        def supervisor(i: int) -> None:
            rng = random.Random(args.seed * 1000 + i)
            clients[i] = supervisor_flow(
                port, emails[i], staff_ids, checklists, deadline, flow, saved, rng
            )

        run_threads(args.supervisors, supervisor)
        hello_port = free_port()
        hello_server = start(
            [
                sys.executable,
                str(BENCH / "hello_app.py"),
                "--port",
                str(hello_port),
                *server_options,
            ],
            hello_port,
            env,
            work / "hello.log",
        )
        hello_clients = [Client(hello_port) for _ in range(args.supervisors)]
        form_path = f"/audits/new?staff={staff_ids[0]}&checklist={checklists[0].id}"
        each = args.seconds / args.rounds
        for _ in range(args.rounds):  # taking turns, so that the machine's drift hits both
            rate = []
            for stats, step, get, process in (
                (form_only, "form page", lambda i: clients[i] and (clients[i], form_path), server),
                (hello, "hello", lambda i: (hello_clients[i], "/"), hello_server),
            ):
                before, deadline = len(stats.times[step]), time.monotonic() + each
                cpu_before = process_tree_cpu(process.pid)

                def phase(i, stats=stats, step=step, get=get, deadline=deadline):
                    if target := get(i):
                        # A new connection, as a browser's after a pause: the server may
                        # have closed the idle one (gunicorn's keep-alive is 2 s).
                        target[0].connection.close()
                        repeat_get(*target, step, deadline, stats)

                run_threads(args.supervisors, phase)
                rate.append((len(stats.times[step]) - before) / each)
                if cpu_before is not None and (cpu_after := process_tree_cpu(process.pid)):
                    server_cpu[step] += cpu_after - cpu_before
            rounds.append((rate[0], rate[1]))
    finally:
        stop(server)
        if hello_server is not None:
            stop(hello_server)
    integrity = check_saved(url, saved, checklists)
    drop()

    report(args, flow, form_only, hello, integrity, rounds, server_cpu)


def report(args, flow, form_only, hello, integrity: dict[str, int], rounds, server_cpu) -> None:
    kind = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    if args.workers == 1:
        server = f"waitress, {args.threads} threads"
    else:
        server = f"gunicorn, {args.workers} processes of {args.threads} threads"
    print(f"\n{kind}, {args.supervisors} supervisors, {args.seconds:g} s per phase, {server}\n")
    print("| phase | step | requests | req/s | median ms | p95 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for phase, stats in (("audits", flow), ("form page", form_only), ("hello", hello)):
        for step, n, rate, median, p95 in table(stats, args.seconds):
            errors = stats.errors.get(step, 0)
            print(f"| {phase} | {step} | {n} | {rate:.1f} | {median:.1f} | {p95:.1f} | {errors} |")
        for step, errors in stats.errors.items():
            if step not in stats.times:
                print(f"| {phase} | {step} | 0 | | | | {errors} |")
    form_rate = len(form_only.times["form page"]) / args.seconds
    hello_rate = len(hello.times["hello"]) / args.seconds
    share = form_rate / hello_rate if hello_rate else 0.0
    print(
        f"\nform page {form_rate:.1f} req/s, hello-world {hello_rate:.1f} req/s: "
        f"{share:.0%} of hello-world (target >= 40%)"
    )
    if len(rounds) > 1:
        shares = ", ".join(f"{f / h:.0%}" if h else "-" for f, h in rounds)
        print(f"each round ({args.seconds / args.rounds:g} s of each in turn): {shares}")
    served = {"form page": form_only, "hello": hello}
    if all(server_cpu.get(step) for step in served):
        each = {step: server_cpu[step] * 1000 / len(served[step].times[step]) for step in served}
        print(
            f"server CPU per request (user + system, every server process): form page "
            f"{each['form page']:.2f} ms, hello-world {each['hello']:.2f} ms"
        )
    print("\n| audits | count |\n|---|---|")
    for name, value in integrity.items():
        print(f"| {name} | {value} |")
    for example in flow.examples + form_only.examples + hello.examples:
        print("error:", example)
    bad = integrity["lost"] + integrity["duplicated"] + integrity["wrong score or rows"]
    errors = sum(s for stats in (flow, form_only, hello) for s in stats.errors.values())
    sys.exit(1 if bad or errors else 0)


if __name__ == "__main__":
    main()
