"""An audit's history stays readable however long it grows: the newest steps on the page and
in the PDF, the rest a page at a time, and no read of the whole history anywhere."""

from __future__ import annotations

import io
import re

from audits_support import fresh
from conftest import text_of
from pypdf import PdfReader
from sqlalchemy import event

from auditapp.extensions import db
from auditapp.models import AuditEvent, User
from auditapp.services import audit_history


def amended_many_times(audit_id: int, supervisor, times: int) -> None:
    """`times` amendment steps, written through the service's one way of adding a step."""
    audit = fresh(audit_id)
    supervisor = db.session.get(User, audit.supervisor_id)
    for n in range(1, times + 1):
        audit_history.add(audit, supervisor, "amended", reason=f"Reason number {n}.")
    db.session.commit()


def reasons_in(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Reason number (\d+)\.", text)]


def test_the_page_shows_the_newest_steps_first_and_links_to_the_rest(client, submitted, supervisor):
    audit_id, _ = submitted
    amended_many_times(audit_id, supervisor, 25)  # with created and submitted: 27 steps
    response = client.get(f"/audits/{audit_id}")
    page = text_of(response)
    assert reasons_in(page) == list(range(25, 15, -1))  # the newest ten, newest first
    assert "17 earlier steps: see the whole history" in page
    assert f'href="/audits/{audit_id}/history?page=1"' in response.get_data(as_text=True)


def test_a_short_history_is_shown_whole_without_a_link(client, submitted):
    audit_id, _ = submitted
    response = client.get(f"/audits/{audit_id}")
    page = text_of(response)
    assert page.index("Submitted by") < page.index("Started by")  # newest first
    assert "earlier step" not in page and "/history" not in response.get_data(as_text=True)


def test_the_whole_history_a_page_at_a_time(client, submitted, supervisor):
    audit_id, _ = submitted
    amended_many_times(audit_id, supervisor, 120)  # 122 steps: pages of 50, 50 and 22
    first = text_of(client.get(f"/audits/{audit_id}/history"))
    assert "122 steps, newest first · page 1 of 3" in first
    assert reasons_in(first) == list(range(120, 70, -1))
    last = text_of(client.get(f"/audits/{audit_id}/history?page=3"))
    assert reasons_in(last) == list(range(20, 0, -1))
    assert last.index("Submitted by") < last.index("Started by")
    html = client.get(f"/audits/{audit_id}/history?page=3").get_data(as_text=True)
    assert f'href="/audits/{audit_id}/history?page=2"' in html
    assert client.get(f"/audits/{audit_id}/history?page=4").status_code == 404


def test_the_history_page_is_for_those_who_may_see_the_audit(
    client, submitted, login_as, make_staff
):
    audit_id, _ = submitted
    login_as("staff", staff=make_staff("Someone Else"))
    assert client.get(f"/audits/{audit_id}/history").status_code == 403
    client.post("/logout")
    response = client.get(f"/audits/{audit_id}/history")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_pdf_prints_the_newest_steps_and_counts_the_rest(client, submitted, supervisor):
    audit_id, _ = submitted
    amended_many_times(audit_id, supervisor, 40)
    response = client.get(f"/audits/{audit_id}.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert reasons_in(text) == list(range(40, 30, -1))
    assert f"32 earlier steps, in the app's history of audit #{audit_id}." in " ".join(text.split())
    assert len(reader.pages) <= 3


def test_the_page_and_an_amendment_cost_the_same_at_any_length(
    app, client, submitted, supervisor, count_queries
):
    audit_id, data = submitted

    def counted(fn) -> tuple[int, int]:
        """Statements sent, and the steps of the history loaded from the database."""
        steps = []

        def loaded(step, context):
            steps.append(step.id)

        event.listen(AuditEvent, "load", loaded)
        try:
            with app.app_context():  # as each real request: its own session and signed-in user
                return count_queries(fn), len(steps)
        finally:
            event.remove(AuditEvent, "load", loaded)

    def open_page():
        assert client.get(f"/audits/{audit_id}").status_code == 200

    def amend(n):
        def post():
            response = client.post(
                f"/audits/{audit_id}/amend",
                data={**data, "item_thanked": "no" if n % 2 else "yes", "reason": f"Pass {n}"},
            )
            assert response.status_code == 302, text_of(response)

        return post

    amended_many_times(audit_id, supervisor, 10)  # more than the page shows: it counts them
    short_page, short_amend = counted(open_page), counted(amend(1))
    assert short_page[1] == audit_history.SHOWN and short_amend[1] <= 2
    amended_many_times(audit_id, supervisor, 300)
    assert counted(open_page) == short_page
    assert counted(amend(2)) == short_amend
    assert fresh(audit_id).revision == 2


def test_a_dispute_shows_the_latest_comment_and_rejection(client, submitted, supervisor):
    from auditapp.services.responses import state_of

    audit_id, _ = submitted
    audit = fresh(audit_id)
    for n in (1, 2):
        audit_history.add(audit, supervisor, "disputed", reason=f"Comment {n}")
        audit_history.add(audit, supervisor, "dispute_rejected", reason=f"Rejected {n}")
    db.session.commit()
    state = state_of(fresh(audit_id), supervisor)
    assert (state.comment, state.rejection) == ("Comment 2", "Rejected 2")
