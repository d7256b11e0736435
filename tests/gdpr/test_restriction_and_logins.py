"""Restriction of processing (art. 18) and the login history (six months)."""

import pytest
from sqlalchemy import select

from forum.errors import InvalidInput, NotAllowed
from forum.extensions import db
from forum.models import LoginEvent, Role
from forum.services import accounts, restriction
from forum.services import retention as rules
from tests.factories import PASSWORD, make_thread, make_user, open_session


def test_an_admin_freezes_a_members_data_and_lifts_it(app, login_as, client, outbox):
    with app.app_context():
        member = make_user(username="lea", email="lea@exemple.fr")
        thread_id, member_session = make_thread().id, open_session(member)
    login_as(Role.ADMIN)

    client.post(
        "/admin/gdpr/restrictions", data={"username": "lea", "reason": "Contestation en cours"}
    )
    visitor_sees = app.test_client().get("/u/lea").status_code
    own = app.test_client()
    with own.session_transaction() as session:
        session["_user_id"] = member_session
    posting_refused = own.post(f"/t/{thread_id}", data={"body": "Je publie"}).status_code
    export_allowed = own.get("/me/privacy").status_code
    with app.app_context():
        member_id = accounts.get_user_by_username("lea").id
    client.post(f"/admin/gdpr/restrictions/{member_id}/lift")

    assert visitor_sees == 404 and posting_refused == 403 and export_allowed == 200
    assert app.test_client().get("/u/lea").status_code == 200
    subjects = [m["Subject"] for m in outbox.to("lea@exemple.fr")]
    assert "Vos données sur L'Établi sont gelées" in subjects
    assert "La limitation de vos données est levée" in subjects


def test_a_restricted_members_posts_are_masked_for_others(app, login_as, client):
    with app.app_context():
        member = make_user(username="lea")
        thread = make_thread(author=member, body="Texte de Léa")
        path, title = f"/t/{thread.id}-{thread.slug}", thread.title
        restriction.restrict(
            make_user(role=Role.ADMIN, username="chef"), username="lea", reason="Litige"
        )

    page = client.get(path, follow_redirects=True).get_data(as_text=True)

    assert "Texte de Léa" not in page and "examen d'une contestation" in page
    assert title not in page  # the title is hers too


def test_a_restriction_needs_a_known_member_and_a_reason(app_ctx):
    admin = make_user(role=Role.ADMIN)

    with pytest.raises(InvalidInput) as error:
        restriction.restrict(admin, username="personne", reason="")

    assert set(error.value.errors) == {"username", "reason"}


def test_only_admins_restrict(app_ctx):
    make_user(username="lea")

    with pytest.raises(NotAllowed):
        restriction.restrict(make_user(role=Role.MODERATOR), username="lea", reason="Motif")


def test_retention_leaves_a_restricted_member_alone(app_ctx, time_machine):
    time_machine.move_to("2023-01-01 10:00", tick=False)
    member = make_user(username="lea")
    restriction.restrict(
        make_user(role=Role.ADMIN, username="chef"), username="lea", reason="Litige"
    )
    time_machine.move_to("2026-01-01 10:00", tick=False)

    outcomes = {o.rule: o.count for o in rules.apply_retention()}

    assert outcomes["inactive_warnings"] == 1  # the admin, not the restricted member
    assert member.inactivity_warned_at is None


def test_logins_are_listed_for_the_member_and_kept_six_months(app, client, time_machine):
    time_machine.move_to("2026-01-01 10:00", tick=False)
    with app.app_context():
        make_user(username="lea")
    client.post(
        "/auth/login",
        data={"login": "lea", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )

    page = client.get("/me/security").get_data(as_text=True)
    time_machine.move_to("2026-07-05 10:00", tick=False)
    with app.app_context():
        outcomes = {o.rule: o.count for o in rules.apply_retention()}
        remaining = db.session.scalars(select(LoginEvent)).all()

    assert "198.51.100.20" in page and "Dernières connexions" in page
    assert outcomes["login_history"] == 1 and remaining == []
