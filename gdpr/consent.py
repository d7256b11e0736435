"""The append-only consent log: the proof that a subject accepted or withdrew, and what they saw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gdpr.models import ConsentEvent, utcnow


def record(
    session: Session,
    *,
    subject_ref: str,
    purpose: str,
    given: bool,
    via: str,
    document_version: str | None = None,
    text_hash: str | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Append one consent event; the caller commits."""
    event = ConsentEvent(
        subject_ref=subject_ref,
        purpose=purpose,
        given=given,
        via=via,
        document_version=document_version,
        text_hash=text_hash,
        at=at or utcnow(),
    )
    session.add(event)
    return event


def history(session: Session, subject_ref: str) -> list[ConsentEvent]:
    """Every consent event of a subject, oldest first."""
    query = select(ConsentEvent).where(ConsentEvent.subject_ref == subject_ref)
    return list(session.scalars(query.order_by(ConsentEvent.at, ConsentEvent.id)))
