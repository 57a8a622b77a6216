"""Load: simulated supervisors and trainers at work against `auditapp serve`.

    python bench/load.py [--database sqlite|pg] [--database-url URL] [--people 30]
                         [--supervisors-share 0.7] [--workers 1] [--threads 8]
                         [--redis-url URL] [--minutes 3] [--ramp 30] [--think 1-5]
                         [--cpu-seconds 8] [--hello-seconds 30] [--rounds 5] [--seed 7]

Starts `auditapp serve` on a free port with a fresh database: SQLite in a temporary
folder, or PostgreSQL in a database `bench_load` that it creates and drops (with
--database-url, that database's public schema is emptied instead). Before the server
starts it loads `auditapp demo`'s organisation (about 2,400 audits over a year, two teams
of six) and adds the simulated users through the services. Then three phases:

1. People at work (--ramp seconds of arrivals, then --minutes measured). Each person is
   one thread with its own connection and cookies (bench/people.py) and logs in through
   the login form. A supervisor (--supervisors-share of the people) opens a blank audit
   form, fills it, saves a draft with half the answers (the redirect opens the draft),
   submits the complete audit (the redirect opens the result) and opens its PDF. A trainer
   opens a staff member's page, a team's page, /insights and a team's audits as CSV from a
   date. Between two clicks each waits a think time drawn uniformly from --think seconds.
   Pages are counted from the end of the ramp-up, logins from the start.
2. CPU per page (--cpu-seconds per page): a few clients open one kind of page after
   another with no pause; the server processes' CPU (user + system, from Linux's /proc)
   divided by the pages served.
3. The blank form against bench/hello_app.py (--hello-seconds, in --rounds turns), under
   the same server code, processes and threads: requests per second, as information.

It prints a table per phase and checks in the database that every audit the server said
was submitted is there exactly once, submitted, with the score auditapp.scoring gives for
the answers sent, all its item and section rows and its two events; every draft it said
was saved is there as a draft; and nothing else was stored for these supervisors. It
exits 1 on any error or a failed check (a page over 150 ms at the 95th percentile is
marked, not fatal).
"""

# ruff: noqa: E402 (the instance folder and bench/ on the path come before the imports)
from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
os.environ.setdefault("AUDITAPP_INSTANCE_PATH", tempfile.mkdtemp(prefix="auditapp-load-"))
sys.path.insert(0, str(BENCH))

from people import (
    PAGES,
    TRAINER_PAGES,
    Failed,
    Person,
    Saved,
    Stats,
    Supervisor,
    Trainer,
    answers_for,
    audit_id_in,
    interaction_fields,
    trainer_path,
)
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from auditapp import create_app
from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent, AuditItem, AuditSection, StaffMember, Team
from auditapp.scoring import score
from auditapp.services import checklists as checklist_store
from auditapp.services import demo, users
from auditapp.services.setup import upgrade_schema

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
PASSWORD = "load-bench-password"
SECRET = "load-bench-secret"
TARGET_MS = 150
# Every simulated person logs in from 127.0.0.1, far more often than the login limits allow
# one address or (in the CPU phase) one account: throttling is not what this measures.
SERVER_ENV = {
    "AUDITAPP_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
    "AUDITAPP_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
}


class RunClock:
    """When the ramp-up ends and the run is over, in time.monotonic()."""

    def __init__(self, ramp: float, minutes: float) -> None:
        self.started = time.monotonic()
        self.ramp_end = self.started + ramp
        self.deadline = self.ramp_end + minutes * 60

    def measuring(self) -> bool:
        return self.ramp_end <= time.monotonic() < self.deadline

    def over(self) -> bool:
        return time.monotonic() >= self.deadline


class Always:
    """The clock of the CPU phase: every request counts; the phase stops people itself."""

    def measuring(self) -> bool:
        return True

    def over(self) -> bool:
        return False


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
    # Started in the run's folder: `python -m` puts the working folder first on the path,
    # which would serve the auditapp there instead of the one PYTHONPATH names.
    process = subprocess.Popen(
        command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent
    )
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


