"""Two-factor authentication: enrolment, the second login step, recovery codes, powers."""

import re

import pyotp
import pytest

from forum.models import Role
from forum.services import moderation
from tests.factories import PASSWORD, TOTP_SECRET, make_post, make_user


def _enrol(client):
    page = client.post("/me/security/2fa").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    codes_page = client.post("/me/security/2fa/confirm", data={"code": pyotp.TOTP(secret).now()})
    return secret, page, codes_page.get_data(as_text=True)


def test_a_member_enrols_with_a_qr_code_and_a_text_secret(login_as, client):
    login_as()

    secret, page, codes = _enrol(client)

    assert 'src="data:image/svg+xml' in page and secret in page and 'name="code"' in page
    assert len(re.findall(r"<code>[0-9a-f]{6}-[0-9a-f]{6}</code>", codes)) == 10
    assert "Activée." in client.get("/me/security").get_data(as_text=True)


def test_a_wrong_code_at_enrolment_is_refused_next_to_the_field(login_as, client):
    login_as()
    client.post("/me/security/2fa")

    response = client.post("/me/security/2fa/confirm", data={"code": "000000"})

    assert response.status_code == 400 and 'id="code-error"' in response.get_data(as_text=True)


def _login(client, username):
    return client.post("/auth/login", data={"login": username, "password": PASSWORD})


def test_logging_in_asks_for_the_code_before_any_session(app, client):
    with app.app_context():
        make_user(username="lea", two_factor=True)

    first = _login(client, "lea")
    in_between = client.get("/me/security")
    wrong = client.post("/auth/2fa", data={"code": "123456"})
    right = client.post("/auth/2fa", data={"code": pyotp.TOTP(TOTP_SECRET).now()})

    assert first.headers["Location"] == "/auth/2fa"
    assert in_between.status_code == 302  # not logged in yet
    assert wrong.status_code == 400
    assert right.status_code == 302 and client.get("/me/security").status_code == 200


def test_a_recovery_code_works_once(app, client):
    with app.app_context():
        session_id = make_user(username="lea").get_id()
    login_client = app.test_client()
    with login_client.session_transaction() as session:
        session["_user_id"] = session_id
    _, _, codes = _enrol(login_client)
    code = re.search(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", codes).group(1)

    _login(client, "lea")
    used = client.post("/auth/2fa", data={"code": code})
    client.post("/auth/logout")
    _login(client, "lea")
    again = client.post("/auth/2fa", data={"code": code})

    assert used.status_code == 302 and again.status_code == 400


def test_moderators_without_two_factor_cannot_use_their_powers(app_ctx):
    moderator = make_user(role=Role.MODERATOR, two_factor=False)
    post = make_post()

    with pytest.raises(Exception) as error:
        moderation.hide_post(moderator, post, moderation.Grounds("Spam", "advertising"))

    assert type(error.value).__name__ == "NotAllowed"


def test_a_moderator_without_two_factor_is_told_to_enable_it(login_as, client):
    login_as(Role.MODERATOR, two_factor=False)

    page = client.get("/").get_data(as_text=True)

    assert "Activez la double authentification" in page
    assert client.get("/mod/reports").status_code == 403


def test_disabling_needs_the_password_and_a_code(app, login_as, client):
    login_as(Role.MEMBER, two_factor=True)

    refused = client.post(
        "/me/security/2fa/disable", data={"current_password": "faux", "code": "1"}
    )
    done = client.post(
        "/me/security/2fa/disable",
        data={"current_password": PASSWORD, "code": pyotp.TOTP(TOTP_SECRET).now()},
    )

    assert refused.status_code == 400
    assert done.status_code == 302
    assert "Activer la double authentification" in client.get("/me/security").get_data(as_text=True)
