"""Dates, numbers and ids from outside at the edges of what they can hold: every date filter
(web and command line), the scoring form's numbers, the user form's linked staff id.

Each is refused with a message next to its field (or one line from the command line) and
changes nothing: no audit or user stored, no download or print in the event log.
"""

from __future__ import annotations

import importlib
import re
from datetime import date
from decimal import Decimal

import pytest
import test_hostile
from conftest import text_of
from markupsafe import escape
from sqlalchemy import select
from test_hostile import dump, login, send

from auditapp.extensions import db
from auditapp.models import Audit, User
from auditapp.models.event_log import LogEntry
from auditapp.services import periods
from auditapp.validators import DATE_RANGE_MESSAGE, FIRST_DAY, LAST_DAY, MAX_ID

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

world = test_hostile.world  # the fixture: supervisors, a trainer, an admin, a staff login


def log_actions() -> list[str]:
    db.session.rollback()  # a failed request may have left the session's transaction broken
    return list(db.session.execute(select(LogEntry.action).order_by(LogEntry.id)).scalars())


def error_next_to(response, field: str, message: str) -> None:
    """`message` is shown between the field's input and the next field's."""
    html = response.get_data(as_text=True)
    start = html.find(f'name="{field}"')
    assert start >= 0, f"no field {field!r} on the page"
    end = html.find(' name="', start + 1)
    assert str(escape(message)) in html[start : end if end > 0 else None], text_of(response)[:500]


# ---------------------------------------------------------------------------------------
# 1. Boundary dates in every date filter of the web app
# ---------------------------------------------------------------------------------------

# (path, the role that reads it, the names of its start and end dates)
DATE_FILTERS = [
    ("/audits", "supervisor", "date_from", "date_to"),
    ("/audits/export.csv", "supervisor", "date_from", "date_to"),
    ("/audits/answers.csv", "supervisor", "date_from", "date_to"),
    ("/insights", "trainer", "date_from", "date_to"),
    ("/teams/{team}", "trainer", "date_from", "date_to"),
    ("/teams/{team}/report.pdf", "trainer", "date_from", "date_to"),
    # A staff member on their own page and its PDF.
    ("/staff/{own}", "staff", "from", "to"),
    ("/staff/{own}/report.pdf", "staff", "from", "to"),
]
OUT_OF_WINDOW = ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"]


def filter_url(world, path: str) -> str:
    return path.format(team=world.olga.team_id, own=world.oscar.id)


def user_of(world, role: str):
    return {"supervisor": world.author, "trainer": world.trainer, "staff": world.staff_login}[role]


@pytest.mark.parametrize(("path", "role", "start", "end"), DATE_FILTERS)
@pytest.mark.parametrize("which", ["start", "end"])
@pytest.mark.parametrize("value", OUT_OF_WINDOW)
def test_a_date_outside_the_window_is_refused_next_to_its_field(
    app, client, world, path, role, start, end, which, value
):
    login(client, user_of(world, role))
    name = start if which == "start" else end
    before = dump()
    response = client.get(f"{filter_url(world, path)}?{name}={value}")
    assert response.status_code == 400, text_of(response)[:300]
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.get_data(as_text=True)
    error_next_to(response, name, DATE_RANGE_MESSAGE)
    assert dump() == before  # nothing exported or printed in the event log


@pytest.mark.parametrize(("path", "role", "start", "end"), DATE_FILTERS)
def test_the_window_s_own_ends_are_accepted(app, client, world, path, role, start, end):
    login(client, user_of(world, role))
    response = client.get(
        f"{filter_url(world, path)}?{start}={FIRST_DAY.isoformat()}&{end}={LAST_DAY.isoformat()}"
    )
    body = response.get_data()
    assert response.status_code == 200, body[:300]


@pytest.mark.parametrize("path", ["/audits", "/insights", "/staff/{own}"])
def test_the_date_inputs_carry_the_window_for_the_browser(app, client, world, path):
    login(client, world.trainer if path != "/staff/{own}" else world.staff_login)
    html = client.get(filter_url(world, path)).get_data(as_text=True)
    inputs = re.findall(r'<input[^>]*type="date"[^>]*>', html)
    assert len(inputs) == 2
    for tag in inputs:
        assert f'min="{FIRST_DAY.isoformat()}"' in tag and f'max="{LAST_DAY.isoformat()}"' in tag


def test_the_period_plan_holds_at_the_ends_of_the_calendar():
    """The open ends of a progress period are the year 1 and 9999: no day before or after."""
    for first, last in [
        (date(1, 1, 1), date(1, 1, 5)),
        (date(1, 1, 1), date(1, 3, 5)),
        (date(9999, 12, 31), date(9999, 12, 31)),
        (date(9999, 11, 5), date(9999, 12, 31)),
        (date(1, 1, 1), date(9999, 12, 31)),
    ]:
        periods.plan(first, last, today=date(2026, 11, 2))
    assert periods.plan_open(None, None, today=date(2026, 11, 2)).first_month == date(1, 1, 1)