def prepare(url: str, supervisors: int, trainers: int) -> dict:
    """The demo organisation and the simulated users; what the people need to know."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade_schema()
        audits = demo.load()
        people = {"supervisor": [], "trainer": []}
        for role, count in (("supervisor", supervisors), ("trainer", trainers)):
            for i in range(count):
                email = f"{role}{i + 1}@load.example.com"
                user = users.create_user(email, f"{role.title()} {i + 1}", role, PASSWORD)
                people[role].append((email, user.id))
        world = {
            "demo audits": audits,
            "people": people,
            "staff": list(db.session.scalars(select(StaffMember.id).order_by(StaffMember.id))),
            "teams": list(db.session.scalars(select(Team.id).order_by(Team.id))),
            "checklists": list(checklist_store.available().values()),
        }
        db.engine.dispose()
    return world


def run_threads(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def people_at_work(args, port, world, saved, server) -> dict:
    """Phase 1: every person in a thread of their own, arriving over the ramp-up."""
    clock = RunClock(args.ramp, args.minutes)
    stats = Stats()
    think = args.think
    everyone: list[Person] = []
    for i, (email, _) in enumerate(world["people"]["supervisor"]):
        rng = random.Random(args.seed * 10_000 + i)
        everyone.append(
            Supervisor(
                port, email, PASSWORD, rng, stats, think, clock,
                staff_ids=world["staff"], checklists=world["checklists"], saved=saved,
                pdf_share=args.pdf_share,
            )
        )  # fmt: skip
    for i, (email, _) in enumerate(world["people"]["trainer"]):
        rng = random.Random(args.seed * 10_000 + 5_000 + i)
        everyone.append(
            Trainer(
                port, email, PASSWORD, rng, stats, think, clock,
                staff_ids=world["staff"], team_ids=world["teams"],
            )
        )  # fmt: skip
    random.Random(args.seed).shuffle(everyone)
    gap = args.ramp / max(1, len(everyone))

    def arrive(n: int, person: Person):
        def go():
            time.sleep(n * gap)
            person.run()

        return go

    cpu = {}

    def measure():  # the server's CPU over the measured minutes only
        time.sleep(max(0.0, clock.ramp_end - time.monotonic()))
        cpu["start"], cpu["load"] = process_tree_cpu(server.pid), os.getloadavg()
        time.sleep(max(0.0, clock.deadline - time.monotonic()))
        cpu["end"] = process_tree_cpu(server.pid)

    client_cpu = time.process_time()
    meter = threading.Thread(target=measure)
    meter.start()
    run_threads([arrive(n, p) for n, p in enumerate(everyone)])
    meter.join()
    measured = sum(len(stats.times[p]) for p in PAGES if p not in ("login page", "login", "home"))
    return {
        "stats": stats,
        "requests": measured,
        "server cpu": (cpu["end"] - cpu["start"]) if cpu.get("start") is not None else None,
        "client cpu": time.process_time() - client_cpu,
        "reconnects": sum(p.browser.reconnects for p in everyone),
        "load": cpu.get("load"),
        "load after": os.getloadavg(),
    }


class PageCpu:
    """Phase 2's clients: per client a supervisor and a trainer already logged in, and the
    drafts and audits this client made (a draft is submitted by the one who saved it)."""

    def __init__(self, args, port, world, saved: list[Saved]) -> None:
        self.world, self.saved, self.stats = world, saved, Stats()
        self.rngs = [random.Random(args.seed * 777 + i) for i in range(args.cpu_clients)]
        self.sup, self.tra = [], []
        for i, rng in enumerate(self.rngs):
            for role, into in (("supervisor", self.sup), ("trainer", self.tra)):
                emails = world["people"][role]
                if emails:
                    email = emails[i % len(emails)][0]
                    person = Person(port, email, PASSWORD, rng, self.stats, (0, 0), Always())
                    person.log_in()
                    into.append(person)
        self.drafts: list[list[dict]] = [[] for _ in self.rngs]
        self.audits: list[list[int]] = [[] for _ in self.rngs]
        self.rendered: list[list[int]] = [[] for _ in self.rngs]
        self.next = [0] * len(self.rngs)

    def steps(self) -> list[tuple[str, object]]:
        steps = []
        if self.sup:
            steps += [("form", self.form), ("draft save", self.draft_save)]
            steps += [("draft open", self.draft_open), ("submit", self.submit)]
            steps += [("result", self.result), ("PDF, first", self.pdf_first)]
            steps += [("PDF, again", self.pdf_again)]
        if self.tra:
            steps += [(page, self.trainer(page)) for page in TRAINER_PAGES]
        return steps

    def _new_path(self, rng, checklist) -> str:
        return f"/audits/new?staff={rng.choice(self.world['staff'])}&checklist={checklist.id}"

    def form(self, i: int) -> None:
        rng = self.rngs[i]
        self.sup[i].click("form", "GET", self._new_path(rng, rng.choice(self.world["checklists"])))

    def draft_save(self, i: int) -> None:
        """A complete audit saved as a draft (with a token of its own, as a new form has)."""
        rng = self.rngs[i]
        checklist = rng.choice(self.world["checklists"])
        channel = rng.choice(checklist.channels or ("in_person",))
        fields, answers = answers_for(rng, checklist)
        token = secrets.token_urlsafe(24)
        form = {
            "csrf_token": self.sup[i].csrf,
            "token": token,
            "fingerprint": checklist.fingerprint,
            **interaction_fields(rng, channel),
            **fields,
        }
        path = self._new_path(rng, checklist)
        location, _ = self.sup[i].click(
            "draft save", "POST", path, {**form, "save_draft": "Save draft"}, want=302
        )
        audit_id = audit_id_in(location, r"/audits/(\d+)/edit")
        self.saved.append(Saved(audit_id, token, checklist.id, channel, {}, "draft"))
        draft = Saved(audit_id, token, checklist.id, channel, answers, "submitted")
        self.drafts[i].append({"saved": draft, "form": form})

    def draft_open(self, i: int) -> None:
        draft = self.drafts[i][self.next[i] % len(self.drafts[i])]
        self.next[i] += 1
        self.sup[i].click("draft open", "GET", f"/audits/{draft['saved'].audit_id}/edit")

    def submit(self, i: int) -> None:
        if not self.drafts[i]:
            raise Failed("no draft left to submit")
        draft = self.drafts[i].pop()
        audit_id = draft["saved"].audit_id
        post = {**draft["form"], "submit": "Submit audit"}
        location, _ = self.sup[i].click(
            "submit", "POST", f"/audits/{audit_id}/edit", post, want=302
        )
        if audit_id_in(location, r"/audits/(\d+)") == audit_id:
            self.saved.append(draft["saved"])
            self.audits[i].append(audit_id)

    def result(self, i: int) -> None:
        self.sup[i].click("result", "GET", f"/audits/{self.rngs[i].choice(self.audits[i])}")

    def pdf_first(self, i: int) -> None:
        """Each audit this client submitted, rendered for the first time."""
        if self.next[i] >= len(self.audits[i]):
            raise Failed("every audit rendered once already")
        self.next[i] += 1
        audit_id = self.audits[i][self.next[i] - 1]
        self.sup[i].click("PDF, first", "GET", f"/audits/{audit_id}.pdf")
        self.rendered[i].append(audit_id)

    def pdf_again(self, i: int) -> None:
        """An audit's PDF already rendered (by this bench), from the server's cache."""
        audit_id = self.rngs[i].choice(self.rendered[i])
        self.sup[i].click("PDF, again", "GET", f"/audits/{audit_id}.pdf")

    def trainer(self, page: str):
        def get(i: int) -> None:
            path = trainer_path(page, self.rngs[i], self.world["staff"], self.world["teams"])
            self.tra[i].click(page, "GET", path)

        return get

    def run(self, seconds: float, server) -> list[tuple]:
        """(page, requests, req/s, server CPU ms per request, median ms) of each page."""
        rows = []
        for page, action in self.steps():
            self.next = [0] * len(self.rngs)
            deadline = time.monotonic() + seconds

            def loop(i: int, action=action, deadline=deadline):
                def go():
                    while time.monotonic() < deadline:
                        try:
                            action(i)
                        except (Failed, IndexError, ZeroDivisionError):
                            time.sleep(0.05)  # nothing left to do for this client

                return go

            before, started = process_tree_cpu(server.pid), time.monotonic()
            run_threads([loop(i) for i in range(len(self.rngs))])
            spent, after = time.monotonic() - started, process_tree_cpu(server.pid)
            times = self.stats.times.get(page, [])
            cpu = (after - before) * 1000 / len(times) if times and before is not None else None
            rows.append((page, len(times), len(times) / spent, cpu, percentile(times, 0.5)))
        return rows


def form_vs_hello(args, port, world, env, work, server_options, server) -> dict:
    """Phase 3: the blank form and hello-world in turns, as many clients, no pause."""
    hello_port = free_port()
    hello = start(
        [sys.executable, str(BENCH / "hello_app.py"), "--port", str(hello_port), *server_options],
        hello_port,
        env,
        work / "hello.log",
    )
    stats, hello_stats = Stats(), Stats()
    try:
        email = world["people"]["supervisor"][0][0]
        forms = []
        for i in range(args.hello_clients):
            person = Person(port, email, PASSWORD, random.Random(i), stats, (0, 0), Always())
            person.log_in()
            forms.append(person)
        hellos = [
            Person(hello_port, "", "", random.Random(i), hello_stats, (0, 0), Always())
            for i in range(args.hello_clients)
        ]
        checklist = world["checklists"][0]
        form_path = f"/audits/new?staff={world['staff'][0]}&checklist={checklist.id}"
        each = args.hello_seconds / 2 / args.rounds
        rounds, cpu = [], defaultdict(float)
        for _ in range(args.rounds):  # in turns, so that the machine's drift hits both
            rates = []
            for page, clients, path, process, into in (
                ("form", forms, form_path, server, stats),
                ("hello", hellos, "/", hello, hello_stats),
            ):
                before, deadline = len(into.times[page]), time.monotonic() + each
                cpu_before = process_tree_cpu(process.pid)

                def loop(person, page=page, path=path, deadline=deadline):
                    def go():
                        person.browser.close()  # a new connection, as after a pause
                        while time.monotonic() < deadline:
                            with contextlib.suppress(Failed):
                                person.click(page, "GET", path)

                    return go

                run_threads([loop(p) for p in clients])
                rates.append((len(into.times[page]) - before) / each)
                if cpu_before is not None:
                    cpu[page] += process_tree_cpu(process.pid) - cpu_before
            rounds.append(tuple(rates))
    finally:
        stop(hello)
    counts = {"form": len(stats.times["form"]), "hello": len(hello_stats.times["hello"])}
    return {
        "rounds": rounds,
        "rates": {k: n / (each * args.rounds) for k, n in counts.items()},
        "cpu": {k: cpu[k] * 1000 / n for k, n in counts.items() if n and k in cpu},
        "median": {
            "form": percentile(stats.times["form"], 0.5),
            "hello": percentile(hello_stats.times["hello"], 0.5),
        },
        "errors": sum(stats.errors.values()) + sum(hello_stats.errors.values()),
        "examples": stats.examples + hello_stats.examples,
    }


def check_saved(url: str, saved: list[Saved], world) -> dict[str, int]:
    """Every audit the server said it saved: there once, with the expected score; nothing
    else stored for the simulated supervisors."""
    by_id = {c.id: c for c in world["checklists"]}
    supervisors = [user_id for _, user_id in world["people"]["supervisor"]]
    submitted = {s.audit_id: s for s in saved if s.status == "submitted"}
    drafts = {s.audit_id: s for s in saved if s.status == "draft" and s.audit_id not in submitted}
    found = {"submitted, said stored": len(submitted), "found once, right score": 0}
    found.update({"lost": 0, "wrong score or rows": 0, "duplicated": 0})
    found.update({"drafts left, said saved": len(drafts), "drafts found": 0})
    found["stored, never confirmed"] = 0
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        query = select(Audit).where(Audit.supervisor_id.in_(supervisors or [0]))
        rows = {a.id: a for a in db.session.execute(query).scalars()}

        def counted(model):
            query = select(model.audit_id, func.count()).group_by(model.audit_id)
            return dict(db.session.execute(query).all())

        items, sections, events = counted(AuditItem), counted(AuditSection), counted(AuditEvent)
        tokens = defaultdict(int)
        for audit in rows.values():
            tokens[audit.form_token] += 1
        found["duplicated"] = sum(n - 1 for n in tokens.values() if n > 1)
        for s in submitted.values():
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
        for s in drafts.values():
            audit = rows.get(s.audit_id)
            if audit is not None and audit.form_token == s.token and audit.status == "draft":
                found["drafts found"] += 1
        found["stored, never confirmed"] = len(set(rows) - set(submitted) - set(drafts))
        db.engine.dispose()
    return found


def _same(stored, expected) -> bool:
    if stored is None or expected is None:
        return stored is expected
    return abs(float(stored) - float(expected)) < 1e-9


def percentile(times: list[float], share: float) -> float | None:
    """Milliseconds at `share` (nearest rank) of `times` (seconds); None if empty."""
    if not times:
        return None
    ms = sorted(t * 1000 for t in times)
    return ms[max(0, min(len(ms) - 1, math.ceil(len(ms) * share) - 1))]


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    low_s, high_s = float(low), float(high or low)
    if not 0 <= low_s <= high_s:
        raise argparse.ArgumentTypeError(f"--think wants LOW-HIGH seconds, got {text!r}")
    return low_s, high_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL to use (its public schema is emptied)")
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--supervisors-share", type=float, default=0.7)
    parser.add_argument("--workers", type=int, default=1, help="server processes (both apps)")
    parser.add_argument("--threads", type=int, default=8, help="threads per process (both apps)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="login limits' store when --workers is above 1",
    )
    parser.add_argument("--minutes", type=float, default=3, help="measured, after the ramp-up")
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which people arrive")
    parser.add_argument("--think", type=think_range, default=(1.0, 5.0), help='e.g. "1-5"')
    parser.add_argument("--cpu-seconds", type=float, default=8, help="phase 2, per page; 0: skip")
    parser.add_argument("--cpu-clients", type=int, default=4)
    parser.add_argument("--hello-seconds", type=float, default=30, help="phase 3; 0: skip")
    parser.add_argument("--hello-clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="turns of form page and hello")
    parser.add_argument(
        "--pdf-share", type=float, default=1.0, help="share of audits whose PDF is opened"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    trainers = round(args.people * (1 - args.supervisors_share))
    url, drop = fresh_database(args)
    world = prepare(url, args.people - trainers, trainers)
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
    # `python -m auditapp` rather than the console script: PYTHONPATH then picks which
    # auditapp is served (another commit's, checked out elsewhere, for a comparison).
    command = [sys.executable, "-m", "auditapp", "serve", "--port", str(port), *server_options]
    saved: list[Saved] = []
    results: dict = {"load before": os.getloadavg()}
    server = start(command, port, env, work / "auditapp.log")
    try:
        if args.minutes > 0 and args.people > 0:
            results["people"] = people_at_work(args, port, world, saved, server)
        if args.cpu_seconds > 0:
            results["cpu"] = PageCpu(args, port, world, saved).run(args.cpu_seconds, server)
        if args.hello_seconds > 0:
            results["hello"] = form_vs_hello(args, port, world, env, work, server_options, server)
    finally:
        stop(server)
    results["integrity"] = check_saved(url, saved, world)
    drop()
    sys.exit(report(args, world, results))


def others_testing() -> int:
    """How many other pytest processes run on this machine (it is shared)."""
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"pytest" in cmdline.read_bytes():
                count += 1
        except OSError:
            continue
    return count


def ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def report(args, world, results) -> int:
    """Print the tables; 1 if anything failed (an error, an audit lost or wrong), else 0."""
    kind = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    if args.workers == 1:
        server = f"waitress, 1 process x {args.threads} threads"
    else:
        server = f"gunicorn, {args.workers} processes x {args.threads} threads"
    sups, trainers = len(world["people"]["supervisor"]), len(world["people"]["trainer"])
    low, high = args.think
    print(
        f"\n{kind}, {sups + trainers} people ({sups} supervisors, {trainers} trainers), "
        f"think {low:g}-{high:g} s, PDF of {args.pdf_share:.0%} of audits, "
        f"{args.ramp:g} s ramp-up + {args.minutes:g} min measured, "
        f"{server}; demo data: {world['demo audits']} audits"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average (1 min) before "
        f"{results['load before'][0]:.2f}; other pytest processes at the end: {others_testing()}"
    )
    failed = 0
    examples: list[str] = []
    if people := results.get("people"):
        stats = people["stats"]
        print(
            f"\n| page | requests | median ms | p95 ms | max ms | errors | p95 < {TARGET_MS} ms |"
        )
        print("|---|---|---|---|---|---|---|")
        misses = []
        for page in PAGES:
            times, errors = stats.times.get(page, []), stats.errors.get(page, 0)
            if not times and not errors:
                continue
            p95 = percentile(times, 0.95)
            met = p95 is not None and p95 < TARGET_MS
            if not met:
                misses.append(page)
            print(
                f"| {page} | {len(times)} | {ms(percentile(times, 0.5))} | {ms(p95)} | "
                f"{ms(percentile(times, 1.0))} | {errors} | {'met' if met else '**missed**'} |"
            )
        errors = sum(stats.errors.values())
        failed += errors
        examples += stats.examples
        seconds = args.minutes * 60
        n = people["requests"]
        line = f"\npages after the ramp-up: {n} in {seconds:g} s ({n / seconds:.1f} a second)"
        if people["server cpu"] is not None and n:
            line += f"; server CPU {people['server cpu'] * 1000 / n:.1f} ms a page"
            line += f" ({people['server cpu'] / seconds:.0%} of one core)"
        if people["load"]:
            during, after = people["load"][0], people["load after"][0]
            line += f"; load average during {during:.2f}, after {after:.2f}"
        print(line)
        print(
            f"client process CPU (all people, whole run): {people['client cpu']:.1f} s; "
            f"idle connections the server had closed, opened again: {people['reconnects']}"
        )
        verdict = "met" if not misses else "**not met**: " + ", ".join(misses)
        print(f"every page's p95 under {TARGET_MS} ms: {verdict}; errors: {errors}")
    if rows := results.get("cpu"):
        print(
            f"\nCPU per page ({args.cpu_clients} clients, no pause, {args.cpu_seconds:g} s a page)"
        )
        print("\n| page | requests | req/s | server CPU ms a page | median ms |")
        print("|---|---|---|---|---|")
        for page, n, rate, cpu, median in rows:
            print(f"| {page} | {n} | {rate:.1f} | {ms(cpu)} | {ms(median)} |")
    if hello := results.get("hello"):
        form, world_rate = hello["rates"]["form"], hello["rates"]["hello"]
        share = form / world_rate if world_rate else 0.0
        print(
            f"\nblank form {form:.1f} req/s (median {ms(hello['median']['form'])} ms), "
            f"hello-world {world_rate:.1f} req/s (median {ms(hello['median']['hello'])} ms): "
            f"{share:.0%} of hello-world, as information ({args.hello_clients} clients, no pause)"
        )
        shares = ", ".join(f"{f / h:.0%}" if h else "-" for f, h in hello["rounds"])
        print(f"each of {args.rounds} rounds: {shares}")
        if len(hello["cpu"]) == 2:
            print(
                f"server CPU a request: blank form {hello['cpu']['form']:.2f} ms, "
                f"hello-world {hello['cpu']['hello']:.2f} ms"
            )
        failed += hello["errors"]
        examples += hello["examples"]
    integrity = results["integrity"]
    print("\n| audits | count |\n|---|---|")
    for name, value in integrity.items():
        print(f"| {name} | {value} |")
    bad = integrity["lost"] + integrity["duplicated"] + integrity["wrong score or rows"]
    bad += integrity["stored, never confirmed"]
    bad += integrity["drafts left, said saved"] - integrity["drafts found"]
    verdict = "yes" if not bad else "**no**"
    print(f"every confirmed audit stored exactly once with the right score: {verdict}")
    for example in examples:
        print("error:", example)
    return 1 if failed or bad else 0


if __name__ == "__main__":
    main()
