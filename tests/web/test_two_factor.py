"""Two-factor authentication: enrolment, the second login step, recovery codes, powers."""

import re

import pyotp
import pytest

from forum.extensions import db
from forum.models import Device, Role, User
from forum.services import accounts, moderation
from tests.factories import PASSWORD, TOTP_SECRET, make_post, make_user, open_session


def _enrol(client):
    page = client.post("/me/security/2fa", data={"current_password": PASSWORD})
    page = page.get_data(as_text=True)
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
    client.post("/me/security/2fa", data={"current_password": PASSWORD})

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
        session_id = open_session(make_user(username="lea"))
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


# --- a code works once; changing two-factor needs the password and a current code ----------


@pytest.fixture
def clock(time_machine):
    """A clock that moves by whole TOTP steps (30 s), so each test can use a fresh code."""
    time_machine.move_to("2026-12-01 10:00:00", tick=False)

    def step(count: int = 1) -> None:
        time_machine.shift(30 * count)

    return step


def _code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def _second_step(app, code: str, username: str = "lea"):
    client = app.test_client()
    _login(client, username)
    return client, client.post("/auth/2fa", data={"code": code})


def test_a_totp_code_opens_one_login_only(app, clock):
    with app.app_context():
        make_user(username="lea", two_factor=True)
    code = _code()

    _, first = _second_step(app, code)
    _, replayed = _second_step(app, code)

    assert first.status_code == 302
    assert replayed.status_code == 400 and "déjà servi" in replayed.get_data(as_text=True)


def test_an_older_code_is_refused_once_a_newer_one_was_used(app, clock):
    with app.app_context():
        make_user(username="lea", two_factor=True)
    older = _code()
    clock()

    _, newer = _second_step(app, _code())
    _, late = _second_step(app, older)

    assert newer.status_code == 302 and late.status_code == 400


def test_the_code_that_confirmed_the_app_cannot_open_a_login(login_as, app, client, clock):
    login_as()
    page = client.post("/me/security/2fa", data={"current_password": PASSWORD})
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))
    code = _code(secret.group(1))
    client.post("/me/security/2fa/confirm", data={"code": code})
    client.post("/auth/logout")

    _, response = _second_step(app, code, username=_username(app))

    assert response.status_code == 400


def _username(app) -> str:
    with app.app_context():
        return db.session.scalars(db.select(User.username)).one()


def test_turning_two_factor_on_needs_the_password(login_as, app, client):
    user = login_as()

    refused = client.post("/me/security/2fa", data={"current_password": "pas le bon"})

    assert refused.status_code == 400
    assert 'id="two-factor-password-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert _pending(user.id) == []


def _stored(app, user_id) -> User:
    return db.session.get(User, user_id)


def _pending(user_id) -> list[str]:
    """The two-factor secrets being enrolled on the member's devices (encrypted)."""
    query = db.select(Device.totp_pending_encrypted).where(
        Device.user_id == user_id, Device.totp_pending_encrypted.is_not(None)
    )
    return list(db.session.scalars(query))


@pytest.mark.parametrize(
    "data",
    [{}, {"current_password": PASSWORD}, {"current_password": PASSWORD, "code": "000000"}],
    ids=["nothing", "password only", "wrong code"],
)
def test_with_two_factor_on_the_session_alone_cannot_replace_it(login_as, app, client, clock, data):
    user = login_as(two_factor=True)

    refused = client.post("/me/security/2fa", data=data)

    assert refused.status_code == 400 and 'class="secret"' not in refused.get_data(as_text=True)
    with app.app_context():
        assert _pending(user.id) == []
    _, login = _second_step(app, _code(), username=user.username)
    assert login.status_code == 302  # the owner's app still opens the account


