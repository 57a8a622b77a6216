"""Background work on the huey task queue: its storage, the tasks, and running them in the app.

One machine (the default): the queue is a SQLite file in instance/ and `auditapp serve`
starts a worker process beside the web server. Several machines: set AUDITAPP_REDIS_URL and
run `auditapp worker` wherever there is room (docs/deploy.md).

Tasks are plain functions of ids and other plain values, registered here with `@task` or
`@periodic` by the service that owns them; each app builds its own huey instance holding all
of them, and runs each call inside its app context. They are enqueued only after the
transaction that made their rows has committed, so a worker never looks for a row that is
not there yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger("auditapp.queue")


@dataclass(frozen=True)
class Task:
    function: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0
    schedule: dict[str, str] | None = None  # crontab fields, for periodic tasks


TASKS: dict[str, Task] = {}


def task(*, retries: int = 0, retry_delay: int = 0) -> Callable:
    """Register a function as a task: `queue.enqueue(fn, args...)` then runs it in a worker."""

    def register(function: Callable) -> Callable:
        TASKS[_name(function)] = Task(function, retries, retry_delay)
        return function

    return register


def periodic(**schedule: str) -> Callable:
    """Register a function the workers run on a schedule (huey's crontab fields, in UTC)."""

    def register(function: Callable) -> Callable:
        TASKS[_name(function)] = Task(function, schedule=schedule)
        return function

    return register


def _name(function: Callable) -> str:
    return f"{function.__module__.removeprefix('auditapp.')}.{function.__qualname__}"


@dataclass
class Queue:
    huey: Huey
    calls: dict[str, Any] = field(default_factory=dict)

    def enqueue(self, function: Callable, *args: Any) -> None:
        self.calls[_name(function)](*args)


def init_app(app: Flask) -> None:
    # The services that own tasks, imported so that every task is registered before the
    # huey instance is built (a worker may run any of them).
    from auditapp.services import background  # noqa: F401

    huey = make_huey(app.config)
    queue = Queue(huey)
    for name, registered in TASKS.items():
        run = _in_app(app, registered.function)
        if registered.schedule is not None:
            queue.calls[name] = huey.periodic_task(crontab(**registered.schedule), name=name)(run)
        else:
            queue.calls[name] = huey.task(
                retries=registered.retries, retry_delay=registered.retry_delay, name=name
            )(run)
    app.extensions["queue"] = queue


def make_huey(config: dict[str, Any]) -> Huey:
    name = config["QUEUE_NAME"]
    # No results kept: a task's outcome is written where people look for it (a job's row,
    # the mail log), not in the queue's storage.
    if config["REDIS_URL"]:
        return RedisHuey(name, url=config["REDIS_URL"], results=False)
    path = Path(config["QUEUE_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def _in_app(app: Flask, function: Callable) -> Callable:
    def run(*args: Any) -> Any:
        from auditapp.extensions import db

        with app.app_context():
            try:
                return function(*args)
            finally:
                db.session.remove()

    run.__name__ = function.__name__
    return run


def current() -> Queue:
    return current_app.extensions["queue"]


def enqueue(function: Callable, *args: Any) -> None:
    """Hand a registered task to the workers (after the commit its rows depend on)."""
    current().enqueue(function, *args)


def run_pending(limit: int | None = None) -> int:
    """Run the tasks waiting in the queue here, one after another, as a worker would; how
    many ran. For tests and `auditapp worker --once`."""
    huey = current().huey
    done = 0
    while limit is None or done < limit:
        waiting = huey.dequeue()
        if waiting is None:
            break
        huey.execute(waiting)
        done += 1
    return done
