"""A batch PDF from the browser, end to end: the trainer asks for it on the audit list, the
job's page shows it being made by the worker that `auditapp serve` started, then the
download; nobody else may open it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from .helpers import STAFF_NAME, SUPERVISOR, TRAINER, log_in

pytestmark = pytest.mark.browser


def test_a_batch_pdf_is_made_in_the_background_and_downloaded(
    page: Page, browser: Browser, app_server
):
    log_in(page, TRAINER)
    page.goto("/audits")
    page.get_by_label("Staff member").select_option(label=STAFF_NAME)
    # Their last six weeks (a year of them is about 180 PDFs: minutes of a niced worker's time
    # for no more proof than a few dozen give).
    page.get_by_label("From").fill((date.today() - timedelta(days=42)).isoformat())
    page.get_by_role("button", name="Filter").click()
    total = int(re.search(r"(\d+) audits?, newest first", page.content()).group(1))
    assert total > 1
    page.get_by_role("button", name="Print these as PDF").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    job_url = page.url
    expect(page.get_by_role("heading", name="Audits as one PDF")).to_be_visible()
    expect(page.get_by_text(f"Staff member: {STAFF_NAME}")).to_be_visible()
    # The page refreshes itself until the worker is done, at a lower CPU priority than the
    # server: on a machine busy with other work that takes a while.
    expect(page.get_by_text(f"Ready: {total} audits")).to_be_visible(timeout=180_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download audits-.*\.pdf")).click()
    pages = PdfReader(BytesIO(download.value.path().read_bytes())).pages
    cover = pages[0].extract_text()
    assert f"{total} audits" in cover
    assert f"Staff member: {STAFF_NAME}" in cover
    text = " ".join(p.extract_text() for p in pages[1:])
    assert len(set(re.findall(r"Audit #(\d+):", text))) == total

    page.goto("/jobs")
    expect(page.get_by_role("link", name="Download")).to_have_count(1)

    # Another user, in a browser of their own, is refused the page and the file.
    other = browser.new_context(base_url=app_server.url)
    try:
        them = other.new_page()
        log_in(them, SUPERVISOR)
        assert them.goto(job_url).status == 403
        assert them.request.get(f"{job_url}/download").status == 403
    finally:
        other.close()
