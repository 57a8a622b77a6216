"""CSV exports: /audits/export.csv, /audits/answers.csv and `auditapp export`, read back
with the csv module and checked against values worked out by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select

from auditapp.extensions import db
from auditapp.models import Audit, AuditItem
from auditapp.services import exports
from auditapp.services.audit_queries import AuditFilters

AUDIT_HEADER = [
    "audit_id",
    "observed_at",
    "submitted_at",
    "staff_member",
    "employee_code",
    "team",
    "supervisor",
    "checklist_id",
    "checklist_version",
    "checklist_fingerprint",
    "channel",
    "customer_type",
    "duration_minutes",
    "outcome",
    "monetary_value",
    "lead_captured",
    "overall",
    "band",
    "passed",
    "critical_failures",
    "revision",
    "amended_at",
    "notes",
]
ANSWER_HEADER = [
    "audit_id",
    "observed_at",
    "staff_member",
    "team",
    "supervisor",
    "checklist_id",
    "checklist_version",
    "section_id",
    "item_id",
    "kind",
    "critical",
    "answer",
    "status",
    "earned",
    "possible",
    "met",
    "critical_failed",
]
ITEMS = ["greeted", "warmth", "smiled", "thanked", "argued"]

# greeting = 100 * (1 + 3 * 4/5 + 1 * 1/3) / 5 = 224/3; closing = 100;
# overall = (2 * 224/3 + 100) / 3 = 748/9.
WORKED = {"greeted": "yes", "warmth": "4", "smiled": "sometimes", "thanked": "yes", "argued": "no"}
# greeting = 100 * (0 + 3 * 2/5) / 4 = 30 (smiled N/A); overall = (2 * 30 + 100) / 3 = 160/3.
FAILED = {"greeted": "no", "warmth": "2", "smiled": "na", "thanked": "yes", "argued": "no"}


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def download(client, url: str, **query) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return response.get_data(as_text=True)


@pytest.fixture
def data(make_staff, make_user, make_audit):
    """Ana (Front desk) has a worked passed audit, a failed one and a draft; Ben one audit."""
    ana = make_staff("Ana Lopez", team="Front desk", code="A1")
    ben = make_staff("Ben Carter", team="Contact centre")
    sue = make_user("supervisor", email="sue@example.com")
    return SimpleNamespace(
        ana=ana,
        ben=ben,
        sue=sue,
        passed=make_audit(
            staff=ana,
            supervisor=sue,
            answers=WORKED,
            observed_at=datetime(2026, 10, 1, 9, 0),
            duration_minutes=7,
            monetary_value=Decimal("-12.50"),
            outcome="resolved",
        ),
        failed=make_audit(
            staff=ana, supervisor=sue, answers=FAILED, observed_at=datetime(2026, 11, 1, 9, 0)
        ),
        ben_audit=make_audit(staff=ben, supervisor=sue, observed_at=datetime(2026, 11, 2, 9, 0)),
        draft=make_audit(staff=ana, supervisor=sue, submit=False),
    )


def test_audits_csv_has_a_header_and_one_row_per_submitted_audit(client, login_as, data):
    login_as("trainer")
    text = download(client, "/audits/export.csv")
    assert text.endswith("\r\n")
    rows = rows_of(text)
    assert rows[0] == AUDIT_HEADER
    got = records(text)
    # Newest observation first, as on /audits; the draft is not exported.
    assert [int(r["audit_id"]) for r in got] == [
        data.ben_audit.id,
        data.failed.id,
        data.passed.id,
    ]
    row = got[2]
    assert row["observed_at"] == "2026-10-01T09:00:00"
    assert datetime.fromisoformat(row["submitted_at"])
    assert row["staff_member"] == "Ana Lopez"
    assert row["employee_code"] == "A1"
    assert row["team"] == "Front desk"
    assert row["supervisor"] == data.sue.name
    assert (row["checklist_id"], row["checklist_version"]) == ("counter-basics", "2")
    assert len(row["checklist_fingerprint"]) == 12
    assert data.passed.checklist_version.fingerprint.startswith(row["checklist_fingerprint"])
    assert (row["channel"], row["duration_minutes"], row["outcome"]) == (
        "in_person",
        "7",
        "resolved",
    )
    assert row["monetary_value"] == "-12.50"  # a number we write: no apostrophe
    assert float(row["overall"]) == 748 / 9
    assert row["overall"] == repr(748 / 9)  # full precision, not rounded for display
    assert (row["band"], row["passed"], row["critical_failures"]) == (
        "Meets the standard",
        "True",
        "",
    )
    assert (row["revision"], row["amended_at"], row["notes"]) == ("0", "", "")
    failed = got[1]
    assert float(failed["overall"]) == 160 / 3
    assert (failed["band"], failed["passed"], failed["critical_failures"]) == (
        "Needs coaching",
        "False",
        "greeted",
    )
    assert got[0]["team"] == "Contact centre"
    assert got[0]["employee_code"] == ""


def test_answers_csv_has_one_row_per_item(client, login_as, data):
    login_as("admin")
    text = download(client, "/audits/answers.csv")
    assert rows_of(text)[0] == ANSWER_HEADER
    got = records(text)
    assert len(got) == 3 * len(ITEMS)
    by_audit: dict[int, list[dict]] = {}
    for row in got:
        by_audit.setdefault(int(row["audit_id"]), []).append(row)
    assert list(by_audit) == [data.ben_audit.id, data.failed.id, data.passed.id]
    worked = {r["item_id"]: r for r in by_audit[data.passed.id]}
    assert [r["item_id"] for r in by_audit[data.passed.id]] == ITEMS  # checklist order
    first = by_audit[data.passed.id][0]
    assert first["observed_at"] == "2026-10-01T09:00:00"
    assert (first["staff_member"], first["team"], first["supervisor"]) == (
        "Ana Lopez",
        "Front desk",
        data.sue.name,
    )
    assert (first["checklist_id"], first["checklist_version"]) == ("counter-basics", "2")
    cells = ("section_id", "kind", "critical", "answer", "status", "earned", "possible", "met")
    assert tuple(worked["greeted"][c] for c in cells) == (
        "greeting",
        "do",
        "True",
        "yes",
        "scored",
        "1.0",
        "1.0",
        "True",
    )
    assert tuple(worked["warmth"][c] for c in ("answer", "earned", "possible", "met")) == (
        "4",
        "4.0",
        "5.0",
        "False",
    )
    assert tuple(worked["smiled"][c] for c in ("answer", "earned", "possible", "met")) == (
        "sometimes",
        "1.0",
        "3.0",
        "False",
    )
    assert tuple(
        worked["argued"][c] for c in ("section_id", "kind", "answer", "earned", "met")
    ) == (
        "closing",
        "dont",
        "no",
        "1.0",
        "True",
    )
    failed = {r["item_id"]: r for r in by_audit[data.failed.id]}
    assert (failed["greeted"]["critical_failed"], failed["greeted"]["earned"]) == ("True", "0.0")
    assert (failed["smiled"]["status"], failed["smiled"]["earned"], failed["smiled"]["met"]) == (
        "na",
        "",
        "",
    )
    assert failed["warmth"]["critical_failed"] == "False"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"staff": "{ana}"}, ["failed", "passed"]),
        ({"team": "{ben_team}"}, ["ben_audit"]),
        ({"checklist": "counter-basics"}, ["ben_audit", "failed", "passed"]),
        ({"date_from": "2026-11-01"}, ["ben_audit", "failed"]),
        ({"date_to": "2026-11-01"}, ["failed", "passed"]),
        ({"date_from": "2026-10-01", "date_to": "2026-10-01"}, ["passed"]),
        ({"result": "passed"}, ["ben_audit", "passed"]),
        ({"result": "failed"}, ["failed"]),
        ({"supervisor": "{sue}", "staff": "{ben}"}, ["ben_audit"]),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else None,
)
def test_filters_are_those_of_the_audit_list(client, login_as, data, query, expected):
    login_as("supervisor")
    ids = {"ana": data.ana.id, "ben": data.ben.id, "ben_team": data.ben.team_id, "sue": data.sue.id}
    params = {k: v.format(**ids) for k, v in query.items()}
    want = [getattr(data, name).id for name in expected]
    audits = records(download(client, "/audits/export.csv", **params))
    assert [int(r["audit_id"]) for r in audits] == want
    answers = records(download(client, "/audits/answers.csv", **params))
    assert [int(r["audit_id"]) for r in answers] == [i for i in want for _ in ITEMS]


def test_supervisor_export_leaves_out_their_own_drafts(client, login, data):
    login(data.sue)
    for url in ("/audits/export.csv", "/audits/answers.csv"):
        ids = {int(r["audit_id"]) for r in records(download(client, url))}
        assert data.draft.id not in ids
        assert records(download(client, url, status="draft")) == []


@pytest.mark.parametrize("url", ["/audits/export.csv", "/audits/answers.csv"])
def test_staff_export_only_their_own_audits(client, login, make_user, data, url):
    login(make_user("staff", email="ben@example.com", staff=data.ben))
    text = download(client, url)
    assert {int(r["audit_id"]) for r in records(text)} == {data.ben_audit.id}
    assert "Ana Lopez" not in text
    # Asking for someone else is refused by the filter form, exactly as on /audits.
    response = client.get(url, query_string={"staff": data.ana.id})
    assert response.status_code == 400
    assert "Ana Lopez" not in response.get_data(as_text=True)


def test_invalid_filters_give_400_not_a_file(client, login_as, data):
    login_as("trainer")
    response = client.get("/audits/export.csv", query_string={"date_from": "yesterday"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.get_data(as_text=True)
    backwards = client.get(
        "/audits/answers.csv", query_string={"date_from": "2026-11-05", "date_to": "2026-11-01"}
    )
    assert backwards.status_code == 400
    assert "The end date is before the start date." in backwards.get_data(as_text=True)


def test_download_is_streamed_as_a_dated_attachment(client, login_as, data):
    login_as("admin")
    for url, name in (("/audits/export.csv", "audits"), ("/audits/answers.csv", "answers")):
        response = client.get(url)
        assert response.is_streamed
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="{name}-{date.today():%Y-%m-%d}.csv"'
        assert response.get_data(as_text=True).count("\r\n") > 1


def test_the_audit_list_links_to_both_exports_with_its_filters(client, login_as, data):
    login_as("trainer")
    html = client.get("/audits", query_string={"result": "passed"}).get_data(as_text=True)
    assert 'href="/audits/export.csv?result=passed"' in html
    assert 'href="/audits/answers.csv?result=passed"' in html


def test_text_that_looks_like_a_formula_gets_an_apostrophe(
    client, login_as, make_staff, make_audit
):
    evil = make_staff('=HYPERLINK("http://x")', team="@team", code="-7")
    notes = ["+1", "-2", "@SUM(A1)", "\tTab", "=1+1", "plain"]
    for note in notes:
        make_audit(staff=evil, notes=note, monetary_value=Decimal("-3.00"), duration_minutes=5)
    login_as("admin")
    text = download(client, "/audits/export.csv")
    got = records(text)
    assert sorted(r["notes"] for r in got) == sorted(
        ["'+1", "'-2", "'@SUM(A1)", "'\tTab", "'=1+1", "plain"]
    )
    for row in got:
        assert row["staff_member"] == """'=HYPERLINK("http://x")"""
        assert (row["team"], row["employee_code"]) == ("'@team", "'-7")
        # Numbers we write ourselves are not text: no apostrophe, even when negative.
        assert (row["monetary_value"], row["duration_minutes"]) == ("-3.00", "5")
        assert not row["overall"].startswith("'")
    answers = records(download(client, "/audits/answers.csv"))
    assert {r["staff_member"] for r in answers} == {"""'=HYPERLINK("http://x")"""}
    assert {r["team"] for r in answers} == {"'@team"}


