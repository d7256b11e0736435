"""The register of data-subject requests (art. 12 to 22), with their due dates."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import User
from forum.models.base import utcnow
from forum.services import accounts
from gdpr import requests as gdpr_requests
from gdpr.models import SubjectRequest

log = logging.getLogger(__name__)


def list_requests(user: User) -> list[SubjectRequest]:
    query = select(SubjectRequest).where(SubjectRequest.subject_ref == user.subject_ref)
    return list(db.session.scalars(query.order_by(SubjectRequest.id.desc())))


def list_all(actor: User) -> list[SubjectRequest]:
    """Every request, newest first, for an admin."""
    policy.require(policy.is_admin(actor))
    return gdpr_requests.list_all(db.session)


def record_request(
    actor: User, *, kind: str, channel: str, received_on: str, details: str
) -> SubjectRequest:
    """A request received by letter, e-mail or in person, entered by the admin ACTOR."""
    policy.require(policy.is_admin(actor))
    try:
        received = datetime.fromisoformat(received_on.strip()).replace(tzinfo=UTC)
    except ValueError:
        received = None
    error = InvalidInput.collect(
        {
            "kind": None if kind in gdpr_requests.KINDS else _("Choisissez un type de demande."),
            "channel": None if channel in gdpr_requests.CHANNELS else _("Choisissez un canal."),
            "received_on": None
            if received and received <= utcnow()
            else _("Indiquez une date passée, au format AAAA-MM-JJ."),
            "details": None
            if 0 < len(details.strip()) <= 1000
            else _("Décrivez la demande (1 000 caractères au plus)."),
        }
    )
    if error:
        raise error
    request = gdpr_requests.record(
        db.session, kind=kind, channel=channel, received_at=received, details=details.strip()
    )
    db.session.commit()
    return request


def close_request(actor: User, request: SubjectRequest, *, outcome: str) -> None:
    """The admin ACTOR closes REQUEST with its outcome."""
    policy.require(policy.is_admin(actor))
    gdpr_requests.close(request, outcome=outcome.strip()[:500] or "done")
    db.session.commit()


def extend_request(actor: User, request: SubjectRequest, *, reason: str) -> None:
    """Extend an open request to three months; the reason is required, and the member is
    told, with it, within the first month (art. 12(3))."""
    policy.require(policy.is_admin(actor))
    reason = reason.strip()
    if request.closed_at is not None:
        raise InvalidInput("reason", _("Cette demande est close."))
    if not 0 < len(reason) <= 500:
        raise InvalidInput("reason", _("Indiquez le motif de la prolongation."))
    gdpr_requests.extend(request, reason)
    db.session.commit()
    member = _member(request)
    if member is not None:
        accounts.notify(member, "request_extended", request=request, reason=reason)


def _member(request: SubjectRequest) -> User | None:
    ref = request.subject_ref
    return accounts.get_user(int(ref)) if ref and ref.isdigit() else None
