"""Encryption at rest (Fernet/MultiFernet, rotatable keys) and keyed hashes for look-ups."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import Column, MetaData, select, update
from sqlalchemy.orm import Session

from gdpr.annotations import of


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


def encrypted_columns(metadatas: Iterable[MetaData]) -> list[Column]:
    """Every column the inventory declares encrypted under the data keys."""
    return [
        column
        for metadata in metadatas
        for table in metadata.sorted_tables
        for column in table.columns
        if (data := of(column)) is not None and data.encrypted
    ]


def rotate_columns(
    session: Session, metadatas: Iterable[MetaData], vault: Vault, *, batch: int = 500
) -> dict[str, int]:
    """Re-encrypt every value of every encrypted column under the primary key, a batch of rows
    per commit (no downtime): counts per column."""
    counts = {}
    for column in encrypted_columns(metadatas):
        table = column.table
        (key,) = table.primary_key.columns
        counts[f"{table.name}.{column.name}"] = rotated = 0
        last = None
        while True:
            query = select(key, column).where(column.is_not(None)).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            rows = session.execute(query).all()
            if not rows:
                break
            for row_key, value in rows:
                fresh = vault.rotate(value)
                # Only if nobody changed it meanwhile: a value written since is already fresh.
                session.execute(
                    update(table).where(key == row_key, column == value).values({column: fresh})
                )

            session.commit()
            rotated += len(rows)
            last = rows[-1][0]
        counts[f"{table.name}.{column.name}"] = rotated
    return counts