def test_replacing_the_app_needs_a_current_code_then_only_the_new_app_works(
    login_as, app, client, clock, outbox
):
    user = login_as(two_factor=True)
    other = app.test_client()
    with app.app_context(), other.session_transaction() as session:
        session["_user_id"] = open_session(_stored(app, user.id))

    page = client.post("/me/security/2fa", data={"current_password": PASSWORD, "code": _code()})
    new_secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))
    clock()
    confirmed = client.post("/me/security/2fa/confirm", data={"code": _code(new_secret.group(1))})
    clock()

    assert confirmed.status_code == 200 and "codes de secours" in confirmed.get_data(as_text=True)
    assert _second_step(app, _code(), username=user.username)[1].status_code == 400
    assert _second_step(app, _code(new_secret.group(1)), user.username)[1].status_code == 302
    assert other.get("/me/security").status_code == 302  # every other session ended
    subjects = [m["Subject"] for m in outbox.to(f"{user.username}@exemple.fr")]
    assert "Votre application de double authentification a changé" in subjects
    history = client.get("/me/security").get_data(as_text=True)
    assert "application de double authentification changée" in history


def test_the_secret_being_enrolled_is_kept_encrypted_on_the_account_not_in_the_cookie(
    login_as, app, client
):
    user = login_as()

    page = client.post("/me/security/2fa", data={"current_password": PASSWORD})
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))

    with app.app_context():
        (stored,) = _pending(user.id)
        session = app.session_interface.get_signing_serializer(app).loads(
            client.get_cookie("session").value
        )
    assert stored and secret.group(1) not in stored
    assert secret.group(1) not in str(session)


def test_each_change_is_mailed_and_kept_in_the_login_history(login_as, app, client, clock, outbox):
    user = login_as()
    _enrol(client)
    clock()

    client.post("/me/security/2fa/disable", data={"current_password": PASSWORD, "code": "x"})
    with app.app_context():
        secret = accounts.vault().decrypt(_stored(app, user.id).totp_secret_encrypted)
    client.post(
        "/me/security/2fa/disable", data={"current_password": PASSWORD, "code": _code(secret)}
    )

    subjects = [m["Subject"] for m in outbox.to(f"{user.username}@exemple.fr")]
    history = client.get("/me/security").get_data(as_text=True)
    assert "La double authentification est activée" in subjects
    assert "La double authentification est désactivée" in subjects
    assert "double authentification activée" in history
    assert "double authentification désactivée" in history


def _second_browser(app, user_id):
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(_stored(app, user_id))
    return client


@pytest.mark.parametrize("two_factor_on", [False, True], ids=["enrolling", "replacing"])
def test_an_enrolment_left_unfinished_cannot_be_finished_from_another_session(
    login_as, app, client, clock, two_factor_on
):
    user = login_as(two_factor=two_factor_on)
    data = {"current_password": PASSWORD, **({"code": _code()} if two_factor_on else {})}
    client.post("/me/security/2fa", data=data)  # the owner starts, then walks away
    intruder = _second_browser(app, user.id)

    attempt = intruder.post("/me/security/2fa/confirm", data={"code": "000000"})

    assert attempt.status_code == 302 and attempt.headers["Location"] == "/me/security"
    assert 'class="secret"' not in intruder.get("/me/security").get_data(as_text=True)
    with app.app_context():
        assert len(_pending(user.id)) == 1  # still only on the owner's device


def test_an_enrolment_left_unfinished_expires(login_as, app, client, clock):
    login_as()
    page = client.post("/me/security/2fa", data={"current_password": PASSWORD})
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))
    clock(31)  # fifteen minutes and a half

    late = client.post("/me/security/2fa/confirm", data={"code": _code(secret.group(1))})

    assert late.status_code == 302
    assert "Désactiver" not in client.get("/me/security").get_data(as_text=True)


def test_wrong_codes_at_confirmation_are_throttled(app_factory, clock):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        user_id = make_user(username="lea").id
    client = _second_browser(app, user_id)
    client.post("/me/security/2fa", data={"current_password": PASSWORD})

    statuses = [
        client.post("/me/security/2fa/confirm", data={"code": "000000"}).status_code
        for _ in range(4)
    ]

    assert statuses == [400, 400, 400, 429]


def test_turning_two_factor_on_ends_copies_of_this_browsers_session(login_as, app, client, clock):
    user = login_as()
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/me/security").status_code == 200

    _enrol(client)

    assert client.get("/me/security").status_code == 200
    assert copy.get("/me/security").status_code == 302
    with app.app_context():
        assert _stored(app, user.id).has_two_factor
