"""Helpers and fixtures shared by the audit tests (tests/test_audits_*.py): reading the
scoring form back from a page, the rows an audit stored, and clients of their own."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from html.parser import HTMLParser

from conftest import DATA, GOOD_ANSWERS, PASSWORD, text_of
from sqlalchemy import func, select

from auditapp.checklists import load_checklist
from auditapp.extensions import db
from auditapp.models import Audit, AuditEvent, AuditItem, StaffMember, User
from auditapp.services import audits as audit_service
from auditapp.services import checklists as checklist_store

# Overall (2 * 88 + 50) / 3 when "thanked" is answered "no" and everything else is good.
THANKED_NO_OVERALL = (2 * 88 + 50) / 3


# --- helpers -----------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The <input> and <textarea> elements of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict[str, str | None]] = []
        self.textareas: dict[str, str] = {}
        self._open_textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input":
            self.inputs.append(attributes)
        elif tag == "textarea":
            self._open_textarea = attributes.get("name") or ""
            self.textareas[self._open_textarea] = ""

    def handle_data(self, data):
        if self._open_textarea is not None:
            self.textareas[self._open_textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._open_textarea = None


def fields_of(response) -> _FormFields:
    parser = _FormFields()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser


def radio_values(response, name: str) -> list[str]:
    """The values offered by the radio group `name`, in page order."""
    return [
        i["value"]
        for i in fields_of(response).inputs
        if i.get("type") == "radio" and i.get("name") == name
    ]


def checked_radio(response, name: str) -> str | None:
    """The value of the checked radio input of the group `name` (None when none is)."""
    checked = [
        i["value"]
        for i in fields_of(response).inputs
        if i.get("type") == "radio" and i.get("name") == name and "checked" in i
    ]
    assert len(checked) <= 1, checked
    return checked[0] if checked else None


def textarea(response, name: str) -> str | None:
    value = fields_of(response).textareas.get(name)
    return None if value is None else value.strip()


def hidden(response, name: str) -> str | None:
    for i in fields_of(response).inputs:
        if i.get("type") == "hidden" and i.get("name") == name:
            return i.get("value")
    return None


def assert_between(page_text: str, message: str, after: str, before: str | None) -> None:
    """`message` is shown after the text `after` (a field's label) and before `before`."""
    start = page_text.index(after)
    position = page_text.find(message, start)
    assert position != -1, f"{message!r} is not shown after {after!r}: {page_text}"
    if before is not None:
        assert position < page_text.index(before, start), (
            f"{message!r} is shown after {before!r} rather than next to {after!r}"
        )


def new_url(staff_id, checklist="counter-basics") -> str:
    return f"/audits/new?staff={staff_id}&checklist={checklist}"


def audit_count() -> int:
    return db.session.scalar(select(func.count(Audit.id)))


def fresh(audit_id: int) -> Audit:
    """The audit as the database now holds it (not as this session last saw it)."""
    db.session.expire_all()
    return db.session.get(Audit, audit_id)


def load_checklist_fingerprint(folder=None) -> str:
    return load_checklist((folder or DATA / "valid") / "counter-basics.yaml").fingerprint


def fresh_single_audit() -> Audit:
    db.session.expire_all()
    return db.session.execute(select(Audit)).scalar_one()


def audit_id_from(location: str) -> int:
    match = re.fullmatch(r"/audits/(\d+)(/edit)?", location)
    assert match, location
    return int(match.group(1))


def listed_ids(response) -> list[int]:
    """The audits listed in the /audits table, in page order."""
    html = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<td><a href="/audits/(\d+)">#\1</a></td>', html)]


def events_of(audit_id: int, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.audit_id == audit_id).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def items_of(audit_id: int) -> dict[str, AuditItem]:
    db.session.expire_all()
    rows = db.session.execute(select(AuditItem).where(AuditItem.audit_id == audit_id)).scalars()
    return {row.item_id: row for row in rows}


def logged_in_client(app, user: User):
    """A test client of its own, logged in as `user` through the real login form."""
    other = app.test_client()
    # A context of its own: the test's shared one caches whoever logged in last in `g`.
    with app.app_context():
        response = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)
    return other


def run_in_threads(*targets) -> None:
    """Run each callable in its own thread at the same time; re-raise the first error."""
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def start_in_own_context(app, supervisor_id, staff_id, token, results, before=None):
    """Call the audit service as a separate request would: its own app context and session."""

    def run():
        with app.app_context():
            supervisor = db.session.get(User, supervisor_id)
            staff = db.session.get(StaffMember, staff_id)
            if before is not None:
                before()
            audit, created = audit_service.start(
                supervisor=supervisor,
                staff=staff,
                checklist=checklist_store.available()["counter-basics"],
                token=token,
                interaction=audit_service.Interaction(
                    channel="in_person", observed_at=datetime(2026, 11, 2, 10, 30)
                ),
                entry=audit_service.Answers.clean(dict(GOOD_ANSWERS), {}),
                submit=True,
            )
            results.append((audit.id, created))

    return run


FILTER_FIELDS = ("staff", "team", "checklist", "supervisor", "date_from", "date_to", "result")


def filter_list(client, **filters):
    """GET /audits as the filter form submits it: every field present, blanks for 'any'."""
    query = dict.fromkeys(FILTER_FIELDS, "")
    query["status"] = ""
    query.update({k: str(v) for k, v in filters.items()})
    return client.get("/audits", query_string=query)
