"""Test data built through the real services, keyword-only overrides."""

from __future__ import annotations

import itertools

from forum.models import Role, User
from forum.services import accounts

PASSWORD = "Établi de compagnon 2026"
_counter = itertools.count(1)


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    role: Role = Role.MEMBER,
    verified: bool = True,
) -> User:
    """A member; verified accounts come from create_user, unverified ones from register."""
    number = next(_counter)
    username = username or f"membre{number}"
    email = email or f"{username}@exemple.fr"
    if verified:
        return accounts.create_user(
            email=email, username=username, password=password, role=role, via="test"
        )
    registration = accounts.register(
        email=email, username=username, password=password, accepted_terms=True
    )
    assert registration.user is not None
    return registration.user
