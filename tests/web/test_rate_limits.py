"""Rate limits on login, registration and reset: memory storage, and Redis when configured."""

import os

import pytest
import redis

from forum.extensions import limiter
from tests.factories import PASSWORD, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    if request.param == "memory":
        return {"RATELIMIT_STORAGE_URI": "memory://"}
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip("no Redis on this machine")
    # One limiter serves every app of the process, and keeps the first app's key prefix:
    # each test starts from an empty database instead (number 15 is the tests' own).
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"RATELIMIT_STORAGE_URI": REDIS_URL}


def _login(client, login, password="pas le bon", ip="10.0.0.1"):
    return client.post(
        "/auth/login",
        data={"login": login, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_logins_on_one_account_are_throttled_with_a_french_page(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")
    client = app.test_client()

    statuses = [_login(client, "lea", ip=f"10.0.0.{n}").status_code for n in range(4)]
    blocked = _login(client, "LEA", password=PASSWORD, ip="10.0.0.9")

    assert statuses == [400, 400, 400, 429]
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers


def test_successful_logins_do_not_count_against_the_account(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")

    statuses = [_login(app.test_client(), "lea", PASSWORD).status_code for _ in range(4)]

    assert statuses == [302] * 4


def test_logins_from_one_address_are_throttled_across_accounts(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_IP="3 per 15 minutes", **storage)
    client = app.test_client()

    statuses = [_login(client, f"inconnu{n}").status_code for n in range(4)]
    elsewhere = _login(client, "inconnu9", ip="10.9.9.9")

    assert statuses == [400, 400, 400, 429]
    assert elsewhere.status_code == 400


def test_password_reset_requests_are_throttled(app_factory, storage):
    app = app_factory(RESET_LIMIT="2 per hour", **storage)
    client = app.test_client()

    statuses = [
        client.post("/auth/reset", data={"email": "a@exemple.fr"}).status_code for _ in range(3)
    ]

    assert statuses == [302, 302, 429]


def test_registrations_are_throttled(app_factory, storage):
    app = app_factory(REGISTER_LIMIT="1 per hour", **storage)
    client = app.test_client()

    statuses = [client.post("/auth/register", data={}).status_code for _ in range(2)]

    assert statuses == [400, 429]


def test_reading_the_forms_is_not_throttled(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_IP="1 per hour", **storage)
    client = app.test_client()

    statuses = {client.get("/auth/login").status_code for _ in range(5)}

    assert statuses == {200}


def test_rate_limits_can_be_switched_off_for_benchmarks(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_IP="1 per hour", RATELIMIT_ENABLED=False)
    client = app.test_client()

    statuses = [_login(client, "x").status_code for _ in range(3)]

    assert statuses == [400, 400, 400]


# --- a stranger cannot lock an owner out (OWASP's device cookie) -----------------------------


def _owner_browser(app):
    """The owner's phone: it logged in to the account before (and logged out since)."""
    phone = app.test_client()
    assert _login(phone, "lea", PASSWORD, ip="10.0.0.50").status_code == 302
    phone.post("/auth/logout")
    return phone


def test_strangers_exhausting_an_accounts_attempts_do_not_lock_its_owner_out(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")
    phone = _owner_browser(app)
    attacker = app.test_client()

    attempts = [_login(attacker, "lea", ip=f"10.0.1.{n}").status_code for n in range(4)]
    stranger_with_the_password = _login(app.test_client(), "lea", PASSWORD, ip="10.0.2.1")
    owner = _login(phone, "lea", PASSWORD, ip="10.0.0.50")

    assert attempts == [400, 400, 400, 429]
    assert stranger_with_the_password.status_code == 429  # unknown browsers wait
    assert owner.status_code == 302  # the owner's own phone does not


def test_failures_from_a_known_browser_are_counted_for_that_browser(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")
    phone = _owner_browser(app)

    attempts = [_login(phone, "lea", ip="10.0.0.50").status_code for _ in range(4)]
    elsewhere = _login(app.test_client(), "lea", PASSWORD, ip="10.0.3.1")

    assert attempts == [400, 400, 400, 429]
    assert elsewhere.status_code == 302


def test_a_forged_or_foreign_device_cookie_counts_as_an_unknown_browser(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")
        make_user(username="zoe")
    zoe = app.test_client()
    _login(zoe, "zoe", PASSWORD)  # a device cookie, but for another account
    zoe.post("/auth/logout")
    forged = app.test_client()
    forged.set_cookie("etabli_device", "eyJ1IjoxLCJuIjoieCJ9.forged.signature")

    statuses = [_login(c, "lea").status_code for c in (zoe, forged, app.test_client())]

    assert statuses == [400, 400, 429]


def _stored_keys(app, storage) -> list[str]:
    if storage["RATELIMIT_STORAGE_URI"] == "memory://":
        with app.app_context():
            return list(limiter.storage.storage.keys())
    keys = redis.Redis.from_url(REDIS_URL).keys("LIMITS:*")
    return [key.decode() for key in keys]


def test_the_counters_are_filed_under_keyed_hashes_not_addresses_or_names(app_factory, storage):
    app = app_factory(**storage)
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    client = app.test_client()

    _login(client, "lea@exemple.fr", ip="203.0.113.77")
    _login(client, "inconnue", ip="203.0.113.77")
    client.post(
        "/auth/reset",
        data={"email": "lea@exemple.fr"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    keys = " ".join(_stored_keys(app, storage))

    assert "login-account" in keys and "reset_request" in keys
    for personal in ("203.0.113.77", "lea", "inconnue", "exemple.fr"):
        assert personal not in keys


def test_someone_holding_a_session_cannot_block_the_owners_password_change(app_factory, storage):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea")
    thief, owner = app.test_client(), app.test_client()
    for client in (thief, owner):
        _login(client, "lea", PASSWORD)
    wrong = {"current_password": "pas le bon", "password": "Une toute nouvelle phrase 2027"}

    statuses = [thief.post("/me/security", data=wrong).status_code for _ in range(4)]
    changed = owner.post(
        "/me/security",
        data={"current_password": PASSWORD, "password": "Une toute nouvelle phrase 2027"},
    )

    assert statuses == [400, 400, 400, 429]
    assert changed.status_code == 302


def test_a_password_reset_lets_the_owner_in_on_a_new_browser_whatever_strangers_did(
    app_factory, storage, outbox
):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **storage)
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    for n in range(4):
        _login(app.test_client(), "lea", ip=f"10.0.4.{n}")
    new_phone = app.test_client()
    assert _login(new_phone, "lea", PASSWORD).status_code == 429

    new_phone.post("/auth/reset", data={"email": "lea@exemple.fr"})
    new_phone.post(
        outbox.last_link("lea@exemple.fr", "/auth/reset/"),
        data={"password": "Une toute nouvelle phrase 2027"},
    )

    assert _login(new_phone, "lea", "Une toute nouvelle phrase 2027").status_code == 302
