"""Restriction of processing (art. 18): freeze a member's data while a dispute lasts."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import (
    User,
)
from forum.models.base import utcnow
from forum.services import accounts
from gdpr import requests as gdpr_requests

log = logging.getLogger(__name__)


RESTRICTION_REASON_MAX = 500


def list_restricted(actor: User) -> list[User]:
    """The members whose data is restricted now: for an admin."""
    policy.require(policy.is_admin(actor))
    return list(db.session.scalars(select(User).where(User.restricted_at.is_not(None))))


def restrict(actor: User, *, username: str, reason: str) -> User:
    """Freeze a member's data while a dispute is examined: hidden, read-only, storage only."""
    policy.require(policy.is_admin(actor))
    member = accounts.get_user_by_username(username.strip()) if username.strip() else None
    reason = reason.strip()
    error = InvalidInput.collect(
        {
            "username": None if member else _("Aucun membre ne porte ce nom."),
            "reason": None
            if 0 < len(reason) <= RESTRICTION_REASON_MAX
            else _("Indiquez le motif (500 caractères au plus)."),
        }
    )
    if error:
        raise error
    _set(member, utcnow(), reason, outcome="restricted", mail="restricted")
    return member


def lift_restriction(actor: User, member: User) -> None:
    """End the restriction: the member's data is processed normally again."""
    policy.require(policy.is_admin(actor))
    _set(member, None, None, outcome="restriction lifted", mail="restriction_lifted")


def _set(member: User, at, reason: str | None, *, outcome: str, mail: str) -> None:
    """Restrict or free MEMBER, record it as a handled request (art. 18), tell them."""
    member.restricted_at, member.restriction_reason = at, reason
    request = gdpr_requests.record(
        db.session, kind="restriction", channel="e-mail", subject_ref=member.subject_ref
    )
    gdpr_requests.close(request, outcome=outcome)
    db.session.commit()
    accounts.notify(member, mail)
