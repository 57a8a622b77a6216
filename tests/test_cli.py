"""The `auditapp checklists` commands, with good and bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditapp.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A configured checklists folder holding one valid checklist."""
    shutil.copy(DATA / "valid" / "counter-basics.yaml", tmp_path)
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(tmp_path))
    return tmp_path


def test_validate_valid_files_exits_zero(runner, folder):
    result = runner.invoke(main, ["checklists", "validate"])
    assert result.exit_code == 0
    assert "All 1 checklist files are valid." in result.output


def test_validate_reports_every_problem_and_exits_one(runner):
    broken = DATA / "broken"
    result = runner.invoke(
        main,
        ["checklists", "validate", str(broken / "typo-key.yaml"), str(broken / "wrong-name.yaml")],
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(
        line.endswith(
            "typo-key.yaml:10:9: sections[0].items[0].critcal: unknown key "
            "'critcal' (did you mean 'critical'?); allowed keys: allow_na, "
            "anchors, channels, critical, guidance, id, kind, scale, text, weight"
        )
        for line in lines
    ), lines
    assert any(
        "wrong-name.yaml:1:5: id: id 'not-the-file-name' must equal" in line for line in lines
    )
    assert "Found 2 problems in 2 of 2 files." in result.stderr
    assert "Traceback" not in result.output


def test_validate_folder_argument(runner):
    result = runner.invoke(main, ["checklists", "validate", str(DATA / "broken")])
    assert result.exit_code == 1
    assert "bad-syntax.yaml:3:8: YAML syntax error: expected ',' or ']'" in result.stdout
    assert "latin1.yaml:1:1: not UTF-8 text" in result.stdout


def test_validate_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["checklists", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml:1:1: cannot read the file: No such file or directory" in result.stdout


def test_validate_empty_folder_is_an_error(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITAPP_CHECKLISTS_DIR", str(tmp_path))
    result = runner.invoke(main, ["checklists", "validate"])
    assert result.exit_code == 1
    assert "No checklist files found." in result.stderr


def test_list_shows_id_version_items_title(runner, folder):
    result = runner.invoke(main, ["checklists", "list"])
    assert result.exit_code == 0
    header, row = result.output.splitlines()
    assert header.split() == ["ID", "VERSION", "ITEMS", "TITLE"]
    assert row.split() == ["counter-basics", "2", "5", "Counter", "basics"]


def test_list_flags_broken_files_and_exits_one(runner, folder):
    shutil.copy(DATA / "broken" / "typo-key.yaml", folder)
    result = runner.invoke(main, ["checklists", "list"])
    assert result.exit_code == 1
    assert "counter-basics" in result.stdout
    assert "Skipped 1 invalid file(s)" in result.stderr


def test_show_prints_tree(runner, folder):
    result = runner.invoke(main, ["checklists", "show", "counter-basics"])
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Counter basics (counter-basics, version 2, fingerprint ")
    assert "Greeting [greeting] weight 2" in out
    assert "├─ DO: Greeted the customer [greeted]" in out
    assert "└─ DON'T: Argued with the customer [argued]" in out
    assert "yes_no (yes/no) · weight 1 · CRITICAL · always answered" in out
    assert "frequency (never/sometimes/often) · weight 1 · N/A allowed · only in_person" in out
    assert out.index("Greeting [greeting]") < out.index("Closing [closing]")


def test_show_unknown_id(runner, folder):
    result = runner.invoke(main, ["checklists", "show", "counter"])
    assert result.exit_code == 1
    assert "no valid checklist 'counter'; checklists: counter-basics" in result.stderr


def test_console_script_runs_without_traceback(tmp_path):
    broken = tmp_path / "x.yaml"
    broken.write_text("id: x\ntitle: [\n")
    proc = subprocess.run(
        [sys.executable, "-m", "auditapp", "checklists", "validate", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "x.yaml:3:1: YAML syntax error" in proc.stdout
    assert "Traceback" not in proc.stderr
