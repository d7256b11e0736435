"""Encryption at rest (Fernet/MultiFernet, rotatable keys) and keyed hashes for look-ups."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, MultiFernet


class Vault:
    """Encrypts with the first key, decrypts with any: add a key in front to rotate."""

    def __init__(self, keys: Sequence[str], blind_index_key: str) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self._index_key = blind_index_key.encode()

    def encrypt(self, plaintext: str) -> str:
        """Return the token of PLAINTEXT under the primary key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Return the plaintext behind TOKEN, whichever known key made it."""
        return self._fernet.decrypt(token.encode()).decode()

    def decrypt_recent(self, token: str, *, max_age: int) -> str:
        """The plaintext behind TOKEN if it was made less than MAX_AGE seconds ago."""
        return self._fernet.decrypt(token.encode(), ttl=max_age).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt TOKEN under the primary key."""
        return self._fernet.rotate(token.encode()).decode()

    def blind_index(self, value: str) -> str:
        """Keyed hash of VALUE: equality look-ups and uniqueness without the plaintext."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()
