import base64
import hashlib
import json

import pytest
from sqlalchemy import select

from forum import documents, tokens
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Role, User
from forum.services import accounts, devices
from gdpr.models import ConsentEvent
from tests.factories import PASSWORD, make_user, open_session


def _register(**overrides):
    values = {
        "email": "lea.martin@exemple.fr",
        "username": "lea-martin",
        "password": PASSWORD,
        "accepted_terms": True,
    }
    return accounts.register(**(values | overrides))


def test_registration_creates_an_unverified_member_with_an_encrypted_email(app_ctx, outbox):
    user = _register().user

    assert user.role is Role.MEMBER
    assert not user.is_verified
    assert "lea.martin" not in user.email_encrypted
    assert accounts.email_of(user) == "lea.martin@exemple.fr"
    assert len(outbox.to("lea.martin@exemple.fr")) == 1


def test_registration_records_acceptance_of_the_terms_and_policy_with_their_versions(app_ctx):
    user = _register().user

    events = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.purpose)).all()

    assert [(e.subject_ref, e.purpose, e.given) for e in events] == [
        (str(user.id), "privacy_policy", True),
        (str(user.id), "terms", True),
    ]
    versions = {
        "privacy_policy": documents.get("privacy").version,
        "terms": documents.get("terms").version,
    }
    assert all(e.document_version == versions[e.purpose] for e in events)
    assert all(len(e.text_hash) == 64 for e in events)
    assert all(e.via == "register-form" and e.at is not None for e in events)


def test_registration_without_accepting_the_terms_is_refused(app_ctx):
    with pytest.raises(InvalidInput) as error:
        _register(accepted_terms=False)

    assert error.value.field == "accept_terms"
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("taken", ["Lea-Martin", "lea_martin", "léa-martin"])
def test_a_username_taken_or_looking_alike_is_refused(app_ctx, taken):
    _register()

    with pytest.raises(InvalidInput) as error:
        _register(email="autre@exemple.fr", username=taken)

    assert error.value.field == "username"


def test_registering_an_address_that_has_an_account_tells_its_owner_and_creates_nothing(
    app_ctx, outbox
):
    _register()

    result = _register(email="LEA.MARTIN@exemple.fr", username="quelquun")

    assert result.user is None
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
    assert "déjà un compte" in outbox.to("lea.martin@exemple.fr")[-1]["Subject"]


def test_a_weak_password_is_refused_at_registration(app_ctx):
    with pytest.raises(InvalidInput) as error:
        _register(password="motdepasse")

    assert error.value.field == "password"


def test_the_verification_link_confirms_the_address(app_ctx, outbox):
    user = _register().user
    token = outbox.last_link("lea.martin@exemple.fr", "/auth/verify/").rsplit("/", 1)[1]

    accounts.verify_email(token)

    assert db.session.get(User, user.id).is_verified


