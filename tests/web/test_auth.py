"""Accounts through HTTP: the stable paths and field names of DESIGN.md."""

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user, open_session

NEW_PASSWORD = "Une nouvelle phrase 2027"


def _register(client, **overrides):
    data = {
        "email": "lea.martin@exemple.fr",
        "username": "lea-martin",
        "password": PASSWORD,
        "accept_terms": "y",
    }
    return client.post("/auth/register", data=data | overrides)


def _login(client, login="lea-martin", password=PASSWORD, **extra):
    return client.post("/auth/login", data={"login": login, "password": password, **extra})


def test_the_register_page_explains_the_password_rule_before_typing(client):
    page = client.get("/auth/register").get_data(as_text=True)

    assert 'name="email"' in page and 'name="username"' in page
    assert 'name="password"' in page and 'name="accept_terms"' in page
    assert "Au moins 12 caractères" in page


def test_registering_then_verifying_then_logging_in_works(client, outbox):
    response = _register(client)
    assert response.status_code == 302
    assert "/auth/check-email" in response.headers["Location"]

    link = outbox.last_link("lea.martin@exemple.fr", "/auth/verify/")
    verified = client.get(link, follow_redirects=True)
    assert "Votre adresse e-mail est confirmée" in verified.get_data(as_text=True)

    response = _login(client)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "lea-martin" in home and "Se déconnecter" in home


def test_a_refused_registration_shows_the_message_next_to_the_field_and_keeps_the_input(client):
    response = _register(client, username="a b", password="court")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="username-error"' in page and 'id="password-error"' in page
    assert 'value="lea.martin@exemple.fr"' in page
    assert 'value="a b"' in page


def test_an_empty_registration_lists_every_missing_field_at_once(client):
    response = client.post("/auth/register", data={})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("email", "username", "password", "accept_terms"):
        assert f'id="{field}-error"' in page


def test_registering_without_accepting_the_terms_says_so(client):
    response = _register(client, accept_terms="")

    assert response.status_code == 400
    assert "Vous devez accepter les conditions" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "x" * 300 + "@exemple.fr"},
        {"username": "u" * 500},
        {"password": "p" * 5000},
        {"email": ""},
        {"email": "pas-une-adresse"},
        {"username": "\x00"},
    ],
)
def test_bad_registration_input_gets_a_form_error_never_a_500(client, overrides):
    response = _register(client, **overrides)

    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"email": ["a@exemple.fr", "b@exemple.fr"], "username": ["x", "y"]},
        "login=%FF%FE%00&email=%C3&password=%00",  # not UTF-8
        {"accept_terms": "\x00", "password": "é" * 200},
        {},
    ],
)
@pytest.mark.parametrize(
    "path", ["/auth/register", "/auth/login", "/auth/reset", "/auth/verify/resend"]
)
def test_odd_input_never_produces_a_server_error(client, path, data):
    response = client.post(path, data=data, content_type="application/x-www-form-urlencoded")

    assert response.status_code in (302, 400)


def test_registration_answers_the_same_for_an_address_that_has_an_account(app, client):
    with app.app_context():
        make_user(email="lea.martin@exemple.fr", username="lea")

    response = _register(client, username="autre-nom")

    assert response.status_code == 302
    assert "/auth/check-email" in response.headers["Location"]


def test_login_by_email_with_remember_me_sets_a_lasting_cookie(app, client):
    with app.app_context():
        make_user(email="lea.martin@exemple.fr", username="lea")

    response = _login(client, login="lea.martin@exemple.fr", remember="y")

    assert response.status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None and cookie.http_only


def test_a_wrong_password_is_refused_in_french_and_keeps_the_login(app, client):
    with app.app_context():
        make_user(username="lea")

    response = _login(client, login="lea", password="pas le bon")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Identifiant ou mot de passe incorrect." in page
    assert 'value="lea"' in page
    assert "pas le bon" not in page


def test_unknown_account_and_wrong_password_pages_are_identical(app, client):
    with app.app_context():
        make_user(username="lea")

    def scrub(page):
        return (
            re.sub(r'name="csrf_token"[^>]*', "", page)
            .replace('value="lea"', 'value="X"')
            .replace('value="inconnu"', 'value="X"')
        )

    wrong = scrub(_login(client, login="lea", password="pas le bon").get_data(as_text=True))
    unknown = scrub(_login(client, login="inconnu", password="pas le bon").get_data(as_text=True))

    assert wrong == unknown


