"""CPU per request of the blank scoring form, in one process (no server, no network).

    python bench/form_page.py [--requests 300] [--rounds 7]

Builds a throw-away SQLite database with one supervisor and one staff member, logs in with
Flask's test client, and times GET /audits/new?staff=..&checklist=angry-customer (the page
bench/load.py opens) against bench/hello_app.py's one-word page through the same test
client. Prints a table of milliseconds of CPU per request (process time, the best of
--rounds rounds of --requests requests each, so that other work on the machine counts as
little as it can). This is the figure to watch when changing what every page pays for: the
login check, the session, the hooks, the templates.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("AUDITAPP_INSTANCE_PATH", tempfile.mkdtemp(prefix="auditapp-form-page-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hello_app import app as hello_app

from auditapp import create_app
from auditapp.services import people, users
from auditapp.services.setup import upgrade_schema

PASSWORD = "form-page-bench-password"
CHECKLIST = "angry-customer"


def per_request(client, path: str, requests: int, rounds: int) -> float:
    """Best milliseconds of CPU per request over `rounds` rounds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(requests):
            response = client.get(path)
        spent = time.process_time() - start
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        best = min(best, spent / requests * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    app = create_app({"SECRET_KEY": "form-page-bench"})
    with app.app_context():
        upgrade_schema()
        users.create_user("supervisor@bench.example.com", "Supervisor", "supervisor", PASSWORD)
        staff_id = people.add_staff("Staff member", "Team", by=None).id
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', login_page)[1]
    login = {"email": "supervisor@bench.example.com", "password": PASSWORD, "csrf_token": csrf}
    if client.post("/login", data=login).status_code != 302:
        sys.exit("the bench supervisor could not log in")
    form_path = f"/audits/new?staff={staff_id}&checklist={CHECKLIST}"
    gc.collect()
    gc.freeze()  # as auditapp serve does

    form = per_request(client, form_path, args.requests, args.rounds)
    hello = per_request(hello_app.test_client(), "/", args.requests, args.rounds)
    print("| page | ms of CPU per request |")
    print("|---|---|")
    print(f"| blank scoring form ({CHECKLIST}) | {form:.3f} |")
    print(f"| hello-world | {hello:.3f} |")
    print(f"\nthe form page costs {form / hello:.1f} times hello-world's CPU")


if __name__ == "__main__":
    main()
