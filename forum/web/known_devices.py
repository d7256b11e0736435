"""OWASP's device cookie: a browser that has logged in to an account before is recognised.

Failed logins from such a browser are counted apart from everyone else's, so that strangers
who exhaust an account's attempts lock out strangers only, never its owner on their own
phone. The cookie is encrypted and authenticated (Fernet, with the data keys): it holds, for
the few accounts last used on this browser, the account's number and a random nonce, and
reads as noise to anyone else.
"""

from __future__ import annotations

import json
import secrets

from cryptography.fernet import InvalidToken
from flask import Response, current_app, request

from forum import ratelimits
from forum.services import accounts

COOKIE = "etabli_device"
MAX_AGE_DAYS = 180
ACCOUNTS_KEPT = 5  # a family computer: a few accounts each keep their own recognition
COOKIE_MAX_LENGTH = 2_000


def _known() -> dict[int, str]:
    """The accounts this browser has logged in to, with their nonce; {} if none or forged."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > COOKIE_MAX_LENGTH:
        return {}
    try:
        plain = accounts.vault().decrypt_recent(cookie, max_age=MAX_AGE_DAYS * 24 * 3600)
        pairs = json.loads(plain)
    except (InvalidToken, ValueError):
        return {}
    if not isinstance(pairs, list):
        return {}
    return {
        user_id: nonce
        for user_id, nonce in (pair for pair in pairs if isinstance(pair, list) and len(pair) == 2)
        if isinstance(user_id, int) and isinstance(nonce, str)
    }


def remember(response: Response, user_id: int) -> Response:
    """Mark this browser as one that logged in to USER_ID (a complete login, or a password
    reset through the mailed link), with a fresh nonce."""
    known = {uid: nonce for uid, nonce in _known().items() if uid != user_id}
    pairs = [[user_id, secrets.token_urlsafe(16)], *([uid, n] for uid, n in known.items())]
    response.set_cookie(
        COOKIE,
        accounts.vault().encrypt(json.dumps(pairs[:ACCOUNTS_KEPT])),
        max_age=MAX_AGE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure),
    )
    return response


def attempts_key(scope: str, user_id: int) -> str:
    """The counter of failed attempts on USER_ID from this browser: its own if the browser
    is known to the account, the one shared by every unknown browser otherwise."""
    nonce = _known().get(user_id)
    if nonce is not None:
        return ratelimits.key(scope, "known", str(user_id), nonce)
    return ratelimits.key(scope, "unknown", str(user_id))
