"""Absolute links for e-mails and feeds, always built on BASE_URL.

Never on the request's Host header: a forged Host would otherwise put an attacker's address in a
password-reset mail.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    """The public address of ENDPOINT with VALUES, inside or outside a request."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)
