"""Hostile checklist files: YAML bombs, deep nesting, huge files and control characters.

Each one is refused by the loader as `file:line:col: message`, by `auditapp checklists`
with exit code 1 and no traceback, and listed as broken on /checklists while every page
keeps working with the valid checklists beside it (issue 15).
"""

from __future__ import annotations

import html
import time

import pytest
from conftest import text_of

from auditapp.checklists import ChecklistError, load_checklist, parse_checklist, yamlsource

# A valid checklist whose id matches the file name the tests give it (hostile.yaml): what
# is wrong with each file below is only the hostile part.
VALID = """\
id: hostile
title: {title}
version: 1
sections:
  - id: s
    title: S
    items:
      - id: a
        text: {text}
"""


def checklist(title: str = "T", text: str = "A") -> str:
    return VALID.format(title=title, text=text)


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 10^9 strings once expanded."""
    lines = ["lol0: &lol0 lol"]
    for n in range(1, 10):
        lines.append(f"lol{n}: &lol{n} [" + ", ".join([f"*lol{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\nid: hostile\n"


# name: (file text, expected problem as 'line:col: path: message' after the file name)
HOSTILE = {
    "billion laughs": (
        billion_laughs(),
        "1:7: YAML anchors and aliases ('&name', '*name') are not allowed in a checklist",
    ),
    "self-referencing alias": (
        checklist(title="&t [*t]"),
        "2:8: YAML anchors and aliases ('&name', '*name') are not allowed",
    ),
    "alias to a whole section": (
        checklist() + "  - &s {id: t, title: T, items: [{id: b, text: B}]}\n  - *s\n",
        "10:5: YAML anchors and aliases",
    ),
    "20,000-deep sequence": (
        checklist(title="[" * 20_000 + "]" * 20_000),
        "2:27: lists and mappings nested more than 20 levels deep",
    ),
    "5,000-deep mapping": (
        checklist(title="{a: " * 5_000 + "1" + "}" * 5_000),
        "2:84: lists and mappings nested more than 20 levels deep",
    ),
    "100-deep indented mappings": (
        "id: hostile\ntitle:\n" + "".join(" " * n + "a:\n" for n in range(1, 101)),
        "22:21: lists and mappings nested more than 20 levels deep",
    ),
    "over-size file": (
        checklist() + "# padding\n" * 30_000,
        "1:1: the file is larger than 256 KB, the most a checklist file may be",
    ),
    "NUL in the title": (
        checklist(title="Greet\0ing"),
        "2:13: contains a control character (U+0000); remove it",
    ),
    "BEL in the title": (
        checklist(title="Greet\aing"),
        "2:13: contains a control character (U+0007); remove it",
    ),
    "U+202E in the title": (
        checklist(title="Greet\u202eing"),
        "2:8: title: contains a text-direction control character (U+202E); remove it",
    ),
    "NUL in an item's text": (
        checklist(text='"Thanked\\0 the customer"'),
        "9:15: sections[0].items[0].text: contains a control character (U+0000); remove it",
    ),
    "BEL in an item's text": (
        checklist(text='"Thanked\\a the customer"'),
        "9:15: sections[0].items[0].text: contains a control character (U+0007); remove it",
    ),
    "U+202E in an item's text": (
        checklist(text="Thanked\u202e the customer"),
        "9:15: sections[0].items[0].text: contains a text-direction control character (U+202E)",
    ),
    "U+202E in a key, shown escaped": (
        checklist() + "not\u202eid: x\n",
        "10:1: not\\u202eid: contains a text-direction control character (U+202E)",
    ),
    "number of 5,000 digits": (
        checklist().replace("version: 1", "version: " + "9" * 5_000),
        "3:10: cannot read this value (Exceeds the limit (4300 digits)",
    ),
    "version beyond the database's integers": (
        checklist().replace("version: 1", "version: 2147483648"),
        "3:10: version: must be at most 2147483647, got 2147483648",
    ),
    "impossible date": (
        checklist(title="!!timestamp 2026-13-45"),
        "2:8: cannot read this value (month must be in 1..12)",
    ),
}
CASES = pytest.mark.parametrize("text, expected", HOSTILE.values(), ids=HOSTILE.keys())


@pytest.fixture
def hostile(checklists_dir):
    """Write `text` as hostile.yaml beside the valid counter-basics.yaml."""

    def write(text: str):
        path = checklists_dir / "hostile.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@CASES
def test_loader_reports_the_file_line_and_column(hostile, text, expected):
    with pytest.raises(ChecklistError) as caught:
        load_checklist(hostile(text))
    found = [str(p) for p in caught.value.problems]
    assert any(f"hostile.yaml:{expected}" in p for p in found), found


@CASES
def test_commands_report_it_and_keep_the_valid_checklist(cli, hostile, text, expected):
    hostile(text)
    validated = cli("checklists", "validate")
    assert validated.exit_code == 1, validated.output
    assert isinstance(validated.exception, SystemExit), repr(validated.exception)
    assert f"hostile.yaml:{expected}" in validated.stdout
    assert "in 1 of 2 files." in validated.stderr
    listed = cli("checklists", "list")
    assert isinstance(listed.exception, SystemExit) and listed.exit_code == 1
    assert "counter-basics" in listed.stdout
    assert "Skipped 1 invalid file(s)" in listed.stderr and "hostile.yaml" in listed.stderr
    shown = cli("checklists", "show", "counter-basics")
    assert shown.exit_code == 0, shown.output
    assert "Counter basics (counter-basics, version 2" in shown.stdout
    assert "Traceback" not in validated.output + listed.output + shown.output


@CASES
def test_pages_work_and_name_the_broken_file(client, login_as, make_staff, hostile, text, expected):
    hostile(text)
    login_as("supervisor")
    staff = make_staff()
    for url in ("/", "/audits", "/insights", "/checklists/counter-basics"):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {text_of(response)[:300]}"
    choose = client.get(f"/audits/new?staff={staff.id}")
    assert choose.status_code == 200
    assert '<option value="counter-basics"' in choose.get_data(as_text=True)
    assert "hostile" not in choose.get_data(as_text=True)
    form = client.get(f"/audits/new?staff={staff.id}&checklist=counter-basics")
    assert form.status_code == 200 and "Greeted the customer" in text_of(form)
    page = client.get("/checklists")
    assert page.status_code == 200
    assert "Counter basics" in text_of(page)
    assert "invalid and are not offered" in text_of(page)
    assert f"hostile.yaml:{expected}" in html.unescape(text_of(page))
    assert client.get("/checklists/hostile").status_code == 404


@pytest.mark.parametrize("name", ["billion laughs", "20,000-deep sequence", "NUL in the title"])
@pytest.mark.parametrize("role", ["admin", "supervisor", "trainer", "staff"])
def test_no_page_fails_beside_a_hostile_file(app, client, login_as, hostile, name, role):
    hostile(HOSTILE[name][0])
    login_as(role)
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "auth.login":
            response = client.get(rule.rule)
            response.get_data()  # the CSV exports stream: read them to the end here
            response.close()
            assert response.status_code < 500, f"{rule.rule}: {text_of(response)[:300]}"


def test_billion_laughs_is_refused_in_milliseconds(hostile):
    path = hostile(billion_laughs())
    started = time.perf_counter()
    with pytest.raises(ChecklistError, match="anchors and aliases"):
        load_checklist(path)
    assert time.perf_counter() - started < 0.1


def test_deep_nesting_is_refused_quickly(hostile):
    path = hostile(checklist(title="[" * 100_000 + "]" * 100_000))  # just under 256 KB
    started = time.perf_counter()
    with pytest.raises(ChecklistError, match="nested more than 20 levels"):
        load_checklist(path)
    assert time.perf_counter() - started < 1


def test_over_size_file_is_not_read_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(1024**3)  # a sparse 1 GB file of NULs: only its first 256 KB are read
    with pytest.raises(ChecklistError, match=r"huge\.yaml:1:1: the file is larger than 256 KB"):
        load_checklist(path)


def test_the_limits_leave_room_for_a_real_checklist():
    sections = "".join(
        f"  - id: s{n}\n    title: S\n    items:\n      - id: a{n}\n        text: A\n"
        "        anchors: {yes: Did it, no: Did not}\n        channels: [phone]\n"
        for n in range(20)
    )
    checklist = parse_checklist(
        "id: t\ntitle: T\nversion: 1\nchannels: [phone]\nsections:\n" + sections,
        expected_id="t",
    )
    assert len(checklist.sections) == 20 and checklist.item_count == 20


def test_recursion_past_the_limits_is_still_a_problem_not_a_crash(monkeypatch):
    """Belt and braces: were the depth limit ever raised too far, the file is still
    reported rather than a RecursionError ending the page or command that reads it."""
    monkeypatch.setattr(yamlsource, "MAX_DEPTH", 10**6)
    with pytest.raises(ChecklistError, match=r"t\.yaml:1:1: the file is too large or too deeply"):
        parse_checklist("title: " + "[" * 5_000 + "]" * 5_000, "t.yaml")
