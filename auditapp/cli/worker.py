"""`auditapp worker`: run the background tasks (batch PDFs, large exports, email)."""

from __future__ import annotations

import logging
import os

import click

from .app import app_context


@click.command()
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Tasks run at once (above 1: in processes of their own, one core each).",
)
@click.option("--once", is_flag=True, help="Run the tasks waiting now, then stop.")
def worker(workers: int, once: bool) -> None:
    """Run background tasks from the queue until stopped (SIGTERM or Ctrl+C).

    One machine: `auditapp serve` starts one of these itself. Several: point every machine
    at the same database and AUDITAPP_REDIS_URL and run `auditapp worker` on each.
    """
    from auditapp import queue
    from auditapp.extensions import db
    from auditapp.services import job_tasks
    from auditapp.services.setup import safe_url

    with app_context() as app:
        niceness = app.config["WORKER_NICENESS"]
        if type(niceness) is not int or not 0 <= niceness <= 19:
            raise click.ClickException(
                f"AUDITAPP_WORKER_NICENESS is {niceness!r}: expected a whole number from 0 "
                "(the web server's priority) to 19 (the lowest)"
            )
        if once:
            click.echo(f"Ran {queue.run_pending()} waiting tasks.")
            return
        huey = queue.current().huey
        restarted = job_tasks.restart_stalled()  # a worker killed mid-job: go on with it
        if restarted:
            click.echo(f"Started again the jobs left unfinished: {restarted}")
        where = (
            safe_url(app.config["REDIS_URL"])
            if app.config["REDIS_URL"]
            else (app.config["QUEUE_FILE"])
        )
        # Processes fork from this one: none may take its database connections along.
        db.session.remove()
        db.engine.dispose()
        # Lowered once here, before huey starts its processes: they inherit it.
        os.nice(niceness)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        worker_type = "process" if workers > 1 else "thread"
        click.echo(
            f"auditapp worker: {workers} {worker_type}(s) on the queue {where}, nice {os.nice(0)}"
        )
        # An idle worker looks at the queue at least once a second (huey's default backs off
        # to 10 s): someone is usually watching a job's page. Redis answers at once anyway.
        huey.create_consumer(
            workers=workers, worker_type=worker_type, periodic=True, max_delay=1.0
        ).run()
