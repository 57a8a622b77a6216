"""The smallest Flask app, the yardstick for bench/load.py: same server, same threads.

python bench/hello_app.py --port 8080 --threads 8 [--workers 1]

It runs under auditapp.server.run, the code `auditapp serve` runs: waitress in one process,
gunicorn with --workers above 1.
"""

from __future__ import annotations

import argparse

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    """One word, no template, no database."""
    return "hello"


if __name__ == "__main__":
    from auditapp import server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print(f"hello is running at http://{args.host}:{args.port}", flush=True)
    server.run(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        workers=args.workers,
        name="hello",
    )
