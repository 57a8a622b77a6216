"""Names, teams and employee codes: one set of limits (the columns' lengths) on every path.

The web forms, the CSV roster (web and `auditapp staff import`), `auditapp staff add` and the
service functions a later API will call all refuse the same over-long text, with a message
naming the field (and the line, in a roster); nothing is stored and nothing answers a 500.
"""

from __future__ import annotations

import pytest
from conftest import text_of
from sqlalchemy import func, select

from auditapp.extensions import db
from auditapp.models import StaffMember, Team
from auditapp.services import people

HUGE = 140_000  # past the csv module's field_size_limit (131,072)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_limits_are_the_columns_lengths():
    assert (people.NAME_MAX, people.TEAM_NAME_MAX, people.CODE_MAX) == (120, 120, 40)
    assert people.ROSTER_LIMITS == {"name": 120, "team": 120, "code": 40}


def import_on_the_web(client, login_as, roster: str):
    login_as("admin")
    return client.post("/staff/import", data={"roster": roster})


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("N" * 121 + ",Ops,", "line 3: the name is longer than 120 characters"),
        ("Nia New," + "T" * 121 + ",", "line 3: the team is longer than 120 characters"),
        ("Nia New,Ops," + "C" * 41, "line 3: the code is longer than 40 characters"),
        ("N" * 100_000 + ",Ops,", "line 3: the name is longer than 120 characters"),
        ("Nia New," + "T" * 90_000 + ",", "line 3: the team is longer than 120 characters"),
    ],
    ids=["name-121", "team-121", "code-41", "name-100k", "team-90k"],
)
def test_a_roster_row_over_a_limit_is_refused_by_its_line(app, client, login_as, row, message):
    teams = count(Team)
    response = import_on_the_web(client, login_as, f"name,team,code\nGood Person,Ops,\n{row}\n")
    assert response.status_code == 400, text_of(response)[:300]
    assert message in text_of(response)
    assert count(StaffMember) == 0 and count(Team) == teams  # the good row is not kept either


def test_a_roster_at_the_limits_is_imported(app, client, login_as):
    roster = f"name,team,code\n{'N' * 120},{'T' * 120},{'C' * 40}\n"
    response = import_on_the_web(client, login_as, roster)
    assert response.status_code == 302, text_of(response)[:300]
    assert db.session.scalar(select(StaffMember.employee_code).where(StaffMember.name == "N" * 120))
    # And one character more is refused, on the same path.
    roster = f"name,team,code\n{'M' * 121},{'T' * 120},\n"
    assert import_on_the_web(client, login_as, roster).status_code == 400


@pytest.mark.parametrize("where", ["header", "row", "quoted-multiline"])
def test_a_field_past_the_csv_modules_limit_is_a_row_error_not_a_500(app, client, login_as, where):
    roster = {
        "header": "name,team," + "c" * HUGE + "\nNia,Ops,\n",
        "row": "name,team,code\nNia,Ops,\nNed," + "T" * HUGE + ",\nLater,Ops,\n",
        "quoted-multiline": 'name,team,code\nNia,Ops,\n"Ned\nSecond\n' + "x" * HUGE + '",Ops,\n',
    }[where]
    line = {"header": 1, "row": 3, "quoted-multiline": 5}[where]
    response = import_on_the_web(client, login_as, roster)
    assert response.status_code == 400, text_of(response)[:300]
    assert f"line {line}: a value is far longer than the 120 characters" in text_of(response)
    assert count(StaffMember) == 0


def test_a_roster_with_a_byte_order_mark_is_accepted_on_the_web_and_by_the_cli(
    app, client, login_as, cli, tmp_path
):
    response = import_on_the_web(client, login_as, "\ufeffname,team,code\nNia New,Ops,E1\n")
    assert response.status_code == 302, text_of(response)[:300]
    roster = tmp_path / "roster.csv"
    roster.write_bytes("name,team,code\r\nNed New,Ops,E2\r\n".encode("utf-8-sig"))
    result = cli("staff", "import", str(roster))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(StaffMember.employee_code))) >= {"E1", "E2"}


def test_the_cli_import_names_the_line_of_a_huge_field_without_a_traceback(app, cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,team,code\nNia,Ops,\nNed," + "T" * HUGE + ",\n")
    result = cli("staff", "import", str(roster))
    assert result.exit_code == 1, result.output
    assert f"{roster}:3: a value is far longer than the 120 characters" in result.output
    assert "nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # click's clean exit 1, nothing raised
    assert count(StaffMember) == 0


def test_the_cli_import_names_the_line_of_an_over_long_name(app, cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,team,code\nNia,Ops,\n" + "N" * 500 + ",Ops,\n")
    result = cli("staff", "import", str(roster))
    assert result.exit_code == 1, result.output
    assert f"{roster}:3: the name is longer than 120 characters" in result.output
    assert count(StaffMember) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["N" * 500, "--team", "Ops"], "The name is longer than 120 characters."),
        (["Nia", "--team", "T" * 121], "The team name is longer than 120 characters."),
        (["Nia", "--team", "Ops", "--code", "C" * 41], "The employee code is longer than 40"),
    ],
    ids=["name", "team", "code"],
)
def test_cli_staff_add_refuses_over_long_text(app, cli, args, message):
    result = cli("staff", "add", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(StaffMember) == 0 and count(Team) == 0


def test_every_service_entry_point_refuses_over_long_text(app, make_staff):
    """What the web forms, the CLI and a later API call: each refuses on its own."""
    staff = make_staff("Ana Lopez", "Front desk", "E1")
    team = staff.team
    calls = {
        "add_staff name": lambda: people.add_staff("N" * 121, "Ops", by=None),
        "add_staff team": lambda: people.add_staff("Nia", "T" * 121, by=None),
        "add_staff code": lambda: people.add_staff("Nia", "Ops", "C" * 41, by=None),
        "update_staff name": lambda: people.update_staff(
            staff, "N" * 121, None, None, True, by=None
        ),
        "update_staff code": lambda: people.update_staff(
            staff, "Ana", None, "C" * 41, True, by=None
        ),
        "update_staff control": lambda: people.update_staff(
            staff, "A\x07na", None, None, True, by=None
        ),
        "create_team": lambda: people.create_team("T" * 121, by=None),
        "rename_team": lambda: people.rename_team(team, "T" * 121, by=None),
        "team_named": lambda: people.team_named("T" * 121, create=True),
    }
    for what, call in calls.items():
        with pytest.raises(people.PeopleError) as refused:
            call()
        assert "longer than" in str(refused.value) or "control character" in str(refused.value)
        assert refused.value.field in {"name", "code", "team_id"}, what
        db.session.rollback()
    db.session.expire_all()
    assert (staff.name, staff.employee_code, team.name) == ("Ana Lopez", "E1", "Front desk")
    assert count(StaffMember) == 1 and count(Team) == 1
    # At the limits (spaces collapsed as stored) they are accepted.
    people.update_staff(staff, "N" * 120 + "   ", None, "C" * 40, True, by=None)
    people.rename_team(team, " T" * 60, by=None)
    assert (len(staff.name), len(team.name)) == (120, 119)
