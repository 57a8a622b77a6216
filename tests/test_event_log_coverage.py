"""Every write is in the event log: the services commit only through `event_log.commit`,
which refuses a transaction that recorded nothing, and every service function that writes
records what it did (itself, or through a service function it calls).

The scan sees writes made by calls (session.add/delete/execute of INSERT, UPDATE or DELETE,
event_log.commit); a change made by setting attributes is caught when it is committed:
event_log.commit refuses a transaction with no entry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from auditapp.extensions import db
from auditapp.models import Team
from auditapp.services import event_log

SERVICES = Path(__file__).resolve().parent.parent / "auditapp" / "services"

# Calls that change the database.
WRITE_CALLS = {"add", "add_all", "delete", "commit", "merge"}
DML = {"insert", "update", "delete"}
# Service functions that write without logging, each part of a write its caller logs.
PARTS_OF_LOGGED_WRITES = {
    "audit_history.add": "a step of an audit's history; its caller logs the audit's change",
    "logins._end": "ends logins for logins.end (logged_out) and users.* (logged with logins_ended)",
    "audits._store_result": "an audit's item and section rows; its caller logs the change",
    "month_totals.rebuild": "derived totals, part of rollups.rebuild_all (totals_rebuilt)",
    "month_totals.recompute": "derived totals, written with the audit change that is logged",
    "rollups._recompute_day": "derived totals, written with the audit change that is logged",
    "rollups._recompute_month": "derived totals, written with the audit change that is logged",
    "notifications.message": "an email queued with the event its caller logs (or mail_queued)",
    "event_log._append": "writes the log itself",
    "event_log.commit": "the one commit: refuses a transaction with no entry",
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return ""


class _Function:
    def __init__(self, module: str, node: ast.FunctionDef) -> None:
        self.name = f"{module}.{node.name}"
        self.calls = [_dotted(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)]
        self.writes = any(self._is_write(c) for c in ast.walk(node) if isinstance(c, ast.Call))
        self.logs = any(
            c.split(".")[-1] in ("record", "record_now")
            for c in self.calls
            if "event_log" in c or c in ("record", "record_now")
        )
        # Calls another service function may answer: f() in the module, or module.f().
        self.service_calls = {
            f"{module}.{c}" if "." not in c else c for c in self.calls if c.count(".") <= 1
        }

    @staticmethod
    def _is_write(call: ast.Call) -> bool:
        name = _dotted(call.func)
        if name == "event_log.commit":  # commits what the function changed
            return True
        if name.endswith("session.execute") or name.endswith("session.execute()"):
            statement = call.args[0] if call.args else None
            while isinstance(statement, ast.Call) and isinstance(statement.func, ast.Attribute):
                statement = statement.func.value  # insert(X).values(...).on_conflict...
            return isinstance(statement, ast.Call) and _dotted(statement.func) in DML
        parts = name.split(".")
        return "session" in parts[:-1] and parts[-1] in WRITE_CALLS


def service_functions() -> dict[str, _Function]:
    functions = {}
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                function = _Function(path.stem, node)
                functions[function.name] = function
    return functions


def logs_through_its_calls(function: _Function, functions: dict[str, _Function]) -> bool:
    """The function, or a service function it calls (and so on), records an entry."""
    seen, todo = set(), [function]
    while todo:
        current = todo.pop()
        if current.logs:
            return True
        for name in current.service_calls:
            callee = functions.get(name)
            if callee is not None and callee.name not in seen:
                seen.add(callee.name)
                todo.append(callee)
    return False


def test_the_services_commit_only_through_the_event_log():
    direct = [
        f"{path.name}:{node.lineno}"
        for path in sorted(SERVICES.glob("*.py"))
        if path.name != "event_log.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and _dotted(node.func).endswith("session.commit")
    ]
    assert direct == [], "commit with event_log.commit(), which writes the log entries"


def test_every_service_function_that_writes_logs_what_it_did():
    functions = service_functions()
    writers = sorted(name for name, f in functions.items() if f.writes)
    # The list is the services' writes: it must find the ones we know of, or it finds nothing.
    for known in (
        "audits.start",
        "audits.amend",
        "people.add_staff",
        "people.rename_team",
        "coaching.record",
        "users.create_user",
        "logins.begin",
        "responses._record",
    ):
        assert known in writers, f"{known} writes but the scan does not see it"
    unlogged = [
        name
        for name in writers
        if name not in PARTS_OF_LOGGED_WRITES
        and not logs_through_its_calls(functions[name], functions)
    ]
    assert unlogged == [], f"these service functions write without an event log entry: {unlogged}"
    stale = sorted(set(PARTS_OF_LOGGED_WRITES) - set(writers))
    assert stale == [], f"no longer write; take them off the list: {stale}"


def test_a_commit_with_nothing_recorded_is_refused_and_stores_nothing(app):
    db.session.add(Team(name="Nobody logged this"))
    with pytest.raises(event_log.UnloggedWrite):
        event_log.commit()
    assert db.session.query(Team).filter_by(name="Nobody logged this").count() == 0


def test_entries_recorded_before_a_rollback_are_never_written(app):
    event_log.record("team_created", None, "a team that was never made")
    db.session.rollback()  # a view's error handler, say
    db.session.add(Team(name="Later"))
    with pytest.raises(event_log.UnloggedWrite):
        event_log.commit()  # the earlier entry does not cover this write
    assert event_log.count() == 0
