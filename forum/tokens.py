"""Signed, expiring tokens for links sent by e-mail (itsdangerous).

A token can be bound to a secret state (a password hash, an address's look-up hash): the state
is mixed into the signature, never written into the payload, so the link dies when it changes
and nobody reading the link learns anything derived from it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenInvalid(Exception):
    """The token was tampered with, made for another purpose, or already used."""


class TokenExpired(TokenInvalid):
    """The token is genuine but too old."""


def _serializer(purpose: str, bound_to: str = "") -> URLSafeTimedSerializer:
    salt = f"etabli.{purpose}"
    if bound_to:
        salt += "." + hashlib.sha256(bound_to.encode()).hexdigest()
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make(purpose: str, payload: Any, *, bound_to: str = "") -> str:
    """Sign PAYLOAD for PURPOSE, bound to the secret state BOUND_TO if given."""
    return _serializer(purpose, bound_to).dumps(payload)


def peek(purpose: str, token: str) -> Any:
    """The payload of TOKEN, NOT verified: only to find the state to verify it against."""
    _, payload = _serializer(purpose).loads_unsafe(token)
    return payload


def read(purpose: str, token: str, *, max_age: int, bound_to: str | None = "") -> Any:
    """Return the payload of TOKEN if it was made for PURPOSE (and BOUND_TO) less than
    MAX_AGE seconds ago; BOUND_TO None (nobody to bind to) refuses every token."""
    if bound_to is None:
        raise TokenInvalid
    try:
        return _serializer(purpose, bound_to).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
