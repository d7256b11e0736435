"""The register of data-subject requests and their statutory due dates (art. 12(3))."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gdpr.models import SubjectRequest, utcnow

KINDS = ("access", "rectification", "erasure", "portability", "restriction", "objection")
CHANNELS = ("self-service", "letter", "e-mail", "in-person")
DUE_SOON_DAYS = 7


def add_months(moment: datetime, months: int) -> datetime:
    """The same day MONTHS later, or the month's last day when it is shorter."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def record(
    session: Session,
    *,
    kind: str,
    channel: str,
    subject_ref: str | None = None,
    received_at: datetime | None = None,
    details: str | None = None,
) -> SubjectRequest:
    """Register a request; it is due one month after it was received. The caller commits."""
    if kind not in KINDS or channel not in CHANNELS:
        raise ValueError(f"unknown request kind or channel: {kind}, {channel}")
    received_at = received_at or utcnow()
    request = SubjectRequest(
        subject_ref=subject_ref,
        kind=kind,
        channel=channel,
        received_at=received_at,
        due_at=add_months(received_at, 1),
        details=details,
        status="open",
    )
    session.add(request)
    session.flush()
    return request


def extend(request: SubjectRequest, reason: str) -> None:
    """Extend by two more months (three in all), with the reason told to the subject."""
    request.due_at = add_months(request.received_at, 3)
    request.extension_reason = reason


def close(request: SubjectRequest, *, outcome: str, status: str = "done") -> None:
    request.status = status
    request.outcome = outcome
    request.closed_at = utcnow()


def state(request: SubjectRequest, now: datetime | None = None) -> str:
    """ "closed", "overdue", "due-soon" or "open"."""
    now = now or utcnow()
    if request.closed_at is not None:
        return "closed"
    if request.due_at < now:
        return "overdue"
    if (request.due_at - now).days < DUE_SOON_DAYS:
        return "due-soon"
    return "open"


def list_all(session: Session) -> list[SubjectRequest]:
    """Open requests first, the most urgent on top; then closed ones, newest first."""
    requests = list(session.scalars(select(SubjectRequest)))
    return sorted(
        requests,
        key=lambda r: (r.closed_at is not None, r.due_at if r.closed_at is None else -r.id),
    )
