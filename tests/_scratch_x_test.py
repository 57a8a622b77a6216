from conftest import form_data, text_of


def test_x(client, login_as, make_staff, make_audit):
    login_as("supervisor")
    staff = make_staff()
    make_audit(staff=staff)
    for q in [
        "/audits?page=2",
        "/audits?staff=%d" % staff.id,
        "/audits?page=1",
        "/audits?result=passed",
        "/audits?staff=%d&checklist=" % staff.id,
    ]:
        r = client.get(q)
        print(q, r.status_code, text_of(r)[-300:])
