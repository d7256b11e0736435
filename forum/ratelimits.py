"""Keys of the rate limits: keyed hashes, so no store or log ever holds an address or a name.

The counters live in memory or in Redis (Flask-Limiter); what they are filed under must not be
personal data in clear, and must not be guessable from outside (an HMAC with the app's secret).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def key(*parts: str) -> str:
    """A keyed hash of PARTS: the same parts always file under the same counter."""
    secret = ("rate-limits:" + current_app.config["SECRET_KEY"]).encode()
    message = "\x1f".join(parts).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def remote_address() -> str:
    """The counter of the client's IP address (the default key of every limit)."""
    return key("ip", request.remote_addr or "unknown")
