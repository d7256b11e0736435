"""Erasure (art. 17) helpers: the residue scan, the certificate and the tombstone.

The forum does the erasing itself (it knows its data); this module proves it was done.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import String, Table, Text, func, or_, select
from sqlalchemy.orm import Session

from gdpr.models import Erasure, ErasureCertificate, ReviewTask, Tombstone, utcnow

MIN_IDENTIFIER = 3  # shorter strings would match everywhere


def text_columns(tables: Iterable[Table]):
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                yield table, column


def scan(session: Session, tables: Iterable[Table], identifiers: Iterable[str]) -> list[tuple]:
    """Every (table, column, row key) where one of IDENTIFIERS still appears, case-insensitive."""
    needles = [i.lower() for i in identifiers if i and len(i) >= MIN_IDENTIFIER]
    if not needles:
        return []
    found = []
    for table, column in text_columns(tables):
        key = next(iter(table.primary_key.columns))
        matches = or_(*(func.lower(column).contains(needle, autoescape=True) for needle in needles))
        for (row_key,) in session.execute(select(key).where(matches)):
            found.append((table.name, column.name, str(row_key)))
    return found


def certify(
    session: Session,
    erasure: Erasure,
    *,
    counts: Mapping[str, int],
    residues: list[tuple],
    digest: str,
) -> ErasureCertificate:
    """Close ERASURE: review tasks for residues, a tombstone, a certificate. The caller commits."""
    now = utcnow()
    erasure.executed_at = now
    for table_name, column_name, row_key in residues:
        session.add(
            ReviewTask(
                erasure_id=erasure.id,
                table_name=table_name,
                column_name=column_name,
                row_key=row_key,
                found_at=now,
            )
        )
    if session.scalar(select(Tombstone).where(Tombstone.digest == digest)) is None:
        session.add(Tombstone(digest=digest, content=erasure.content, erased_at=now))
    certificate = ErasureCertificate(
        erasure_id=erasure.id,
        request_id=erasure.request_id,
        requested_at=erasure.requested_at,
        executed_at=now,
        counts=json.dumps(dict(counts), sort_keys=True),
        residues=len(residues),
    )
    session.add(certificate)
    return certificate
