"""OWASP's device cookie: a browser that has logged in to an account before is recognised.

Failed logins from such a browser are counted apart from everyone else's, so that strangers
who exhaust an account's attempts lock out strangers only, never its owner on their own
phone. The cookie is signed and holds the account's number and a random nonce, nothing else.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request

from forum import ratelimits, tokens

COOKIE = "etabli_device"
MAX_AGE_DAYS = 180


def remember(response: Response, user_id: int) -> Response:
    """Mark this browser as one that logged in to USER_ID (after a complete login)."""
    value = tokens.make("known-device", {"u": user_id, "n": secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure),
    )
    return response


def _nonce_for(user_id: int) -> str | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 200:
        return None
    try:
        payload = tokens.read("known-device", cookie, max_age=MAX_AGE_DAYS * 24 * 3600)
    except tokens.TokenInvalid:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        return None
    return str(payload.get("n"))


def attempts_key(scope: str, user_id: int) -> str:
    """The counter of failed attempts on USER_ID from this browser: its own if the browser
    is known to the account, the one shared by every unknown browser otherwise."""
    nonce = _nonce_for(user_id)
    if nonce is not None:
        return ratelimits.key(scope, "known", str(user_id), nonce)
    return ratelimits.key(scope, "unknown", str(user_id))