def test_an_unverified_member_is_told_to_confirm_and_gets_a_new_link(client, outbox):
    _register(client)

    response = _login(client)

    assert response.status_code == 400
    assert "pas encore confirmée" in response.get_data(as_text=True)
    assert len(outbox.to("lea.martin@exemple.fr")) == 2


def test_login_redirects_to_a_local_next_page_only(app, client):
    with app.app_context():
        make_user(username="lea")

    outside = client.post(
        "/auth/login?next=https://evil.example/x", data={"login": "lea", "password": PASSWORD}
    )
    client.post("/auth/logout")
    inside = client.post(
        "/auth/login?next=/me/security", data={"login": "lea", "password": PASSWORD}
    )

    assert outside.headers["Location"] == "/"
    assert inside.headers["Location"] == "/me/security"


def test_logout_is_a_post_and_ends_the_session(login_as, client):
    login_as()

    confirm = client.get("/auth/logout")
    response = client.post("/auth/logout")

    assert confirm.status_code == 200 and 'method="post"' in confirm.get_data(as_text=True)
    assert response.status_code == 302
    assert client.get("/me/security").status_code == 302


def test_the_verification_page_explains_an_invalid_link_and_offers_a_new_one(client):
    response = client.get("/auth/verify/pas-un-jeton")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "n'est pas valide" in page and 'action="/auth/verify/resend"' in page


def test_resending_verification_answers_the_same_for_any_address(client, outbox):
    _register(client)

    known = client.post("/auth/verify/resend", data={"email": "lea.martin@exemple.fr"})
    unknown = client.post("/auth/verify/resend", data={"email": "personne@exemple.fr"})

    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(outbox.to("lea.martin@exemple.fr")) == 2
    assert outbox.to("personne@exemple.fr") == []


def test_a_password_reset_by_email_link_works_once(app, client, outbox):
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")

    requested = client.post("/auth/reset", data={"email": "lea@exemple.fr"})
    link = outbox.last_link("lea@exemple.fr", "/auth/reset/")
    form = client.get(link)
    done = client.post(link, data={"password": NEW_PASSWORD})
    again = client.get(link)

    assert requested.status_code == 302
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    assert done.status_code == 302 and done.headers["Location"] == "/auth/login"
    assert again.status_code == 400 and "déjà servi" in again.get_data(as_text=True)
    assert _login(client, login="lea", password=NEW_PASSWORD).status_code == 302


def test_a_reset_request_answers_the_same_for_unknown_and_unverified_addresses(client, outbox):
    _register(client)

    unverified = client.post("/auth/reset", data={"email": "lea.martin@exemple.fr"})
    unknown = client.post("/auth/reset", data={"email": "personne@exemple.fr"})

    assert unverified.status_code == unknown.status_code == 302
    assert unverified.headers["Location"] == unknown.headers["Location"]


def test_a_tampered_reset_link_is_refused(client):
    response = client.get("/auth/reset/eyJ1IjoxfQ.forged.signature")

    assert response.status_code == 400
    assert "n'est pas valide" in response.get_data(as_text=True)


def test_a_weak_new_password_on_reset_is_refused_next_to_the_field(app, client, outbox):
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    client.post("/auth/reset", data={"email": "lea@exemple.fr"})
    link = outbox.last_link("lea@exemple.fr", "/auth/reset/")

    response = client.post(link, data={"password": "azertyuiop"})

    assert response.status_code == 400
    assert 'id="password-error"' in response.get_data(as_text=True)


def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(app, login_as, client):
    user = login_as()
    other = app.test_client()
    with app.app_context(), other.session_transaction() as session:
        session["_user_id"] = open_session(user)

    response = client.post(
        "/me/security", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/me/security").status_code == 200
    assert other.get("/me/security").status_code == 302


def test_a_wrong_current_password_is_shown_next_to_its_field(login_as, client):
    login_as()

    response = client.post(
        "/me/security", data={"current_password": "pas le bon", "password": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert 'id="current_password-error"' in response.get_data(as_text=True)


def test_ending_other_sessions_keeps_this_one(app, login_as, client):
    user = login_as()
    other = app.test_client()
    with app.app_context(), other.session_transaction() as session:
        session["_user_id"] = open_session(user)

    client.post("/me/security/sessions")

    assert client.get("/me/security").status_code == 200
    assert other.get("/me/security").status_code == 302


def test_an_account_page_needs_a_login(client):
    response = client.get("/me/security")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_passwords_are_stored_as_argon2id_hashes(app, client, outbox):
    _register(client)

    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
