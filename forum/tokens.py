"""Signed, expiring tokens for links sent by e-mail (itsdangerous)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenInvalid(Exception):
    """The token was tampered with, made for another purpose, or already used."""


class TokenExpired(TokenInvalid):
    """The token is genuine but too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"etabli.{purpose}")


def make(purpose: str, payload: Any) -> str:
    """Sign PAYLOAD for PURPOSE."""
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, *, max_age: int) -> Any:
    """Return the payload of TOKEN if it was made for PURPOSE less than MAX_AGE seconds ago."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