# ---------------------------------------------------------------------------------------
# 2. Boundary dates on the command line
# ---------------------------------------------------------------------------------------

CLI_FILTERS = [("export", "audits"), ("export", "answers"), ("report", "audits")]


@pytest.mark.parametrize("command", CLI_FILTERS, ids=" ".join)
@pytest.mark.parametrize("option", ["--from", "--to"])
@pytest.mark.parametrize("value", OUT_OF_WINDOW)
def test_the_cli_refuses_a_date_outside_the_window(cli, world, tmp_path, command, option, value):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "out.file"
    before = dump()
    result = cli(*command, option, value, "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{option} {value!r} is outside the dates this app keeps" in result.output
    assert f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}" in result.output
    assert not out.exists()
    assert list(folder.iterdir()) == []
    assert dump() == before


@pytest.mark.parametrize("command", CLI_FILTERS, ids=" ".join)
def test_the_cli_takes_the_window_s_own_ends(cli, world, tmp_path, command):
    out = tmp_path / "out.file"
    result = cli(
        *command, "--from", FIRST_DAY.isoformat(), "--to", LAST_DAY.isoformat(), "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert out.exists()


# ---------------------------------------------------------------------------------------
# 3. Other dates typed into forms: when the interaction happened, the follow-up date
# ---------------------------------------------------------------------------------------

SCORING_FORMS = ["audits.new", "audits.edit", "audits.amend"]


@pytest.mark.parametrize("endpoint", SCORING_FORMS)
@pytest.mark.parametrize("value", ["0001-01-01T00:00", "1999-12-31T23:59"])
def test_an_interaction_before_the_window_is_refused(app, client, world, endpoint, value):
    before = dump()
    response = send(app, client, world, endpoint, observed_at=value)
    assert response.status_code == 400, text_of(response)[:300]
    error_next_to(response, "observed_at", DATE_RANGE_MESSAGE)
    assert dump() == before


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2100-01-01"])
def test_a_follow_up_date_outside_the_window_is_refused(app, client, world, value):
    before = dump()
    response = send(app, client, world, "coaching.new", follow_up_on=value)
    assert response.status_code == 400, text_of(response)[:300]
    error_next_to(response, "follow_up_on", DATE_RANGE_MESSAGE)
    assert dump() == before


# ---------------------------------------------------------------------------------------
# 4. Numbers in the scoring form: non-finite, other digits, more than two decimals
# ---------------------------------------------------------------------------------------

MONEY_MESSAGE = "Enter an amount in the digits 0 to 9 with at most 2 decimal places, such as 12.50."
WHOLE_MESSAGE = "Enter a whole number in the digits 0 to 9, such as 12."
NOT_MONEY = {
    "NaN": "NaN",
    "-NaN": "-NaN",
    "sNaN": "sNaN",
    "-sNaN": "-sNaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "inf": "inf",
    "three-decimals": "12.345",
    "arabic-indic": "١٢",
    "exponent": "1e3",
    "thousands": "1,000",
    "underscore": "1_000",
    "spaces": " 12 ",
}
NOT_WHOLE = {
    "arabic-indic": "١٢",
    "devanagari": "१२",
    "fullwidth": "１２",
    "underscore": "1_2",
    "plus": "+12",
    "spaces": " 12 ",
    "decimal": "12.0",
    "NaN": "NaN",
}


@pytest.mark.parametrize("endpoint", SCORING_FORMS)
@pytest.mark.parametrize("value", NOT_MONEY.values(), ids=NOT_MONEY.keys())
def test_a_monetary_value_that_is_not_plain_money_is_refused(app, client, world, endpoint, value):
    before = dump()
    response = send(app, client, world, endpoint, monetary_value=value)
    assert response.status_code == 400, text_of(response)[:300]
    error_next_to(response, "monetary_value", MONEY_MESSAGE)
    assert dump() == before


@pytest.mark.parametrize("endpoint", SCORING_FORMS)
@pytest.mark.parametrize("value", NOT_WHOLE.values(), ids=NOT_WHOLE.keys())
def test_a_duration_that_is_not_plain_digits_is_refused(app, client, world, endpoint, value):
    before = dump()
    response = send(app, client, world, endpoint, duration_minutes=value)
    assert response.status_code == 400, text_of(response)[:300]
    error_next_to(response, "duration_minutes", WHOLE_MESSAGE)
    assert dump() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("12.34", "12.34"),
        ("0.05", "0.05"),
        ("1000000000", "1000000000.00"),
    ],
)
def test_plain_money_is_stored_the_same_on_every_database(app, client, world, typed, stored):
    response = send(app, client, world, "audits.new", monetary_value=typed, token=f"m-{typed}")
    assert response.status_code == 302, text_of(response)[:300]
    audit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    value = db.session.get(Audit, audit_id).monetary_value
    assert value == Decimal(stored)
    assert f"{value:.2f}" == stored


