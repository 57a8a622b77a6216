"""The browser tests' fixtures: `auditapp serve` as a real subprocess on a free local port, with
the demo data loaded by the CLI into a database of its own, and Debian's chromium.

SQLite by default (a file in a temporary instance folder). With AUDITAPP_TEST_DATABASE_URL the
server uses that PostgreSQL database, after the main suite's `database_url` fixture has built
its schema, and empties it again when the browser tests are done so that the rest of the suite
starts from empty tables as it expects.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from .helpers import AXE_JS, Watch

# CI sets AUDITAPP_REQUIRE_BROWSER=1: there a missing chromium or axe-core fails the run.
REQUIRE_BROWSER = os.environ.get("AUDITAPP_REQUIRE_BROWSER") == "1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def missing(what: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{what} (AUDITAPP_REQUIRE_BROWSER=1)")
    pytest.skip(what)


@dataclass
class Server:
    url: str
    netloc: str
    env: dict[str, str]
    database_url: str
    checklists: Path  # a copy of checklists/ the server reads: a test may change a file

    def rows(self, sql: str, **params) -> list[tuple]:
        """What the server's database holds (read straight from it, as an auditor would)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [tuple(r) for r in connection.execute(text(sql), params)]
        finally:
            engine.dispose()

    def cli(self, *args: str) -> str:
        """`auditapp ARGS` on the server's database; the test fails with its output if it does."""
        done = subprocess.run(
            [sys.executable, "-m", "auditapp", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"auditapp {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _empty_tables(url: str) -> None:
    from sqlalchemy import create_engine

    import auditapp.models  # noqa: F401  (fills the metadata)
    from auditapp.extensions import db

    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"auditapp serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"auditapp serve did not answer at {url} within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="package")
def app_server(request, tmp_path_factory) -> Server:
    """`auditapp serve` on the demo data, for every browser test."""
    instance = tmp_path_factory.mktemp("browser-instance")
    # Only the settings chosen here: none of the developer's AUDITAPP_* reach the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITAPP_")}
    checklists = instance / "checklists"
    shutil.copytree(Path(__file__).resolve().parents[2] / "checklists", checklists)
    env.update(
        AUDITAPP_INSTANCE_PATH=str(instance),
        AUDITAPP_SECRET_KEY="browser-tests",
        AUDITAPP_CHECKLISTS_DIR=str(checklists),
    )
    pg_url = None
    if os.environ.get("AUDITAPP_TEST_DATABASE_URL"):
        pg_url = request.getfixturevalue("database_url")  # the schema, built once per session
        _empty_tables(pg_url)
        env["AUDITAPP_DATABASE_URL"] = pg_url
    port = _free_port()
    server = Server(
        url=f"http://127.0.0.1:{port}",
        netloc=f"127.0.0.1:{port}",
        env=env,
        database_url=pg_url or f"sqlite:///{instance / 'auditapp.sqlite3'}",
        checklists=checklists,
    )
    server.cli("demo")

    log = instance / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "auditapp", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(process, server.url, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if pg_url:
            _empty_tables(pg_url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium: Playwright cannot download a browser of its own here."""
    if not Path(CHROMIUM).exists():
        missing(f"Debian's chromium is not installed at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


# pytest-playwright keeps Playwright running for the whole session; here it stops with the
# browser tests, because its event loop would otherwise stay on this thread and make any later
# sync_playwright() in the suite fail.
@pytest.fixture(scope="package")
def playwright():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args, browser_type):
    return lambda **options: browser_type.launch(**{**browser_type_launch_args, **options})


@pytest.fixture(scope="package")
def browser(launch_browser):
    """One chromium for all the browser tests (and a context per test)."""
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args(app_server):
    return {"base_url": app_server.url}


@pytest.fixture
def watch(context, app_server) -> Watch:
    """The test's page, watched: checked when the test ends, so that every journey proves that
    no request left the machine and the console stayed free of errors."""
    watch = Watch(context.new_page(), app_server.netloc)
    yield watch
    watch.assert_clean(f"after {watch.page.url}")


@pytest.fixture
def page(watch) -> Page:
    return watch.page


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed at {AXE_JS}: run npm ci --prefix tests/browser")
    return AXE_JS.read_text(encoding="utf-8")
