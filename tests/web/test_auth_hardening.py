"""What a careful attacker or an unlucky member would try against the accounts."""

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from forum import documents
from forum.extensions import db
from forum.models import Role
from forum.services import accounts
from gdpr.models import ConsentEvent
from tests.factories import PASSWORD, make_user, open_session

LONG_PASSWORD = (  # 210 characters
    "Le compagnon trace la pièce au trusquin, la scie à la main, rabote, ajuste et assemble "
    "chaque tenon dans sa mortaise avec soin ; ensuite il ponce, vernit, signe son ouvrage "
    "et le présente au jury en 2027."
)


def _register(client, **overrides):
    data = {"email": "lea@exemple.fr", "username": "lea", "password": PASSWORD, "accept_terms": "y"}
    return client.post("/auth/register", data=data | overrides)


def test_a_username_that_expands_too_much_is_refused_not_a_server_error(client):
    response = _register(client, username="ﷺﷺﷺﷺ")

    assert response.status_code == 400
    assert 'id="username-error"' in response.get_data(as_text=True)


def test_a_registration_racing_another_for_the_same_address_gets_the_usual_answer(
    app, client, outbox, monkeypatch
):
    with app.app_context():
        make_user(username="premiere", email="lea@exemple.fr")
    monkeypatch.setattr(accounts, "get_user_by_email", _missed_once(accounts.get_user_by_email))

    response = _register(client, username="seconde")

    assert response.status_code == 302
    assert "déjà un compte" in outbox.to("lea@exemple.fr")[-1]["Subject"]


def test_a_registration_racing_another_for_the_same_username_says_it_is_taken(
    app, client, monkeypatch
):
    with app.app_context():
        make_user(username="lea", email="autre@exemple.fr")
    monkeypatch.setattr(
        accounts, "get_user_by_username", _missed_once(accounts.get_user_by_username)
    )

    response = _register(client)

    assert response.status_code == 400
    assert "déjà pris" in response.get_data(as_text=True)


def _missed_once(lookup):
    """A look-up that misses the first time: another request inserts in between."""
    calls = []

    def lookup_after_a_race(value):
        calls.append(value)
        return None if len(calls) == 1 else lookup(value)

    return lookup_after_a_race


def test_failing_statements_are_logged_without_their_values(app_ctx):
    with pytest.raises(DBAPIError) as error:
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :secret"), {"secret": "lea@exemple.fr"}
        )
    db.session.rollback()

    assert "lea@exemple.fr" not in str(error.value)


def test_throttled_logins_leave_no_address_in_the_logs(app_factory, caplog):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="1 per hour")
    client = app.test_client()
    caplog.set_level(logging.DEBUG)

    for _ in range(3):
        client.post(
            "/auth/login",
            data={"login": "lea@exemple.fr", "password": "x"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )

    assert "lea@exemple.fr" not in caplog.text and "203.0.113.9" not in caplog.text


def test_the_account_limit_counts_the_username_and_the_address_together(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="2 per hour")
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    client = app.test_client()

    statuses = [
        client.post("/auth/login", data={"login": login, "password": "x"}).status_code
        for login in ("lea", "lea@exemple.fr", "LEA")
    ]

    assert statuses == [400, 400, 429]


def test_logging_in_starts_a_fresh_session(app, client):
    with app.app_context():
        make_user(username="lea")
    client.get("/auth/login")
    with client.session_transaction() as session:
        before = session.get("csrf_token")
        session["planted"] = "by an attacker"

    client.post("/auth/login", data={"login": "lea", "password": PASSWORD})

    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != before


def test_over_https_the_remember_me_cookie_is_secure(app, client):
    with app.app_context():
        make_user(username="lea")

    client.post(
        "/auth/login",
        data={"login": "lea", "password": PASSWORD, "remember": "y"},
        base_url="https://etabli.test",
    )

    cookie = client.get_cookie("remember_token", domain="etabli.test")
    assert cookie is not None and cookie.secure


def test_over_https_the_site_asks_for_https_next_time(client):
    response = client.get("/", base_url="https://etabli.test")

    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_wrong_current_passwords_are_throttled(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="2 per hour")
    with app.app_context():
        user = make_user()
        session_id = open_session(user)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    statuses = [
        client.post("/me/security", data={"current_password": "faux", "password": "x"}).status_code
        for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


def test_a_password_reset_signs_out_every_other_session(app, client, outbox):
    with app.app_context():
        user = make_user(username="lea", email="lea@exemple.fr")
        session_id = open_session(user)
    elsewhere = app.test_client()
    with elsewhere.session_transaction() as session:
        session["_user_id"] = session_id

    client.post("/auth/reset", data={"email": "lea@exemple.fr"})
    client.post(
        outbox.last_link("lea@exemple.fr", "/auth/reset/"), data={"password": LONG_PASSWORD}
    )

    assert elsewhere.get("/me/security").status_code == 302


def test_a_long_passphrase_works_to_register_and_log_in(client, outbox):
    _register(client, password=LONG_PASSWORD)
    client.get(outbox.last_link("lea@exemple.fr", "/auth/verify/"))

    wrong = client.post("/auth/login", data={"login": "lea", "password": LONG_PASSWORD[:-1]})
    right = client.post("/auth/login", data={"login": "lea", "password": LONG_PASSWORD})

    assert wrong.status_code == 400 and right.status_code == 302


def test_an_expired_verification_link_offers_a_new_one(client, outbox, time_machine):
    time_machine.move_to("2026-11-01 10:00")
    _register(client)
    link = outbox.last_link("lea@exemple.fr", "/auth/verify/")
    time_machine.move_to("2026-11-04 10:00")

    response = client.get(link)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a expiré" in page and 'name="email"' in page


def test_a_refused_action_gets_the_french_403_page(login_as, client):
    login_as(Role.MEMBER)

    response = client.get("/admin/taxonomy")

    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_an_unverified_address_gets_its_reset_link(client, outbox):
    _register(client)

    client.post("/auth/reset", data={"email": "lea@exemple.fr"})

    assert "mot de passe" in outbox.to("lea@exemple.fr")[-1]["Subject"]


def test_registering_in_english_records_the_english_texts_and_mails_in_english(app, client, outbox):
    client.post("/locale", data={"locale": "en"})

    _register(client)

    with app.app_context():
        hashes = set(db.session.scalars(select(ConsentEvent.text_hash)))
        assert hashes == {
            documents.get("terms", "en").text_hash,
            documents.get("privacy", "en").text_hash,
        }
    assert outbox.to("lea@exemple.fr")[-1]["Subject"] == "Confirm your email address for L'Établi"
