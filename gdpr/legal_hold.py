"""Legal hold of author identification data (LCEN, décret 2021-1362): encrypted, read by two."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gdpr.crypto import Vault
from gdpr.models import HoldAccess, HoldReading, HoldRecord, utcnow


class AccessRefused(Exception):
    """The held data may not be read (no approval, or the same admin approving)."""


def record(
    session: Session, vault: Vault, *, subject_ref: str, item: str, ip: str, at: datetime
) -> HoldRecord:
    """Keep who published ITEM from which address; the caller commits with the content."""
    held = HoldRecord(subject_ref=subject_ref, item=item, ip_encrypted=vault.encrypt(ip), at=at)
    session.add(held)
    return held


def request_access(session: Session, *, item: str, reason: str, admin_ref: str) -> HoldAccess:
    """An admin asks to read the data held for ITEM, giving the reason (e.g. a requisition)."""
    access = HoldAccess(item=item, reason=reason, requested_by_ref=admin_ref, requested_at=utcnow())
    session.add(access)
    return access


def approve(access: HoldAccess, *, admin_ref: str) -> None:
    """A second admin approves, once; the one who asked cannot."""
    if admin_ref == access.requested_by_ref:
        raise AccessRefused("the admin who asked cannot approve")
    if access.approved_at is not None:
        raise AccessRefused("already approved")
    access.approved_by_ref = admin_ref
    access.approved_at = utcnow()


def reveal(
    session: Session, vault: Vault, access: HoldAccess, *, reader_ref: str
) -> list[tuple[str, datetime]]:
    """The (address, time) pairs held for an approved request; each reading is logged."""
    if access.approved_at is None:
        raise AccessRefused("not approved")
    now = utcnow()
    access.revealed_at = now
    session.add(HoldReading(access_id=access.id, reader_ref=reader_ref, at=now))
    records = session.scalars(select(HoldRecord).where(HoldRecord.item == access.item))
    return [(vault.decrypt(held.ip_encrypted), held.at) for held in records]


def records_of(session: Session, vault: Vault, subject_ref: str) -> list[tuple[str, str, datetime]]:
    """What is held about the subject's own publications: (item, address, time), for their
    export (art. 15). The subject's own data: no two-admin approval is needed for them."""
    query = select(HoldRecord).where(HoldRecord.subject_ref == subject_ref)
    return [
        (held.item, vault.decrypt(held.ip_encrypted), held.at)
        for held in session.scalars(query.order_by(HoldRecord.at, HoldRecord.id))
    ]
