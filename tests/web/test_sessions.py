"""Sessions are signed-in devices: a logout ends them for real, copied cookies included."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Device
from forum.services import erasure
from tests.factories import PASSWORD, make_user, open_session

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "Une nouvelle phrase 2027"
COOKIES = ("session", "remember_token")


@pytest.fixture
def lea(app):
    with app.app_context():
        return make_user(username="lea", email="lea@exemple.fr").id


def _log_in(app, *, remember: bool = True, user_agent: str = FIREFOX_ANDROID):
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"login": "lea", "password": PASSWORD, **({"remember": "y"} if remember else {})},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 302
    return client


def _cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in COOKIES if client.get_cookie(name)}


def _browser_with(app, cookies: dict[str, str]):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _signed_in(client) -> bool:
    return client.get("/me/security").status_code == 200


def test_logging_out_deletes_the_remember_me_cookie_and_the_next_visit_is_anonymous(app, lea):
    client = _log_in(app)

    response = client.post("/auth/logout")

    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    assert not _signed_in(client)


@pytest.mark.parametrize("kept", [COOKIES, ("session",), ("remember_token",)])
def test_cookies_copied_before_a_logout_are_refused_after_it(app, lea, kept):
    client = _log_in(app)
    copied = {name: value for name, value in _cookies(client).items() if name in kept}
    assert _signed_in(_browser_with(app, copied))  # the copy worked while the session lived

    client.post("/auth/logout")

    assert not _signed_in(_browser_with(app, copied))


def test_a_replayed_remember_me_cookie_is_deleted_rather_than_tried_again(app, lea):
    client = _log_in(app)
    copied = _browser_with(app, {"remember_token": _cookies(client)["remember_token"]})
    client.post("/auth/logout")

    response = copied.get("/me/security")

    assert response.status_code == 302
    assert copied.get_cookie("remember_token") is None


def test_the_security_page_lists_each_signed_in_browser(app, lea):
    _log_in(app, user_agent=SAFARI_IPHONE)
    phone = _log_in(app, user_agent=FIREFOX_ANDROID)

    page = phone.get("/me/security").get_data(as_text=True)

    assert "Mobile Safari, iOS" in page and "Firefox Mobile, Android" in page
    assert page.count('<span class="badge">cet appareil</span>') == 1
    assert page.count("Déconnecter cet appareil") == 1 and "Me déconnecter" in page


def _device_ids(app, user_id: int) -> list[int]:
    with app.app_context():
        query = select(Device.id).where(Device.user_id == user_id).order_by(Device.id)
        return list(db.session.scalars(query))


def test_logging_out_another_device_ends_that_device_only(app, lea):
    tablet, phone = _log_in(app), _log_in(app)
    tablet_device, _ = _device_ids(app, lea)

    response = phone.post(f"/me/security/sessions/{tablet_device}/end")

    assert response.status_code == 302
    assert not _signed_in(tablet) and _signed_in(phone)


def test_logging_out_this_device_from_the_list_is_a_logout(app, lea):
    phone = _log_in(app)
    (device,) = _device_ids(app, lea)

    phone.post(f"/me/security/sessions/{device}/end")

    assert not _signed_in(phone) and _device_ids(app, lea) == []


def test_another_members_device_cannot_be_ended_and_answers_like_a_missing_one(app, lea):
    lea_browser = _log_in(app)
    (lea_device,) = _device_ids(app, lea)
    intruder = app.test_client()
    with app.app_context(), intruder.session_transaction() as session:
        session["_user_id"] = open_session(make_user(username="intrus"))

    theirs = intruder.post(f"/me/security/sessions/{lea_device}/end")
    missing = intruder.post("/me/security/sessions/9999/end")

    assert theirs.status_code == missing.status_code == 404
    assert _signed_in(lea_browser)


def test_logging_out_everywhere_else_keeps_this_browser(app, lea):
    tablet, laptop, phone = _log_in(app), _log_in(app), _log_in(app)

    phone.post("/me/security/sessions")

    assert [_signed_in(c) for c in (tablet, laptop, phone)] == [False, False, True]
    assert len(_device_ids(app, lea)) == 1


def test_changing_the_password_ends_every_other_session(app, lea):
    tablet, phone = _log_in(app), _log_in(app)

    phone.post("/me/security", data={"current_password": PASSWORD, "password": NEW_PASSWORD})

    assert not _signed_in(tablet) and _signed_in(phone)


def test_a_password_reset_ends_every_session(app, lea, outbox):
    tablet = _log_in(app)
    anonymous = app.test_client()
    anonymous.post("/auth/reset", data={"email": "lea@exemple.fr"})
    link = outbox.last_link("lea@exemple.fr", "/auth/reset/")

    anonymous.post(link, data={"password": NEW_PASSWORD})

    assert not _signed_in(tablet) and _device_ids(app, lea) == []


def test_asking_for_erasure_ends_every_other_session(app, lea):
    tablet, phone = _log_in(app), _log_in(app)

    phone.post("/me/privacy/erase", data={"password": PASSWORD, "content": "anonymise"})

    assert not _signed_in(tablet) and _signed_in(phone)


def test_an_executed_erasure_leaves_no_device_behind(app, lea, time_machine):
    time_machine.move_to("2026-11-01 10:00")
    phone = _log_in(app)
    phone.post("/me/privacy/erase", data={"password": PASSWORD, "content": "anonymise"})
    time_machine.move_to("2026-11-09 10:00")

    with app.app_context():
        erasure.run_due_erasures()

    assert not _signed_in(phone) and _device_ids(app, lea) == []


def test_a_device_unused_for_thirty_days_is_signed_out(app, lea, time_machine):
    time_machine.move_to("2026-11-01 10:00")
    phone = _log_in(app)
    time_machine.move_to("2026-11-30 10:00")
    assert _signed_in(phone)  # used again: counted from today

    time_machine.move_to("2027-01-01 10:00")

    assert not _signed_in(phone) and _device_ids(app, lea) == []


def test_only_a_hash_of_the_session_token_is_stored(app, lea):
    client = _log_in(app)
    token = client.get_cookie("remember_token").value.split("|")[0]

    with app.app_context():
        device = db.session.scalar(select(Device))

    assert device.browser == "Firefox Mobile, Android" and device.remembered
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in device.token_hash


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/me/security", {"current_password": PASSWORD, "password": NEW_PASSWORD}),
        ("/me/security/sessions", {}),
        ("/me/privacy/erase", {"password": PASSWORD, "content": "anonymise"}),
    ],
    ids=["password change", "log out everywhere else", "erasure request"],
)
def test_a_copy_of_this_browsers_cookies_dies_with_the_other_sessions(app, lea, path, data):
    phone = _log_in(app)
    copied = _cookies(phone)
    assert _signed_in(_browser_with(app, copied))

    phone.post(path, data=data)

    assert _signed_in(phone)  # new cookies for the owner's browser…
    assert not _signed_in(_browser_with(app, copied))  # …and the copy of the old ones is refused
    assert not _signed_in(_browser_with(app, {"remember_token": copied["remember_token"]}))


def test_the_session_cookie_holds_no_trace_of_the_address_or_the_browser(app, lea):
    client = _log_in(app)

    with app.app_context():
        content = app.session_interface.get_signing_serializer(app).loads(
            client.get_cookie("session").value
        )

    assert "_id" not in content  # Flask-Login's hash of IP address and user agent
    assert set(content) <= {
        "_user_id",
        "_fresh",
        "_remember",
        "_remember_seconds",
        "locale",
        "_flashes",
        "csrf_token",
    }


def test_the_device_cookie_reads_as_noise(app, lea):
    client = _log_in(app)

    value = client.get_cookie("etabli_device").value

    assert value.startswith("gAAAAA")  # a Fernet token: encrypted and authenticated
    assert "lea" not in value and '"u"' not in value
