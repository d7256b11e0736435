"""Test data built through the real services, keyword-only overrides."""

from __future__ import annotations

import itertools
import time

import pyotp

from forum.models import Post, Role, Thread, User
from forum.services import accounts, devices, posting, taxonomy
from forum.services import two_factor as two_factor_service

PASSWORD = "Établi de compagnon 2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_counter = itertools.count(1)


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    role: Role = Role.MEMBER,
    verified: bool = True,
    two_factor: bool | None = None,
) -> User:
    """A member; verified accounts come from create_user, unverified ones from register.

    Moderators and admins get two-factor authentication (their powers need it) unless
    TWO_FACTOR is False; its secret is `TOTP_SECRET`.
    """
    number = next(_counter)
    username = username or f"membre{number}"
    email = email or f"{username}@exemple.fr"
    if verified:
        user = accounts.create_user(
            email=email, username=username, password=password, role=role, via="test"
        )
        if two_factor or (two_factor is None and role in (Role.MODERATOR, Role.ADMIN)):
            enable_two_factor(user)
        return user
    registration = accounts.register(
        email=email, username=username, password=password, accepted_terms=True
    )
    assert registration.user is not None
    return registration.user


def enable_two_factor(user: User) -> None:
    """Turn two-factor on with `TOTP_SECRET`, as the security page does.

    Confirmed with the previous time step's code, so that `totp_now()` still opens one login.
    """
    device = devices.open_session(user, user_agent="pytest", remember=False)
    two_factor_service.start_enrolment(user, device, password=PASSWORD)
    device.totp_pending_encrypted = accounts.vault().encrypt(TOTP_SECRET)
    two_factor_service.enable(user, device, code=pyotp.TOTP(TOTP_SECRET).at(time.time() - 30))
    devices.end_session(user, device.id)  # the enrolling browser was only a means


def open_session(user: User, *, remember: bool = False) -> str:
    """A signed-in device for USER: the session id a browser's cookies would carry."""
    devices.open_session(user, user_agent="pytest", remember=remember)
    return user.get_id()


def make_taxonomy() -> None:
    """The reference trades and topics, as `flask taxonomy load` puts them."""
    taxonomy.load_reference()


def make_thread(
    *,
    author: User | None = None,
    topic: str = "financement",
    trades: tuple[str, ...] = (),
    title: str = "Financer sa préparation avec le CPF",
    body: str = "Qui a déjà utilisé son **CPF** pour la préparation ?",
) -> Thread:
    """A thread (and its first post) through the real service; loads the taxonomy if needed."""
    if taxonomy.get_topic(topic) is None:
        make_taxonomy()
    author = author or make_user()
    return posting.create_thread(
        author,
        title=title,
        body=body,
        topic_id=taxonomy.get_topic(topic).id,
        trade_ids=[taxonomy.get_trade(slug).id for slug in trades],
    )


def make_post(
    *, thread: Thread | None = None, author: User | None = None, body: str = "Moi aussi !"
) -> Post:
    """A reply through the real service."""
    thread = thread or make_thread()
    return posting.reply(author or make_user(), thread, body=body)