def test_answer_rows_are_what_the_csv_module_writes_of_each_whole_row(make_staff, make_audit):
    """The audit's cells are made into CSV text once per audit and lead each of its item
    rows: the file is still what writing every whole row would give, quotes and all."""
    person = make_staff('Lopez, Ana "Jo"', team="Front, desk")
    make_audit(staff=person)
    make_audit(staff=person, channel="phone")
    text = "".join(exports.answer_rows(None, AuditFilters()))
    rows = list(csv.reader(io.StringIO(text)))
    again = io.StringIO()
    csv.writer(again).writerows(rows)
    assert again.getvalue() == text
    assert len(rows) > 2 and all(len(r) == len(exports.ANSWER_COLUMNS) for r in rows)
    assert {(r[2], r[3]) for r in rows[1:]} == {('Lopez, Ana "Jo"', "Front, desk")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        (-1, -1),
        (-1.5, -1.5),
        (None, None),
        (Decimal("-2.00"), Decimal("-2.00")),
    ],
)
def test_safe_cell(value, expected):
    assert exports.safe_cell(value) == expected


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    """An empty folder for the files the command writes."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "url", "args", "query"),
    [
        ("audits", "/audits/export.csv", [], {}),
        ("answers", "/audits/answers.csv", [], {}),
        (
            "audits",
            "/audits/export.csv",
            ["--staff", "Ana Lopez", "--from", "2026-10-15"],
            {"staff": "{ana}", "date_from": "2026-10-15"},
        ),
        (
            "answers",
            "/audits/answers.csv",
            ["--team", "front desk", "--to", "2026-10-31", "--checklist", "counter-basics"],
            {"team": "{ana_team}", "date_to": "2026-10-31", "checklist": "counter-basics"},
        ),
        (
            "audits",
            "/audits/export.csv",
            ["--staff", "A1", "--result", "failed"],
            {"staff": "{ana}", "result": "failed"},
        ),
    ],
)
def test_cli_writes_the_same_rows_as_the_download(
    cli, client, login_as, data, folder, kind, url, args, query
):
    out = folder / f"{kind}.csv"
    result = cli("export", kind, *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    written = out.read_bytes().decode("utf-8")
    login_as("admin")
    ids = {"ana": data.ana.id, "ana_team": data.ana.team_id}
    web = download(client, url, **{k: v.format(**ids) for k, v in query.items()})
    assert written == web
    count = len(records(written))
    assert count > 0
    noun = "audits" if kind == "audits" else "item answers"
    assert f"Wrote {count} {noun} to {out}." in result.output
    assert list(folder.iterdir()) == [out]  # no temporary file left behind


def test_cli_with_no_matching_audits_writes_the_header(cli, data, folder):
    out = folder / "none.csv"
    result = cli("export", "audits", "--from", "2030-01-01", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 0 audits" in result.output
    assert rows_of(out.read_text(encoding="utf-8")) == [AUDIT_HEADER]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--staff", "Nobody Here"], "no staff member named or coded 'Nobody Here'"),
        (["--team", "Night shift"], "no team named 'Night shift'"),
        (["--from", "05/11/2026"], "--from '05/11/2026' is not a date; write it as YYYY-MM-DD"),
        (["--to", "2026-13-01"], "--to '2026-13-01' is not a date"),
        (["--from", "2026-11-05", "--to", "2026-11-01"], "--to is before --from"),
    ],
)
def test_cli_bad_input_is_one_clear_line(cli, data, folder, args, message):
    out = folder / "x.csv"
    result = cli("export", "answers", *args, "-o", str(out))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(folder.iterdir()) == []


def test_cli_unwritable_path(cli, data, folder):
    target = folder / "no-such-folder" / "x.csv"
    result = cli("export", "audits", "-o", str(target))
    assert result.exit_code == 1, result.output
    assert f"cannot write {target}" in result.output
    assert "Traceback" not in result.output
    # A folder given as the output file is refused before anything is read or written.
    result = cli("export", "audits", "-o", str(folder))
    assert result.exit_code == 2
    assert "is a directory" in result.output
    assert list(folder.iterdir()) == []


def test_cli_replaces_an_existing_file_only_when_done(cli, data, folder):
    out = folder / "audits.csv"
    out.write_text("old")
    assert cli("export", "audits", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("audit_id,")


# ---------------------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------------------


def test_thousands_of_answers_export_without_loading_orm_objects(make_audit, make_staff):
    """3,000 item rows: copies of one audit, inserted in bulk, read back as plain rows."""
    first = make_audit(staff=make_staff("Bulk Person"))
    audit_cols = [c for c in Audit.__table__.columns if c.name != "id"]
    base = db.session.execute(select(*audit_cols).where(Audit.id == first.id)).one()._asdict()
    copies = [{**base, "form_token": f"bulk-{n}"} for n in range(599)]
    new_ids = db.session.execute(insert(Audit).returning(Audit.id), copies).scalars().all()
    items = db.session.execute(
        select(AuditItem.__table__).where(AuditItem.audit_id == first.id)
    ).all()
    db.session.execute(
        insert(AuditItem),
        [
            {**{k: v for k, v in item._asdict().items() if k != "id"}, "audit_id": audit_id}
            for audit_id in new_ids
            for item in items
        ],
    )
    db.session.commit()
    db.session.expunge_all()
    chunks = exports.answer_rows(None, AuditFilters())
    text = "".join(chunks)
    assert chunks.rows == 3000
    assert len(records(text)) == 3000
    assert len(db.session.identity_map) == 0, "the export loaded ORM objects"