@pytest.mark.parametrize("value", ["-1", "1441", "99999999999999999999"])
def test_a_duration_out_of_range_is_refused(app, client, world, value):
    before = dump()
    response = send(app, client, world, "audits.new", duration_minutes=value)
    assert response.status_code == 400, text_of(response)[:300]
    assert "Number must be between 0 and 1440." in text_of(response)
    assert dump() == before


def test_the_insights_days_take_only_plain_digits(app, client, world):
    login(client, world.trainer)
    for value in ("١٢", "99999999999999999999", "NaN"):
        response = client.get(f"/insights?days={value}")
        assert response.status_code == 400, value
    assert client.get("/insights?days=12").status_code == 200


# ---------------------------------------------------------------------------------------
# 5. Ids from outside: the user form's linked staff member, ids in query strings
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "trainer"])
@pytest.mark.parametrize(
    "value", ["99999999999999999999", str(MAX_ID + 1), "-1", "١", "1e3", "9" * 5000]
)
def test_a_linked_staff_id_that_is_no_id_is_refused(app, client, world, role, value):
    before = dump()
    response = send(app, client, world, "users.index", role=role, staff_member_id=value)
    assert response.status_code == 400, text_of(response)[:300]
    assert "Traceback" not in response.get_data(as_text=True)
    assert "could not coerce" in text_of(response)
    assert dump() == before
    assert db.session.scalar(select(User).where(User.email == "una@example.com")) is None


@pytest.mark.parametrize("value", [str(MAX_ID), "999999"])
def test_a_linked_staff_id_that_names_no_one_is_refused(app, client, world, value):
    before = dump()
    response = send(app, client, world, "users.index", role="staff", staff_member_id=value)
    assert response.status_code == 400, text_of(response)[:300]
    assert dump() == before


@pytest.mark.parametrize("query", ["audit=-99999999999999999999", "audit=١", "audit=" + "9" * 5000])
def test_a_source_audit_that_is_no_id_gives_404_or_the_plain_page(app, client, world, query):
    login(client, world.trainer)
    response = client.get(f"/staff/{world.olga.id}/coaching/new?checklist=counter-basics&{query}")
    assert response.status_code in (200, 404), text_of(response)[:300]


@pytest.mark.parametrize("field", ["staff", "team", "supervisor"])
def test_filter_ids_in_other_digits_are_refused(app, client, world, field):
    login(client, world.admin)
    ids = {"staff": world.olga.id, "team": world.olga.team_id, "supervisor": world.author.id}
    digits = str(ids[field]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/audits?{field}={ids[field]}").status_code == 200
    response = client.get(f"/audits?{field}={digits}")
    assert response.status_code == 400, text_of(response)[:300]


# ---------------------------------------------------------------------------------------
# 6. Downloads are logged only once they are made
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/audits/export.csv", "/audits/answers.csv"])
def test_an_export_whose_query_fails_is_not_logged(app, client, world, monkeypatch, path):
    """The query runs before the log entry is written: a database error leaves none."""
    from sqlalchemy import text

    from auditapp.services import exports

    joined = exports._joined
    monkeypatch.setattr(exports, "_joined", lambda *a: joined(*a).where(text("no_such_column = 1")))
    login(client, world.author)
    before = log_actions()
    response = client.get(path)
    # 503 on SQLite (OperationalError), 500 on PostgreSQL (ProgrammingError).
    assert response.status_code in (500, 503), response.get_data(as_text=True)[:300]
    assert log_actions() == before


# (module with the renderer, its name, who downloads, the download's URL)
FAILING_RENDERERS = {
    "team report": (
        "auditapp.views.insights",
        "render_pdf",
        "trainer",
        "/teams/{w.olga.team_id}/report.pdf",
    ),
    "staff report": (
        "auditapp.views.staff",
        "progress_pdf",
        "trainer",
        "/staff/{w.olga.id}/report.pdf",
    ),
    "audit PDF": ("auditapp.services.reports", "audit_pdf", "author", "/audits/{w.audit.id}.pdf"),
}


@pytest.mark.parametrize(
    ("module", "renderer", "who", "url"), FAILING_RENDERERS.values(), ids=FAILING_RENDERERS.keys()
)
def test_a_pdf_that_fails_to_render_is_not_logged(
    app, client, world, monkeypatch, module, renderer, who, url
):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(importlib.import_module(module), renderer, broken)
    login(client, getattr(world, who))
    before = log_actions()
    assert client.get(url.format(w=world)).status_code == 500
    assert log_actions() == before


def test_a_good_export_is_logged_once(app, client, world):
    login(client, world.author)
    before = log_actions()
    response = client.get("/audits/export.csv?date_from=2000-01-01")
    assert response.status_code == 200
    response.get_data()
    assert log_actions() == [*before, "exported"]