def test_a_tampered_verification_token_is_refused(app_ctx, outbox):
    _register()
    token = outbox.last_link("lea.martin@exemple.fr", "/auth/verify/").rsplit("/", 1)[1]

    with pytest.raises(tokens.TokenInvalid):
        accounts.verify_email(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_an_expired_verification_token_is_refused(app_ctx, outbox, time_machine):
    time_machine.move_to("2026-11-01 10:00")
    _register()
    token = outbox.last_link("lea.martin@exemple.fr", "/auth/verify/").rsplit("/", 1)[1]
    time_machine.move_to("2026-11-03 10:01")

    with pytest.raises(tokens.TokenExpired):
        accounts.verify_email(token)


def test_login_works_by_email_or_username_whatever_the_case(app_ctx):
    user = make_user(username="Lucie", email="lucie@exemple.fr")

    assert accounts.authenticate("lucie@EXEMPLE.fr", PASSWORD).id == user.id
    assert accounts.authenticate("LUCIE", PASSWORD).id == user.id


@pytest.mark.parametrize(
    ("login", "password"), [("lucie", "mauvais mot de passe"), ("inconnu", PASSWORD)]
)
def test_wrong_password_and_unknown_account_get_the_same_answer(app_ctx, login, password):
    make_user(username="lucie")

    with pytest.raises(InvalidInput) as error:
        accounts.authenticate(login, password)

    assert (error.value.field, error.value.message) == (
        "password",
        "Identifiant ou mot de passe incorrect.",
    )


def test_an_unverified_member_cannot_log_in_and_gets_a_new_link(app_ctx, outbox):
    _register()

    with pytest.raises(accounts.NotVerified):
        accounts.authenticate("lea-martin", PASSWORD)

    assert len(outbox.to("lea.martin@exemple.fr")) == 2


def test_login_rehashes_the_password_when_the_parameters_changed(app_ctx):
    user = make_user(username="lucie")
    old_hash = user.password_hash
    app_ctx.config["ARGON2_TIME_COST"] = 2
    app_ctx.extensions.pop("etabli.hasher")

    accounts.authenticate("lucie", PASSWORD)

    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash
    assert accounts.authenticate("lucie", PASSWORD).id == user.id


def test_changing_the_password_needs_the_current_one(app_ctx):
    user = make_user()

    with pytest.raises(InvalidInput) as error:
        accounts.change_password(user, current="pas le bon", new="Un tout nouveau mot 2027")

    assert error.value.field == "current_password"


def test_changing_the_password_ends_other_sessions(app_ctx, outbox):
    user = make_user(username="lucie")
    other, this = open_session(user), open_session(user)
    kept = devices.load_session(this).id

    accounts.change_password(
        user, current=PASSWORD, new="Un tout nouveau mot 2027", keep_device=kept
    )

    assert devices.load_session(other) is None
    assert devices.load_session(this) is None  # this device was given a new token…
    assert devices.load_session(user.session_id).id == kept  # …that works
    assert accounts.authenticate("lucie", "Un tout nouveau mot 2027").id == user.id
    assert "changé" in outbox.messages[-1]["Subject"]


def _reset_token(outbox, address):
    return outbox.last_link(address, "/auth/reset/").rsplit("/", 1)[1]


def test_a_reset_link_sets_a_new_password_once(app_ctx, outbox):
    make_user(username="lucie", email="lucie@exemple.fr")
    accounts.request_password_reset("lucie@exemple.fr")
    token = _reset_token(outbox, "lucie@exemple.fr")

    accounts.reset_password(token, "Nouvelle phrase de passe 2027")

    assert accounts.authenticate("lucie", "Nouvelle phrase de passe 2027")
    with pytest.raises(tokens.TokenInvalid):
        accounts.reset_password(token, "Encore une autre phrase 2028")


def _readable_payload(token: str) -> str:
    """What anyone holding the link can read: itsdangerous payloads are signed, not encrypted."""
    encoded = token.split(".")[0]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def test_mailed_links_carry_nothing_derived_from_the_password_or_the_address(app_ctx, outbox):
    user = make_user(username="lucie", email="lucie@exemple.fr")
    accounts.request_password_reset("lucie@exemple.fr")
    accounts.send_verification(user)
    reset = _reset_token(outbox, "lucie@exemple.fr")
    verify = outbox.last_link("lucie@exemple.fr", "/auth/verify/").rsplit("/", 1)[1]
    password_digest = hashlib.sha256(user.password_hash.encode()).hexdigest()

    for token in (reset, verify):
        assert json.loads(_readable_payload(token)) == {"u": user.id}
        assert password_digest[:8] not in token and user.email_hash[:8] not in token


def test_a_reset_link_dies_when_the_password_changes_another_way(app_ctx, outbox):
    user = make_user(username="lucie", email="lucie@exemple.fr")
    accounts.request_password_reset("lucie@exemple.fr")
    token = _reset_token(outbox, "lucie@exemple.fr")

    accounts.change_password(user, current=PASSWORD, new="Un tout nouveau mot 2027")

    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_reset(token)


@pytest.mark.parametrize("token", ["", "x", "e30.AAAA.BBBB", "W10.AAAA.BBBB", "a" * 5000])
def test_garbage_reset_tokens_are_invalid_not_errors(app_ctx, token):
    with pytest.raises(tokens.TokenInvalid):
        accounts.user_for_reset(token)


def test_a_reset_link_expires_after_an_hour(app_ctx, outbox, time_machine):
    time_machine.move_to("2026-11-01 10:00")
    make_user(email="lucie@exemple.fr")
    accounts.request_password_reset("lucie@exemple.fr")
    token = _reset_token(outbox, "lucie@exemple.fr")
    time_machine.move_to("2026-11-01 11:01")

    with pytest.raises(tokens.TokenExpired):
        accounts.reset_password(token, "Nouvelle phrase de passe 2027")


def test_a_reset_request_for_an_unknown_address_sends_nothing(app_ctx, outbox):
    accounts.request_password_reset("personne@exemple.fr")

    assert outbox.messages == []


def test_a_reset_also_confirms_an_unverified_address(app_ctx, outbox):
    user = _register().user
    accounts.request_password_reset("lea.martin@exemple.fr")

    accounts.reset_password(_reset_token(outbox, "lea.martin@exemple.fr"), "Nouvelle phrase 2027 !")

    assert user.is_verified


def test_reset_links_are_built_on_base_url(app_ctx, outbox):
    make_user(email="lucie@exemple.fr")

    accounts.request_password_reset("lucie@exemple.fr")

    assert "http://etabli.test/auth/reset/" in outbox.messages[-1].get_content()


def test_set_role_changes_the_role(app_ctx):
    make_user(username="lucie")

    user = accounts.set_role("lucie", Role.MODERATOR)

    assert user.role is Role.MODERATOR


def test_the_role_column_refuses_unknown_values(app_ctx):
    user = make_user()

    with pytest.raises(Exception):  # noqa: B017 - the constraint error differs per engine
        db.session.execute(
            User.__table__.update().where(User.id == user.id).values(role="superuser")
        )
        db.session.flush()
    db.session.rollback()
