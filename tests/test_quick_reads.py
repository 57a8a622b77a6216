"""The one-row reads made before a view starts (models/quick_reads.py): the signed-in user
and the scoring form's staff member, each on a pooled connection handed back at once."""

from __future__ import annotations

import pytest
from conftest import text_of
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, MultipleResultsFound

from auditapp.extensions import db
from auditapp.models import StaffMember, User
from auditapp.models.people import SIGNED_IN_USER
from auditapp.models.quick_reads import read_row


def test_reads_one_row_or_none_and_refuses_more(app, make_staff):
    ana = make_staff("Ana Lopez")
    make_staff("Ben Okafor")
    names = StaffMember.__table__
    row = read_row(select(names.c.name).where(names.c.id == ana.id), {})
    assert tuple(row) == ("Ana Lopez",) and row.name == "Ana Lopez"
    assert read_row(select(names.c.name).where(names.c.id == -1), {}) is None
    with pytest.raises(MultipleResultsFound):
        read_row(select(names.c.name), {})


def test_hands_its_connection_back_and_leaves_no_transaction(app, make_user):
    user = make_user("supervisor")
    user_id, email = user.id, user.email
    db.session.close()
    before = db.engine.pool.checkedout()
    row = read_row(SIGNED_IN_USER, {"user_id": user_id})
    assert row.email == email and row.active is True
    assert db.engine.pool.checkedout() == before
    # Nothing held: another connection writes to the row at once (SQLite would say
    # "database is locked" after the busy timeout if a transaction were left open).
    with db.engine.begin() as other:
        other.execute(update(User).where(User.id == user_id).values(name="Renamed"))
    assert read_row(SIGNED_IN_USER, {"user_id": user_id}).name == "Renamed"


def test_a_change_by_another_process_shows_on_the_next_page(app, client, login, make_user):
    user_id = login(make_user("supervisor")).id

    def get(path):
        with app.app_context():  # a context of its own per request, as on a server
            return client.get(path)

    def change(**values):
        with db.engine.begin() as other:  # as another server process would
            other.execute(update(User).where(User.id == user_id).values(**values))

    assert get("/audits/new").status_code == 200
    change(role="staff")
    assert get("/audits/new").status_code == 403
    change(active=False)
    response = get("/audits")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_driver_error_is_sqlalchemys_and_its_connection_is_not_reused(app):
    from sqlalchemy import column, table

    missing = select(column("id")).select_from(table("no_such_table"))
    db.session.close()
    before = db.engine.pool.checkedout()
    with pytest.raises(DBAPIError) as raised:
        read_row(missing, {})
    assert "no_such_table" in str(raised.value)
    assert db.engine.pool.checkedout() == before


@pytest.mark.parametrize("fail_first", [False, True])
def test_connections_go_back_to_the_pool_in_transaction_mode(app, make_staff, fail_first):
    """After the reads (autocommit on PostgreSQL) the session's writes still roll back."""
    from sqlalchemy import column, table

    staff_id = make_staff("Ana Lopez").id
    db.session.close()  # its connection back in the pool, for the reads to take
    names = StaffMember.__table__
    if fail_first:
        with pytest.raises(DBAPIError):
            read_row(select(column("id")).select_from(table("no_such_table")), {})
    for _ in range(6):  # more than the pool holds, so the session gets one of these
        assert read_row(select(names.c.id).where(names.c.id == staff_id), {}) is not None
    db.session.execute(update(StaffMember).values(name="Not saved"))
    db.session.rollback()
    assert read_row(select(names.c.name).where(names.c.id == staff_id), {}).name == "Ana Lopez"


def test_a_server_restart_costs_no_page(app, client, login, make_user, database_url):
    """PostgreSQL's connections cut under the pool (as a restart does): the next page
    still opens, the read made again on a new connection. SQLite has no connection to lose."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server database's connections; CI runs this on PostgreSQL")
    from sqlalchemy import text

    login(make_user("supervisor"))
    with app.app_context():
        assert client.get("/audits/new").status_code == 200  # the reads' pool has connections
    with db.engine.connect() as admin:
        cut = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert cut >= 1
    with app.app_context():
        response = client.get("/audits/new")
    assert response.status_code == 200, text_of(response)
