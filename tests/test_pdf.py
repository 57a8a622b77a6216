"""PDF reports, read back with pypdf: one audit's report (content, drafts, amendments, the
per-revision cache), long audits over several pages, paper sizes, the URL fetcher that keeps
typed text from reaching files or the network, who may download what, printed batches with a
cover page, and the blank paper checklist.

Every test runs with an instance folder of its own (see the `app` fixture below), so the PDF
cache of one test can never answer another test's download (the database is emptied between
tests, and on SQLite audit ids start again at 1).
"""

from __future__ import annotations

import io
import re
import socket
import urllib.request
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import GOOD_ANSWERS, ITEM_TEXTS, PASSWORD, running_app, text_of
from jobs_support import made_file
from pypdf import PdfReader

from auditapp import create_app
from auditapp.pdf import STATIC_DIR, StaticOnlyFetcher, render_pdf
from auditapp.scoring import score
from auditapp.services import audits as audit_service
from auditapp.services import people, reports, users
from auditapp.services.checklists import available

SECTION_TITLES = {"greeting": "Greeting", "closing": "Closing"}
A4 = (595.28, 841.89)
LETTER = (612, 792)


# --- helpers -----------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list:
    return list(PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [re.sub(r"\s+", " ", page.extract_text() or "").strip() for page in pdf_pages(data)]


def page_size(data: bytes, page: int = 0) -> tuple[float, float]:
    box = pdf_pages(data)[page].mediabox
    return float(box.width), float(box.height)


def assert_size(data: bytes, expected: tuple[float, float]) -> None:
    for n in range(len(pdf_pages(data))):
        assert page_size(data, n) == pytest.approx(expected, abs=1), f"page {n + 1}"


def audit_starting(page_text: str) -> int | None:
    """The id of the audit whose report starts at the top of this page, if one does.

    The status stamp shares the header row with the report's title, and pypdf may read it
    first, so a leading stamp is skipped."""
    match = re.match(r"(?:FINAL(?: · Amended \d\d \w+ \d{4})? |DRAFT )?Audit #(\d+): ", page_text)
    return int(match[1]) if match else None


def assert_pdf(response) -> bytes:
    assert response.status_code == 200, text_of(response)
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return response.data


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"].startswith("/login")


def cached_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "cache" / "pdf"
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def store_audit(
    supervisor,
    staff,
    answers=GOOD_ANSWERS,
    comments=None,
    *,
    checklist_id="counter-basics",
    submit=True,
    **interaction,
):
    """An audit stored through the service, like `make_audit` but with comments and any
    checklist of the test's folder."""
    values = {"channel": "in_person", "observed_at": datetime(2026, 11, 2, 10, 30)}
    values.update(interaction)
    audit, created = audit_service.start(
        supervisor=supervisor,
        staff=staff,
        checklist=available()[checklist_id],
        token=uuid.uuid4().hex,
        interaction=audit_service.Interaction(**values),
        entry=audit_service.Answers.clean(dict(answers), dict(comments or {})),
        submit=submit,
    )
    assert created
    return audit


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def app(database_url, checklists_dir, tmp_path, monkeypatch):
    """The conftest app, but with an instance folder (and so a PDF cache) of this test's own."""
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    with running_app(database_url, checklists_dir) as app:
        yield app


@pytest.fixture
def supervisor(app):
    """A supervisor with a name of their own (not just the role's), to find in reports."""
    return users.create_user("sam.carter@example.com", "Sam Carter", "supervisor", PASSWORD)


@pytest.fixture
def ana(make_staff):
    return make_staff("Ana Lopez", "Front desk")


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to open a connection or resolve a name."""
    calls: list[tuple] = []

    def record(name):
        def refuse(*args, **kwargs):
            calls.append((name, args))
            raise OSError(f"test forbids {name}")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", record("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", record("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", record("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", record("getaddrinfo"))
    # The tripwire works: an ordinary HTTP request is caught by it.
    with pytest.raises(OSError):
        urllib.request.urlopen("http://127.0.0.1:9/tripwire", timeout=1)
    assert calls, "the socket tripwire did not fire"
    calls.clear()
    return calls


# --- 1. one audit's report ---------------------------------------------------------------

REPORT_ANSWERS = {
    "greeted": "yes",
    "warmth": "4",
    "smiled": "often",
    "thanked": "yes",
    "argued": "no",
}


def test_submitted_audit_report_shows_everything(app, client, login, supervisor, ana):
    app.config["ORGANISATION_NAME"] = "Harbour Street Branch"
    audit = store_audit(
        supervisor,
        ana,
        REPORT_ANSWERS,
        {"warmth": "Warm but a little rushed"},
        customer_type="repeat",
        duration_minutes=7,
        outcome="sale",
        monetary_value=Decimal("12.50"),
        lead_captured=True,
        notes="Queue of six people; handled calmly.",
    )
    login(supervisor)
    data = assert_pdf(client.get(f"/audits/{audit.id}.pdf"))
    pages = pdf_text(data)
    text = " ".join(pages)
    checklist = available()["counter-basics"]
    result = score(checklist, REPORT_ANSWERS, "in_person")

    # Who, what, against which checklist
    for expected in (
        "Harbour Street Branch",
        f"Audit #{audit.id}: Ana Lopez",
        "Front desk",
        f"Scored by {supervisor.name}",
        "Counter basics · version 2",
        f"fingerprint {checklist.short_fingerprint}",
    ):
        assert expected in text
    # The interaction's measures
    for expected in (
        "Channel In person",
        "Customer type Repeat customer",
        "Duration 7 min",
        "Outcome Sale made",
        "Monetary value 12.50",
        "Lead or referral captured Yes",
    ):
        assert expected in text
    # The result
    assert audit.overall == pytest.approx(result.overall)
    assert f"{result.overall:.1f}%" in text
    assert result.band and result.band in text
    assert result.passed is True
    assert "PASS" in text and "FAIL" not in text
    for section_id, title in SECTION_TITLES.items():
        assert f"{title} {result.sections[section_id]:.1f}%" in text
    # Every item with its Do/Don't mark, answer label and points
    rows = {
        "greeted": "Do Critical Greeted the customer Yes 1/1",
        "warmth": "Do Greeted with warmth",
        "smiled": "Do Smiled Often 3/3",
        "thanked": "Do Thanked the customer Yes 1/1",
        "argued": "Don't Critical Argued with the customer No 1/1",
    }
    for item_id, row in rows.items():
        assert row in text, item_id
        assert ITEM_TEXTS[item_id] in row
    assert "Comment: Warm but a little rushed" in text
    assert "4 – Very good 4/5" in text
    assert "Queue of six people; handled calmly." in text
    # History, signatures, status
    assert f"Started by {supervisor.name}" in text
    assert f"Submitted by {supervisor.name}" in text
    assert f"Supervisor: {supervisor.name} · signature and date" in text
    assert "Staff member: Ana Lopez · signature and date" in text
    assert "FINAL" in text and "DRAFT" not in text
    # Running header and footer on every page, "Page x of N" numbering
    n = len(pages)
    assert f"Page 1 of {n}" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"Ana Lopez · Audit #{audit.id}" in page
        assert "Printed" in page
        assert f"Page {number} of {n}" in page


def test_failed_audit_lists_critical_failures_before_the_sections(client, login, supervisor, ana):
    answers = {**GOOD_ANSWERS, "greeted": "no", "argued": "yes"}
    audit = store_audit(supervisor, ana, answers)
    assert audit.passed is False
    login(supervisor)
    first, *_ = pages = pdf_text(assert_pdf(client.get(f"/audits/{audit.id}.pdf")))
    text = " ".join(pages)
    assert "FAIL" in text and "PASS" not in text
    assert "Critical failures" in first
    assert first.index("Critical failures") < first.index("Sections Section Weight Score")
    block = first[first.index("Critical failures") : first.index("Sections Section Weight")]
    assert "Greeted the customer — answered: No" in block
    assert "Argued with the customer — observed (a don't): Yes" in block
    # The anchor of the unmet item: in the critical block and under the item's row
    assert "what good looks like: Greeted within seconds" in block
    assert "Greeted the customer What good looks like: Greeted within seconds No 0/1" in text
    assert "Argued with the customer Yes 0/1" in text


# --- 3. drafts ---------------------------------------------------------------------------


def test_draft_report_is_marked_draft_and_never_cached(app, client, login, supervisor, ana):
    audit = store_audit(supervisor, ana, {"greeted": "yes", "warmth": "5"}, submit=False)
    login(supervisor)
    pages = pdf_text(assert_pdf(client.get(f"/audits/{audit.id}.pdf")))
    text = " ".join(pages)
    # The stamp in the header, the result badge and the watermark on every page
    assert text.count("DRAFT") >= 2 + len(pages)
    assert "FINAL" not in text
    assert "provisional, from the items answered so far" in text
    assert "3 not answered yet" in text
    assert reports.cache_path(audit) is None
    assert cached_files(app) == []


# --- 4. amendments and the cache ---------------------------------------------------------


def test_cache_serves_each_revision_and_an_amendment_renders_anew(
    app, client, login, supervisor, ana, monkeypatch
):
    audit = store_audit(supervisor, ana)
    login(supervisor)
    first_path = reports.cache_path(audit)
    assert first_path is not None and not first_path.exists()

    first = assert_pdf(client.get(f"/audits/{audit.id}.pdf"))
    assert first_path.is_file()
    assert first_path.read_bytes() == first
    assert cached_files(app) == [first_path]

    with monkeypatch.context() as m:

        def no_rendering(*args, **kwargs):
            raise AssertionError("a cached report was rendered again")

        m.setattr(reports, "render_pdf", no_rendering)
        assert assert_pdf(client.get(f"/audits/{audit.id}.pdf")) == first

    entry = audit_service.Answers({**audit.answers, "thanked": "no"}, dict(audit.comments))
    audit_service.amend(
        audit,
        user=supervisor,
        interaction=audit_service.Interaction.of(audit),
        entry=entry,
        reason="Recounted",
    )
    second_path = reports.cache_path(audit)
    assert second_path != first_path
    assert f"-r{audit.revision}-" in second_path.name and audit.revision == 1
    assert not second_path.exists()

    second = assert_pdf(client.get(f"/audits/{audit.id}.pdf"))
    assert second != first
    assert second_path.read_bytes() == second
    text = " ".join(pdf_text(second))
    assert f"FINAL · Amended {audit.amended_at:%d %b %Y}" in text
    assert f"Amended by {supervisor.name}, {audit.amended_at:%d %b %Y}" in text
    assert "Reason: Recounted" in text
    assert "Answer to “Thanked the customer”: yes → no" in text
    assert f"{audit.overall:.1f}%" in text
    assert "Thanked the customer No 0/1" in text
    assert "Amended" not in " ".join(pdf_text(first))


# --- 5. long audits ----------------------------------------------------------------------

LONG_SECTIONS = ("Opening the conversation", "Finding the need", "Closing the visit")
LONG_ITEM = "Observable behaviour number {n} was shown to the customer"
# Lets a section title sit alone at the foot of a page, as a report would without its
# page-break rules (report.css and WeasyPrint's own `h2 { break-after: avoid }`).
BREAK_ANYWHERE = (
    "h2 { break-after: auto !important; break-inside: auto !important }"
    " tr { break-before: auto !important }"
)


def write_checklist(folder: Path, titles: list[str], per_section: int, item: str) -> str:
    """A valid checklist `many-items` of yes/no items item-1, item-2, ... in `titles`
    sections; `item` is the items' text with {n} for the number."""
    lines = ["id: many-items", "title: Many items", "version: 1", "pass_mark: 75", "sections:"]
    n = 0
    for s, title in enumerate(titles, start=1):
        lines += [f"  - id: section-{s}", f"    title: {title}", "    items:"]
        for _ in range(per_section):
            n += 1
            lines += [f"      - id: item-{n}", f"        text: {item.format(n=n)}"]
    (folder / "many-items.yaml").write_text("\n".join(lines) + "\n")
    return "many-items"


def long_audit(supervisor, staff, checklist_id: str, comment_every: int = 0):
    """A submitted audit of every item of the checklist: every fourth one not met."""
    ids = [item.id for _, item in available()[checklist_id].iter_items()]
    answers = {i: ("no" if n % 4 == 0 else "yes") for n, i in enumerate(ids, start=1)}
    comments = {i: f"Comment on {i}" for i in ids[::comment_every]} if comment_every else {}
    return store_audit(supervisor, staff, answers, comments, checklist_id=checklist_id)


def body_lines(page, running: tuple[str, ...]) -> list[str]:
    """The non-empty lines of a page, without the running header and footer."""
    lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
    return [line for line in lines if not line.startswith(running)]


def layout_problems(data: bytes, titles: list[str], running: tuple[str, ...]) -> list[str]:
    """Pages that end with a section title (or a table header) with nothing under it, and
    pages that go on with a table's rows without repeating its header row."""
    heading = re.compile("^(?:" + "|".join(map(re.escape, titles)) + r")(?: \d+\.\d%| —)?$")
    pages = [body_lines(page, running) for page in pdf_pages(data)]
    problems = []
    for number, lines in enumerate(pages, start=1):
        if number < len(pages) and (heading.match(lines[-1]) or lines[-1] == "Item Answer Points"):
            problems.append(f"page {number} ends with {lines[-1]!r}")
        if number > 1 and lines[0].startswith(("Do ", "Don't ")):
            problems.append(f"page {number} starts with a row and no header: {lines[0]!r}")
    return problems


def test_long_audit_runs_over_pages_with_repeated_table_headers(
    app, client, login, supervisor, ana, checklists_dir
):
    checklist_id = write_checklist(checklists_dir, list(LONG_SECTIONS), 25, LONG_ITEM)
    assert available()[checklist_id].item_count == 75
    audit = long_audit(supervisor, ana, checklist_id, comment_every=7)
    login(supervisor)
    data = assert_pdf(client.get(f"/audits/{audit.id}.pdf"))
    pages = pdf_text(data)
    n = len(pages)
    assert n > 1
    assert f"Page 2 of {n}" in pages[1]
    for number, page in enumerate(pages, start=1):
        assert f"Ana Lopez · Audit #{audit.id}" in page
        assert f"Page {number} of {n}" in page
    text = " ".join(pages)
    for k in range(1, 76):
        assert LONG_ITEM.format(n=k) in text
    for k in range(1, 76, 7):
        assert f"Comment: Comment on item-{k}" in text
    # The first section runs over the page break: page 2 opens with its table header again.
    running = (app.config["ORGANISATION_NAME"], "Printed")
    first, second = body_lines(pdf_pages(data)[1], running)[:2]
    assert first == "Item Answer Points"
    assert second.startswith("Do ") and "Observable behaviour number" in second
    assert layout_problems(data, list(LONG_SECTIONS), running) == []


# Many short sections put section starts at several page breaks; each shape is checked to
# do so (without the page-break rules a title is left alone at the foot of a page), so the
# test keeps proving something if fonts or margins change.
@pytest.mark.parametrize("sections, per_section", [(24, 3), (20, 4)])
def test_section_titles_never_sit_alone_at_the_foot_of_a_page(
    app, client, login, supervisor, ana, checklists_dir, monkeypatch, sections, per_section
):
    titles = [f"Part {s} of the visit" for s in range(1, sections + 1)]
    checklist_id = write_checklist(
        checklists_dir, titles, per_section, "Observable behaviour number {n}"
    )
    audit = long_audit(supervisor, ana, checklist_id)
    running = (app.config["ORGANISATION_NAME"], "Printed")
    login(supervisor)

    with monkeypatch.context() as m:
        render = reports.printable_html
        m.setattr(
            reports,
            "printable_html",
            lambda *a, **kw: render(*a, **kw).replace("</style>", BREAK_ANYWHERE + "</style>"),
        )
        loose = reports.audit_pdf(reports.load_audit(audit.id), fetcher=StaticOnlyFetcher())
    assert any("ends with 'Part" in p for p in layout_problems(loose, titles, running)), (
        "this shape no longer puts a section start at a page break; change its numbers"
    )

    for path in cached_files(app):
        path.unlink()
    data = assert_pdf(client.get(f"/audits/{audit.id}.pdf"))
    assert len(pdf_pages(data)) > 2
    assert layout_problems(data, titles, running) == []


# --- 6. paper size -----------------------------------------------------------------------


def test_default_paper_is_a4(client, login, supervisor, ana):
    audit = store_audit(supervisor, ana)
    login(supervisor)
    assert_size(assert_pdf(client.get(f"/audits/{audit.id}.pdf")), A4)
    assert_size(assert_pdf(client.get("/checklists/counter-basics.pdf")), A4)


def test_letter_paper(database_url, checklists_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITAPP_INSTANCE_PATH", str(tmp_path / "letter-instance"))
    with running_app(database_url, checklists_dir, PAPER_SIZE="Letter") as app:
        boss = users.create_user("boss@example.com", "Boss", "supervisor", PASSWORD)
        audit = store_audit(boss, people.add_staff("Ana Lopez", "Front desk", None, by=None))
        client = app.test_client()
        response = client.post("/login", data={"email": boss.email, "password": PASSWORD})
        assert response.status_code == 302
        assert "-letter-" in reports.cache_path(audit).name
        assert_size(assert_pdf(client.get(f"/audits/{audit.id}.pdf")), LETTER)
        assert_size(assert_pdf(client.get("/checklists/counter-basics.pdf")), LETTER)
        assert_size(assert_pdf(made_file(client)), LETTER)


def test_unknown_paper_size_is_refused_at_start_up(database_url):
    with pytest.raises(ValueError, match="PAPER_SIZE must be A4 or Letter"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "PAPER_SIZE": "A5"})


# --- 7. safety: typed text never reaches files or the network ---------------------------

HOSTILE_COMMENTS = {
    "greeted": '<img src="http://127.0.0.1:9/x">',
    "warmth": '<link rel="stylesheet" href="file:///etc/passwd">',
    "thanked": "<script>alert(1)</script>",
}
HOSTILE_NOTES = '<iframe src="https://example.com">'


def test_typed_markup_is_printed_as_text_and_fetches_nothing(
    app, client, login, supervisor, ana, no_network
):
    audit = store_audit(supervisor, ana, GOOD_ANSWERS, HOSTILE_COMMENTS, notes=HOSTILE_NOTES)
    login(supervisor)
    text = " ".join(pdf_text(assert_pdf(client.get(f"/audits/{audit.id}.pdf"))))
    for typed in (*HOSTILE_COMMENTS.values(), HOSTILE_NOTES):
        assert typed in text

    fetcher = StaticOnlyFetcher()
    pdf = reports.audit_pdf(reports.load_audit(audit.id), fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == []
    static = STATIC_DIR.resolve().as_uri() + "/"
    assert all(url.startswith(static) for url in fetcher.served), fetcher.served
    assert no_network == []


def test_fetcher_refuses_the_network_and_files_outside_static(no_network):
    fetcher = StaticOnlyFetcher()
    urls = ["http://127.0.0.1:9/x", "file:///etc/passwd", "file:///etc/hostname"]
    html = (
        f'<img src="{urls[0]}"><link rel=stylesheet href="{urls[1]}"><img src="{urls[2]}">'
        "<p>still rendered</p>"
    )
    pdf = render_pdf(html, fetcher)
    assert pdf.startswith(b"%PDF")
    assert "still rendered" in pdf_text(pdf)[0]
    assert sorted(fetcher.refused) == sorted(urls)
    assert fetcher.served == []
    assert no_network == []


def test_fetcher_serves_static_files_only(no_network):
    fetcher = StaticOnlyFetcher()
    assert render_pdf('<img src="favicon.svg">', fetcher).startswith(b"%PDF")
    assert fetcher.served == [(STATIC_DIR / "favicon.svg").resolve().as_uri()]
    assert fetcher.refused == []

    fetcher = StaticOnlyFetcher()
    outside = "file://" + str(STATIC_DIR / ".." / "__init__.py")
    assert render_pdf(f'<img src="{outside}">', fetcher).startswith(b"%PDF")
    assert fetcher.served == []
    assert len(fetcher.refused) == 1 and fetcher.refused[0].endswith("__init__.py")
    assert no_network == []


# --- 8. who may download what ------------------------------------------------------------


def test_staff_download_only_their_own_reports(client, login, make_user, make_staff, ana):
    staff_user = make_user("staff", staff=ana)
    own = store_audit(make_user("supervisor"), ana)
    other = store_audit(make_user("supervisor"), make_staff("Ben Okafor", "Phones"))
    login(staff_user)
    assert_pdf(client.get(f"/audits/{own.id}.pdf"))
    assert client.get(f"/audits/{other.id}.pdf").status_code == 403
    assert client.get("/checklists/counter-basics.pdf").status_code == 403


@pytest.mark.parametrize("reader", ["trainer", "admin", "other supervisor", "staff"])
def test_draft_downloads_only_for_its_author(client, login, make_user, supervisor, ana, reader):
    draft = store_audit(supervisor, ana, {"greeted": "yes"}, submit=False)
    if reader == "other supervisor":
        user = make_user("supervisor")
    elif reader == "staff":
        user = make_user("staff", staff=ana)
    else:
        user = make_user(reader)
    login(user)
    assert client.get(f"/audits/{draft.id}.pdf").status_code == 403
    login(supervisor)
    assert_pdf(client.get(f"/audits/{draft.id}.pdf"))


@pytest.mark.parametrize("url", ["/audits/{id}.pdf", "/jobs", "/checklists/counter-basics.pdf"])
def test_downloads_need_a_login(client, supervisor, ana, url):
    audit = store_audit(supervisor, ana)
    assert_sent_to_login(client.get(url.format(id=audit.id)))


def test_missing_audit_and_checklist_give_404(client, login_as):
    login_as("supervisor")
    assert client.get("/audits/999999.pdf").status_code == 404
    assert client.get("/checklists/no-such-checklist.pdf").status_code == 404


# --- 9. printing a batch -----------------------------------------------------------------


@pytest.fixture
def three_audits(supervisor, ana, make_staff):
    """Three submitted audits of two people, newest observation first."""
    ben = make_staff("Ben Okafor", "Phones")
    newest = store_audit(supervisor, ben, observed_at=datetime(2026, 11, 3, 9, 0))
    middle = store_audit(
        supervisor,
        ana,
        {**GOOD_ANSWERS, "greeted": "no"},
        observed_at=datetime(2026, 11, 2, 9, 0),
    )
    oldest = store_audit(supervisor, ana, observed_at=datetime(2026, 11, 1, 9, 0))
    return [newest, middle, oldest]


def test_batch_has_a_cover_then_each_audit_on_new_pages(client, login, supervisor, three_audits):
    login(supervisor)
    batch = assert_pdf(made_file(client))
    pages = pdf_text(batch)
    cover = pages[0]
    assert cover.startswith("Audit reports")
    assert "3 audits" in cover
    for audit in three_audits:
        member = audit.staff_member
        row = (
            f"{audit.id} {audit.observed_at:%d %b %Y %H:%M} {member.name} {member.team.name} "
            f"Counter basics {supervisor.name} {audit.overall:.1f}% "
            + ("Pass" if audit.passed else "Fail")
        )
        assert row in cover
    assert [a.passed for a in three_audits] == [True, False, True]

    singles = [pdf_text(assert_pdf(client.get(f"/audits/{a.id}.pdf"))) for a in three_audits]
    assert len(pages) == 1 + sum(len(s) for s in singles)
    start = 1
    for audit, single in zip(three_audits, singles, strict=True):
        assert audit_starting(pages[start]) == audit.id, pages[start][:80]
        assert f"Audit #{audit.id}: {audit.staff_member.name}" in pages[start]
        for offset in range(len(single)):
            assert f"Audit #{audit.id}" in pages[start + offset]
        start += len(single)


def test_batch_filters_apply_and_are_named_on_the_cover(
    client, login, supervisor, ana, three_audits
):
    login(supervisor)
    pages = pdf_text(assert_pdf(made_file(client, staff=ana.id)))
    cover = pages[0]
    assert "2 audits" in cover
    assert "Staff member: Ana Lopez" in cover
    assert "Ben Okafor" not in " ".join(pages)
    starts = [audit_starting(p) for p in pages[1:] if audit_starting(p)]
    assert audit_starting(pages[1]) is not None
    assert starts == [a.id for a in three_audits if a.staff_member_id == ana.id]


def test_staff_batch_holds_only_their_own_audits(client, login, make_user, ana, three_audits):
    login(make_user("staff", staff=ana))
    pages = pdf_text(assert_pdf(made_file(client)))
    assert "2 audits" in pages[0]
    text = " ".join(pages)
    assert "Ben Okafor" not in text
    assert text.count("Audit #") >= 2
    own = {a.id for a in three_audits if a.staff_member_id == ana.id}
    assert {int(i) for i in re.findall(r"Audit #(\d+):", text)} == own


def test_batch_with_invalid_filters_is_refused(client, login, supervisor, three_audits):
    login(supervisor)
    response = client.post(
        "/audits/print", data={"date_from": "2026-11-05", "date_to": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in text_of(response)


# --- 10. the blank paper checklist -------------------------------------------------------


def test_blank_checklist(client, login_as):
    login_as("trainer")
    pages = pdf_text(assert_pdf(client.get("/checklists/counter-basics.pdf")))
    text = " ".join(pages)
    assert "Counter basics" in text and "Paper checklist · version 2" in text
    for title in SECTION_TITLES.values():
        assert title in text
    for item in ITEM_TEXTS.values():
        assert item in text
    # The tick boxes after each item: its scale, and N/A only where N/A is allowed
    order = list(ITEM_TEXTS.values())
    ticks = {}
    for i, item in enumerate(order):
        after = text[text.index(item) + len(item) :]
        end = after.index(order[i + 1]) if i + 1 < len(order) else after.index("Overall notes")
        ticks[item] = after[:end]
    assert "N/A" not in ticks["Greeted the customer"]
    for item in order[1:]:
        assert "N/A" in ticks[item], item
    assert "Yes" in ticks["Greeted the customer"] and "No" in ticks["Greeted the customer"]
    for label in ("1 – Poor", "2 – Fair", "3 – Good", "4 – Very good", "5 – Excellent"):
        assert label in ticks["Greeted with warmth"]
    for label in ("Never", "Sometimes", "Often"):
        assert label in ticks["Smiled"]
    assert "Don't Critical Argued with the customer" in text
    assert "Do Critical Greeted the customer" in text
    assert "Only on: In person" in ticks["Smiled"]
    for box in (
        "Staff member",
        "Date and time",
        "Channel",
        "In person",
        "Phone",
        "Customer type",
        "Duration (minutes)",
        "Outcome",
        "Monetary value",
    ):
        assert box in text, box
    assert "Supervisor · signature and date" in text
    assert "Staff member · signature and date" in text
