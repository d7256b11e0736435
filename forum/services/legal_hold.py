"""Reading author identification data kept under legal hold (LCEN): two admins, logged."""

from __future__ import annotations

import logging
from datetime import datetime

from cryptography.fernet import InvalidToken
from flask_babel import gettext as _
from sqlalchemy import select

from forum import policy
from forum.errors import InvalidInput, NotAllowed
from forum.extensions import db
from forum.models import (
    User,
)
from forum.services import accounts
from gdpr import legal_hold
from gdpr.models import (
    HoldAccess,
)

log = logging.getLogger(__name__)


REASON_MIN = 10


def list_hold_accesses(actor: User) -> list[HoldAccess]:
    """The log of requests to read held data, newest first: for an admin."""
    policy.require(policy.is_admin(actor))
    return list(db.session.scalars(select(HoldAccess).order_by(HoldAccess.id.desc())))


def request_hold_access(actor: User, *, post_id: int | None, reason: str) -> HoldAccess:
    """An admin asks to read who published a post, with the reason (a requisition…)."""
    policy.require(policy.is_admin(actor))
    reason = reason.strip()
    error = InvalidInput.collect(
        {
            "post_id": None if post_id else _("Indiquez le numéro du message."),
            "reason": None
            if REASON_MIN <= len(reason) <= 1000
            else _("Donnez le motif précis (une réquisition judiciaire, par exemple)."),
        }
    )
    if error:
        raise error
    access = legal_hold.request_access(
        db.session, item=f"post:{post_id}", reason=reason, admin_ref=actor.subject_ref
    )
    db.session.commit()
    return access


def approve_hold_access(actor: User, access: HoldAccess) -> None:
    """A second admin approves the access; the admin who asked cannot."""
    policy.require(policy.is_admin(actor))
    try:
        legal_hold.approve(access, admin_ref=actor.subject_ref)
    except legal_hold.AccessRefused as error:
        raise InvalidInput(
            "approve", _("Un autre administrateur doit approuver, une seule fois.")
        ) from error
    db.session.commit()


def reveal_hold(actor: User, access: HoldAccess) -> list[tuple[str, datetime]]:
    """The held addresses and times, for the two admins of an approved access; logged."""
    policy.require(
        policy.is_admin(actor)
        and actor.subject_ref in (access.requested_by_ref, access.approved_by_ref)
    )
    try:
        found = legal_hold.reveal(
            db.session, accounts.vault(), access, reader_ref=actor.subject_ref
        )
    except legal_hold.AccessRefused as error:
        raise NotAllowed from error
    except InvalidToken as error:  # encrypted under a key no longer configured
        db.session.rollback()
        raise InvalidInput(
            "access", _("Ces données sont illisibles avec les clés actuelles.")
        ) from error
    db.session.commit()
    return found
