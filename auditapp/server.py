"""The WSGI servers `auditapp serve` runs: waitress in one process, gunicorn in several.

One process (the default) is waitress, which runs everywhere, Windows included. Python
runs one thread at a time in a process, so one process uses one core however many threads
it has; several processes (`--workers`) are gunicorn's pre-fork arbiter with threaded
workers, which restarts a worker that dies. bench/hello_app.py runs under this same code,
so that bench/load.py compares the two apps under the same server.
"""

from __future__ import annotations

import errno
import socket
import sys
from typing import Any


class ServerError(Exception):
    """The server cannot be started as asked; the message says why."""


def check_can_listen(host: str, port: int) -> None:
    """ServerError saying why host:port cannot be listened on (taken, not allowed, no such
    address), before anything says the app is running. Both servers would otherwise fail
    later with a traceback (waitress) or a retry loop (gunicorn)."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServerError(f"cannot listen on {host!r}: no such address ({exc.strerror})") from None
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(
                f"port {port} on {host} is already in use (another auditapp, or another "
                f"program, is listening there): stop it, or choose another port with "
                f"--port, for example: auditapp serve --port {port + 1 if port < 65535 else 8000}"
            ) from None
        if exc.errno == errno.EACCES:
            raise ServerError(
                f"not allowed to listen on port {port}: ports below 1024 need special "
                "rights; choose another with --port, for example --port 8000"
            ) from None
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def run(
    app: Any,
    *,
    host: str,
    port: int,
    threads: int,
    workers: int = 1,
    name: str,
    proxies: int = 0,
) -> None:
    """Serve `app` on host:port until stopped (SIGTERM or Ctrl+C).

    `proxies` is the app's PROXY_FIX: how many reverse proxies in front set
    X-Forwarded-For/-Proto, which the app's ProxyFix reads (auditapp/security.py).
    """
    if workers == 1:
        import waitress

        waitress.serve(app, **waitress_settings(host, port, threads, name, proxies))
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


def waitress_settings(host: str, port: int, threads: int, name: str, proxies: int = 0) -> dict:
    """waitress's settings for one process of `threads` threads.

    One layer reads the forwarded headers under either server: the app's ProxyFix, which
    trusts exactly `proxies` hops. waitress drops X-Forwarded-* before the app sees them
    unless told not to (and its own trusted_proxy would read them a second time), so it
    passes them on, untouched, when a proxy is configured, and drops them otherwise.
    """
    return {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": name,
        "clear_untrusted_proxy_headers": not proxies,
    }


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
        # Which proxies to believe is AUDITAPP_PROXY_FIX's decision alone (the app's
        # ProxyFix), as under waitress: gunicorn would otherwise take X-Forwarded-Proto from
        # any local process. gunicorn passes X-Forwarded-For/-Proto on to the app as sent.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        # gunicorn's control socket sits in the home folder: two servers would share it.
        "control_socket_disable": True,
    }
