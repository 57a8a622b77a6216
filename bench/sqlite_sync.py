"""What SQLite's synchronous=FULL costs against NORMAL when supervisors submit audits.

    python bench/sqlite_sync.py [--audits 300] [--threads 4] [--rounds 3] [--folder DIR]

For each setting, builds a throw-away SQLite database (in a new folder inside --folder,
default the temporary folder: give the disk the real database lives on, since the cost is
the disk's flush; the folder is deleted afterwards)
and submits --audits audits through the service a submit calls (services.audits.start, one
commit each), first one after another, then from --threads threads at once (each with its
own app, as several server threads or processes would). Prints a table: the median and
95th-percentile milliseconds of one submit, and audits a second.

The app sets synchronous=FULL; NORMAL is put back by a second connect listener, which runs
after the app's own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="auditapp-bench-sync-"))
os.environ.setdefault("AUDITAPP_INSTANCE_PATH", str(TMP))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from auditapp import create_app  # noqa: E402
from auditapp.checklists import NA  # noqa: E402
from auditapp.extensions import db  # noqa: E402
from auditapp.services import audits, people, users  # noqa: E402
from auditapp.services.checklists import available  # noqa: E402
from auditapp.services.setup import upgrade_schema  # noqa: E402

CHECKLIST = "angry-customer"
SETTING = {"synchronous": "FULL"}


@event.listens_for(Engine, "connect")
def _bench_synchronous(dbapi_connection, _record) -> None:
    dbapi_connection.execute(f"PRAGMA synchronous={SETTING['synchronous']}")


def good_answers(checklist, channel: str) -> audits.Answers:
    """The best answer to every item (N/A where the item does not apply to the channel)."""
    answers = {}
    for _, item in checklist.iter_items():
        options = sorted(checklist.scale_for(item), key=lambda o: o.points)
        best = options[0] if item.kind == "dont" else options[-1]
        answers[item.id] = best.value if item.applies_to(channel) else NA
    return audits.Answers.clean(answers, {})


def submit_all(count: int, prefix: str, supervisor_id: int, staff_id: int) -> list[float]:
    """Submit `count` audits in the current app; the seconds each took."""
    from auditapp.models import StaffMember, User

    supervisor = db.session.get(User, supervisor_id)
    staff = db.session.get(StaffMember, staff_id)
    checklist = available()[CHECKLIST]
    channel = checklist.channels[0]
    entry = good_answers(checklist, channel)
    times = []
    for n in range(count):
        interaction = audits.Interaction(
            channel=channel, observed_at=datetime(2026, 11, 2, 9) + timedelta(minutes=n)
        )
        started = time.perf_counter()
        audits.start(
            supervisor=supervisor,
            staff=staff,
            checklist=checklist,
            token=f"{prefix}-{n}",
            interaction=interaction,
            entry=entry,
            submit=True,
        )
        times.append(time.perf_counter() - started)
    return times


Row = tuple[str, list[float], float]  # what was timed, each submit's seconds, wall seconds


def run(setting: str, folder: Path, count: int, threads: int) -> list[Row]:
    SETTING["synchronous"] = setting
    folder.mkdir(exist_ok=True)
    url = f"sqlite:///{folder / f'bench-{setting.lower()}.sqlite3'}"
    config = {"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    app = create_app(config)
    with app.app_context():
        upgrade_schema()
        supervisor = users.create_user("sup@example.com", "Sam", "supervisor", "bench-password")
        staff = people.add_staff("Ana Lopez", "Front desk", by=None)
        ids = (supervisor.id, staff.id)
        got = db.session.execute(db.text("PRAGMA synchronous")).scalar_one()
        assert got == {"NORMAL": 1, "FULL": 2}[setting], got
        submit_all(10, "warm-up", *ids)
        started = time.perf_counter()
        alone = submit_all(count, "alone", *ids)
        rows = [("one after another", alone, time.perf_counter() - started)]
        db.session.remove()

    together: list[float] = []
    apps = [create_app(config) for _ in range(threads)]
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        with apps[n].app_context():
            barrier.wait()
            together.extend(submit_all(count // threads, f"t{n}", *ids))
            db.session.remove()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rows.append((f"{threads} threads at once", together, time.perf_counter() - started))
    for each in [app, *apps]:
        with each.app_context():
            db.engine.dispose()
    return rows


def order(row) -> tuple[bool, bool]:
    (setting, label), _ = row
    return label != "one after another", setting != "NORMAL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="auditapp-bench-sync-", dir=args.folder))

    # Rounds alternate which setting goes first, so that a machine getting busier or
    # quieter during the run does not favour one of them.
    timed: dict[tuple[str, str], tuple[list[float], float]] = {}
    for n in range(args.rounds):
        for setting in ("NORMAL", "FULL") if n % 2 == 0 else ("FULL", "NORMAL"):
            for label, times, wall in run(setting, folder / str(n), args.audits, args.threads):
                kept, spent = timed.get((setting, label), ([], 0.0))
                timed[setting, label] = (kept + times, spent + wall)

    print(
        f"{args.audits} audits submitted through services.audits.start, {args.rounds} rounds, "
        f"in {folder}"
    )
    print(
        f"{'synchronous':<11} | {'submitting':<19} | {'median (ms)':>11} | "
        f"{'p95 (ms)':>8} | {'audits/s':>8}"
    )
    print("-" * 70)
    for (setting, label), (times, wall) in sorted(timed.items(), key=order):
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{setting:<11} | {label:<19} | {statistics.median(times) * 1000:>11.2f} | "
            f"{p95 * 1000:>8.2f} | {len(times) / wall:>8.0f}"
        )
    shutil.rmtree(folder)
    shutil.rmtree(TMP)  # the instance folder: its secret key


if __name__ == "__main__":
    main()
