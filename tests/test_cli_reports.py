"""`auditapp report audits` and `auditapp report blank`: PDFs from a terminal."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader


def pages_of(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def report_starts(pages: list[str]) -> list[int]:
    """Ids of the audit reports that begin on these pages, in order."""
    return [int(m.group(1)) for p in pages if (m := re.search(r"Audit #(\d+): ", p))]


@pytest.fixture
def three_audits(make_staff, make_audit):
    ana, ben = make_staff("Ana Lopez"), make_staff("Ben Carter", team="Contact centre")
    return [
        make_audit(staff=ana, observed_at=datetime(2026, 10, 1, 9, 0)),
        make_audit(staff=ana, observed_at=datetime(2026, 11, 1, 9, 0)),
        make_audit(staff=ben, observed_at=datetime(2026, 11, 2, 9, 0)),
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_report_audits_prints_cover_then_each_audit(cli, three_audits, tmp_path, jobs):
    out = tmp_path / "all.pdf"
    result = cli("report", "audits", "--jobs", jobs, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote 3 audits to {out}" in result.output
    pages = pages_of(out)
    assert "Audit reports 3 audits" in pages[0]
    # Newest first, each starting a new page after the cover.
    assert report_starts(pages) == [a.id for a in three_audits[::-1]]


def test_report_audits_filters(cli, three_audits, tmp_path):
    out = tmp_path / "ana.pdf"
    result = cli("report", "audits", "--staff", "Ana Lopez", "--from", "2026-10-15", "-o", str(out))
    assert result.exit_code == 0, result.output
    pages = pages_of(out)
    assert "1 audits" not in pages[0] and "1 audit " in pages[0] + " "
    assert "Staff member: Ana Lopez" in pages[0] and "from 15 Oct 2026" in pages[0]
    assert report_starts(pages) == [three_audits[1].id]

    by_team = tmp_path / "team.pdf"
    assert cli("report", "audits", "--team", "Contact centre", "-o", str(by_team)).exit_code == 0
    assert "Ben Carter" in pages_of(by_team)[0] and "Ana Lopez" not in pages_of(by_team)[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--staff", "Nobody"], "no staff member named or coded 'Nobody'"),
        (["--team", "Nowhere"], "no team named 'Nowhere'"),
        (["--checklist", "nope"], "no submitted audits match these filters"),
        (["--from", "2026-11-05", "--to", "2026-11-01"], "--to is before --from"),
        (["--from", "05/11/2026"], "--from '05/11/2026' is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_report_audits_bad_input(cli, three_audits, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = cli("report", "audits", *args, "-o", str(out))
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_report_audits_drafts_are_not_printed(cli, make_audit, tmp_path):
    make_audit(submit=False)
    result = cli("report", "audits", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert "no submitted audits match" in result.output


def test_report_to_an_unwritable_place_is_one_clear_error(cli, three_audits, tmp_path):
    result = cli("report", "audits", "-o", str(tmp_path / "missing-dir" / "x.pdf"))
    assert result.exit_code == 1
    assert "cannot write" in result.output
    assert "Traceback" not in result.output


def test_report_blank_has_every_item(cli, app, tmp_path):
    from auditapp.services.checklists import available

    out = tmp_path / "blank.pdf"
    result = cli("report", "blank", "counter-basics", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(pages_of(out))
    for _, item in available()["counter-basics"].iter_items():
        assert item.text in text
    assert "signature and date" in text


def test_report_blank_unknown_checklist(cli, tmp_path):
    result = cli("report", "blank", "nope", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert "no valid checklist 'nope'; checklists: counter-basics" in result.output


def test_batch_pdf_keeps_each_audits_page_numbers(cli, three_audits, tmp_path):
    out = tmp_path / "all.pdf"
    assert cli("report", "audits", "--jobs", "1", "-o", str(out)).exit_code == 0
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    footers = [" ".join(p.extract_text().split()) for p in reader.pages]
    # Every audit report numbers its own pages, ready to be signed on its own.
    assert sum("Page 1 of" in f for f in footers) == 1 + len(three_audits)
