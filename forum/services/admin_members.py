"""Admins look members up and, with a logged reason, see their e-mail or login IP addresses.

Moderators and COET-MOF staff never see either (DESIGN.md, "Roles"); every reveal is logged.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.fernet import InvalidToken
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import policy, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import PersonalDataAccess, User
from forum.models.base import utcnow
from forum.services import accounts

FIELDS = ("email", "login_ips")
REASON_MIN, REASON_MAX = 5, 500
SEARCH_LIMIT = 50
LOGINS_SHOWN = 20

Logins = list[tuple[datetime, str | None]]


def find_members(actor: User, query: str) -> list[User]:
    """Members whose username starts with QUERY (look-alikes included), at most 50."""
    policy.require(policy.is_admin(actor))
    query = query.strip()
    if len(query) > usernames.MAX_LENGTH:
        return []
    prefix = usernames.key(query)
    found = select(User).where(User.username_key.startswith(prefix, autoescape=True))
    return list(db.session.scalars(found.order_by(User.username_key).limit(SEARCH_LIMIT)))


def reveal(actor: User, member: User, field: str, *, reason: str) -> str | Logins:
    """MEMBER's e-mail address or latest login addresses, for an admin giving a reason.

    The access is logged and committed before anything is read, so that no reveal goes
    unrecorded (DESIGN.md: "each such access is logged").
    """
    policy.require(policy.can_reveal_personal_data(actor, member))
    reason = reason.strip()
    error = InvalidInput.collect(
        {
            "field": None if field in FIELDS else _("Choisissez ce que vous voulez voir."),
            "reason": None
            if REASON_MIN <= len(reason) <= REASON_MAX
            else _(
                "Indiquez le motif de la consultation (de %(min)d à %(max)d caractères).",
                min=REASON_MIN,
                max=REASON_MAX,
            ),
        }
    )
    if error:
        raise error
    db.session.add(
        PersonalDataAccess(
            admin_id=actor.id, subject_id=member.id, field=field, reason=reason, created_at=utcnow()
        )
    )
    db.session.commit()
    try:
        if field == "email":
            return accounts.email_of(member)
        return accounts.list_logins(member, limit=LOGINS_SHOWN)
    except InvalidToken as error:  # encrypted under a key no longer configured
        raise InvalidInput(
            "field", _("Ces données sont illisibles avec les clés actuelles.")
        ) from error


def list_accesses(actor: User, limit: int = 200) -> list[PersonalDataAccess]:
    """The latest accesses to members' personal data, newest first."""
    policy.require(policy.is_admin(actor))
    query = (
        select(PersonalDataAccess)
        .options(joinedload(PersonalDataAccess.admin), joinedload(PersonalDataAccess.subject))
        .order_by(PersonalDataAccess.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
