"""Legal hold (LCEN): IP and time of each post, encrypted, read by two admins, one year."""

import pytest
from sqlalchemy import select

from forum.errors import InvalidInput, NotAllowed
from forum.extensions import db
from forum.models import Role, User
from forum.services import erasure, legal_hold, posting
from forum.services import retention as rules
from gdpr.models import HoldAccess, HoldRecord
from tests.conftest import IS_POSTGRES
from tests.factories import PASSWORD, make_post, make_thread, make_user
from tests.gdpr.conftest import MEMBER, dump, make_member_with_a_past


def _publish(client, thread_id, ip="203.0.113.7"):
    return client.post(f"/t/{thread_id}", data={"body": "Publié"}, environ_base={"REMOTE_ADDR": ip})


def test_each_published_post_keeps_its_authors_address_encrypted(app, login_as, client):
    with app.app_context():
        thread_id = make_thread().id
    login_as()

    _publish(client, thread_id)

    with app.app_context():
        (held,) = db.session.scalars(select(HoldRecord)).all()
        assert held.item.startswith("post:")
        assert "203.0.113.7" not in dump()


def test_reading_held_data_takes_two_admins_and_a_reason(app_ctx):
    first, second = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
    member = make_user()
    thread = make_thread(author=member)
    post = privacy_post(thread, member, "198.51.100.4")

    with pytest.raises(InvalidInput):
        legal_hold.request_hold_access(first, post_id=post.id, reason="court")
    access = legal_hold.request_hold_access(
        first, post_id=post.id, reason="Réquisition n° 2026/123 du parquet"
    )
    with pytest.raises(NotAllowed):
        legal_hold.reveal_hold(first, access)
    with pytest.raises(InvalidInput):
        legal_hold.approve_hold_access(first, access)
    legal_hold.approve_hold_access(second, access)

    ((address, at),) = legal_hold.reveal_hold(first, access)

    assert address == "198.51.100.4" and at == post.created_at
    assert db.session.get(HoldAccess, access.id).revealed_at is not None


def privacy_post(thread, author, ip):
    return posting.reply(author, thread, body="Un message", ip=ip)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR, Role.COET_STAFF])
def test_only_admins_reach_the_legal_hold(login_as, client, role):
    login_as(role)

    assert client.get("/admin/gdpr/legal-hold").status_code == 403


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR, Role.COET_STAFF])
def test_the_log_of_access_requests_is_for_admins_only_in_the_service_too(app_ctx, role):
    admin = make_user(role=Role.ADMIN)
    post = make_post()
    legal_hold.request_hold_access(admin, post_id=post.id, reason="Réquisition 2026/7")

    assert len(legal_hold.list_hold_accesses(admin)) == 1
    with pytest.raises(NotAllowed):
        legal_hold.list_hold_accesses(make_user(role=role))


def test_held_data_survives_erasure_and_is_purged_after_a_year(app_ctx, time_machine):
    time_machine.move_to("2026-01-10 10:00", tick=False)
    member, thread, _ = make_member_with_a_past()
    privacy_post(thread, member, "192.0.2.55")
    erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
    time_machine.move_to("2026-01-20 10:00", tick=False)
    erasure.run_due_erasures()

    kept = db.session.scalars(select(HoldRecord)).all()
    time_machine.move_to("2027-01-11 10:00", tick=False)
    outcomes = {o.rule: o.count for o in rules.apply_retention()}

    assert len(kept) == 1 and MEMBER["username"] not in dump()
    assert outcomes["legal_hold"] == 1
    assert db.session.scalars(select(HoldRecord)).all() == []


def test_held_addresses_stay_readable_after_a_key_rotation(app_factory, tmp_path):
    shared = {} if IS_POSTGRES else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hold.db'}"}
    old = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXkhISE="
    new = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QhISE="
    with app_factory(DATA_KEYS=[old], **shared).app_context():
        first, second = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
        member = make_user()
        post = privacy_post(make_thread(author=member), member, "198.51.100.9")
        access = legal_hold.request_hold_access(first, post_id=post.id, reason="Réquisition 2026/9")
        legal_hold.approve_hold_access(second, access)
        first_id, access_id = first.id, access.id
    app_factory(DATA_KEYS=[new, old], **shared).test_cli_runner().invoke(
        args=["gdpr", "rotate-keys"]
    )

    with app_factory(DATA_KEYS=[new], **shared).app_context():
        admin = db.session.get(User, first_id)
        ((address, _),) = legal_hold.reveal_hold(admin, db.session.get(HoldAccess, access_id))

    assert address == "198.51.100.9"
