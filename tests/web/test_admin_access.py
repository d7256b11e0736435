"""Admins see a member's e-mail and IP addresses only for a reason, and every access is logged."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import PersonalDataAccess, Role, User
from forum.services import accounts, admin_members, erasure, exports
from tests.factories import PASSWORD, make_user

EMAIL = "lucie.verriere@exemple.fr"
REASON = "Demande de rectification reçue par courrier"
PAGES = [
    "/admin/members",
    "/admin/members?q=lu",
    "/admin/members/lucie-verriere",
    "/admin/access-log",
]


@pytest.fixture
def subject(app):
    """A member who logged in twice, from two addresses."""
    with app.app_context():
        member = make_user(username="lucie-verriere", email=EMAIL)
        accounts.authenticate("lucie-verriere", PASSWORD, ip="203.0.113.7")
        accounts.authenticate("lucie-verriere", PASSWORD, ip="198.51.100.23")
        return member.id


def _accesses(app) -> list[PersonalDataAccess]:
    with app.app_context():
        return list(db.session.scalars(select(PersonalDataAccess)))


def test_an_admin_sees_the_email_for_a_reason_and_the_access_is_logged(
    app, client, login_as, subject
):
    admin = login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "email", "reason": REASON}
    )

    assert response.status_code == 200
    assert EMAIL in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    [access] = _accesses(app)
    assert (access.admin_id, access.subject_id) == (admin.id, subject)
    assert (access.field, access.reason) == ("email", REASON)


def test_an_admin_sees_the_login_addresses_for_a_reason(app, client, login_as, subject):
    login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "login_ips", "reason": REASON}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "203.0.113.7" in page and "198.51.100.23" in page
    assert EMAIL not in page
    assert [access.field for access in _accesses(app)] == ["login_ips"]


@pytest.mark.parametrize("reason", ["", "   ", "abc"])
def test_without_a_reason_nothing_is_revealed_nor_logged(app, client, login_as, subject, reason):
    login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "email", "reason": reason}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Indiquez le motif de la consultation (de 5 à 500 caractères)." in page
    assert EMAIL not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert _accesses(app) == []


def test_a_refused_reason_is_kept_in_its_own_form(client, login_as, subject):
    login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "login_ips", "reason": "abc"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="login-ips-reason"' in page and "abc</textarea>" in page
    assert 'aria-invalid="true"' in page


def test_an_unknown_field_reveals_nothing(app, client, login_as, subject):
    login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "password_hash", "reason": REASON}
    )

    assert response.status_code == 400
    assert EMAIL not in response.get_data(as_text=True)
    assert _accesses(app) == []


def test_an_unknown_member_is_a_404(client, login_as):
    login_as(Role.ADMIN)

    response = client.post(
        "/admin/members/personne/reveal", data={"field": "email", "reason": REASON}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COET_STAFF, Role.MODERATOR])
@pytest.mark.parametrize("path", PAGES)
def test_only_admins_open_the_member_pages(client, login_as, subject, role, path):
    login_as(role)

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COET_STAFF, Role.MODERATOR])
def test_nobody_but_an_admin_can_reveal(app, client, login_as, subject, role):
    login_as(role)

    response = client.post(
        "/admin/members/lucie-verriere/reveal", data={"field": "email", "reason": REASON}
    )

    assert response.status_code == 403
    assert EMAIL not in response.get_data(as_text=True)
    assert _accesses(app) == []


@pytest.mark.parametrize("path", PAGES)
def test_no_get_page_shows_an_email_address(client, login_as, subject, path):
    login_as(Role.ADMIN)

    response = client.get(path)

    assert response.status_code == 200
    assert EMAIL not in response.get_data(as_text=True)


def test_the_search_finds_members_by_the_start_of_their_name(client, login_as, subject):
    login_as(Role.ADMIN, username="admin-principal")

    page = client.get("/admin/members?q=LUC").get_data(as_text=True)

    assert 'href="/admin/members/lucie-verriere"' in page
    assert 'href="/admin/members/admin-principal"' not in page


def test_the_access_log_lists_who_saw_what_of_whom_and_why(app, client, login_as, subject):
    login_as(Role.ADMIN, username="admin-principal")
    client.post("/admin/members/lucie-verriere/reveal", data={"field": "email", "reason": REASON})

    page = client.get("/admin/access-log").get_data(as_text=True)

    assert "admin-principal" in page and "lucie-verriere" in page
    assert REASON in page and "Adresse e-mail" in page
    assert EMAIL not in page


def test_the_subjects_export_lists_the_access_but_not_who_looked(app, subject):
    with app.app_context():
        admin = make_user(role=Role.ADMIN, username="admin-principal")
        member = db.session.get(User, subject)
        admin_members.reveal(admin, member, "email", reason=REASON)

        exported = exports.export_data(member)["tables"]["personal_data_accesses"]

    assert [(row["field"], row["reason"]) for row in exported] == [("email", REASON)]
    assert all("admin_id" not in row for row in exported)


def test_the_subjects_erasure_keeps_the_access_without_naming_them(app, subject):
    with app.app_context():
        admin = make_user(role=Role.ADMIN)
        member = db.session.get(User, subject)
        admin_members.reveal(admin, member, "email", reason=REASON)

        erasure.erase_now(member, content="anonymise")
        db.session.commit()

    [access] = _accesses(app)
    assert access.subject_id is None and access.admin_id is not None
    assert access.field == "email" and REASON not in access.reason  # it may name the member


def test_an_erased_admin_is_no_longer_named_in_the_log(app, subject):
    with app.app_context():
        admin = make_user(role=Role.ADMIN)
        admin_members.reveal(admin, db.session.get(User, subject), "login_ips", reason=REASON)

        erasure.erase_now(admin, content="anonymise")
        db.session.commit()

    [access] = _accesses(app)
    assert access.admin_id is None and access.subject_id == subject
