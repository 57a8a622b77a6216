"""The WSGI servers `auditapp serve` runs: waitress in one process, gunicorn in several.

One process (the default) is waitress, which runs everywhere, Windows included. Python
runs one thread at a time in a process, so one process uses one core however many threads
it has; several processes (`--workers`) are gunicorn's pre-fork arbiter with threaded
workers, which restarts a worker that dies. bench/hello_app.py runs under this same code,
so that bench/load.py compares the two apps under the same server.
"""

from __future__ import annotations

import sys
from typing import Any


class ServerError(Exception):
    """The server cannot be started as asked; the message says why."""


def run(app: Any, *, host: str, port: int, threads: int, workers: int = 1, name: str) -> None:
    """Serve `app` on host:port until stopped (SIGTERM or Ctrl+C)."""
    if workers == 1:
        import waitress

        waitress.serve(app, host=host, port=port, threads=threads, ident=name)
        return
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # gunicorn is not installed on Windows: it needs fork()
        raise ServerError(
            f"--workers {workers} needs gunicorn, which runs on Linux and macOS only "
            f"(this is {sys.platform}): use --workers 1"
        ) from None

    class Arbiter(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_settings(host, port, threads, workers, name).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app  # loaded once, before the fork: the workers share its memory

    Arbiter().run()


def gunicorn_settings(host: str, port: int, threads: int, workers: int, name: str) -> dict:
    """gunicorn's settings for `workers` processes of `threads` threads each."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [address],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": name,
        "preload_app": True,
        # Which proxies to believe is AUDITAPP_PROXY_FIX's decision alone, as under waitress:
        # gunicorn would otherwise take X-Forwarded-Proto from any local process.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        # gunicorn's control socket sits in the home folder: two servers would share it.
        "control_socket_disable": True,
    }
