"""Consents to optional purposes, and acceptance of new policy versions."""

from __future__ import annotations

import hashlib
import logging

from flask_babel import gettext as _
from sqlalchemy import select

from forum import documents
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import (
    User,
)
from gdpr import consent
from gdpr.models import (
    ConsentEvent,
)

log = logging.getLogger(__name__)


# Optional purposes: each has its own consent, off by default, withdrawable in one click.
PURPOSES = {
    "email_notifications": "notify_by_email",
    "directory": "in_directory",
    "profile.display_name": "show_display_name",
    "profile.trades": "show_trades",
    "profile.region": "show_region",
    "profile.edition": "show_edition",
    "profile.bio": "show_bio",
}
POLICIES = (("terms", "terms"), ("privacy_policy", "privacy"))


def consents(user: User) -> dict[str, bool]:
    """Whether USER consents to each optional purpose now."""
    return {purpose: getattr(user, attribute) for purpose, attribute in PURPOSES.items()}


def record_consent(user: User, purpose: str, given: bool, *, via: str, locale: str = "fr") -> None:
    """Append the proof of a consent given or withdrawn, with the policy text shown then."""
    policy_text = documents.get("privacy", locale)
    consent.record(
        db.session,
        subject_ref=user.subject_ref,
        purpose=purpose,
        given=given,
        via=via,
        document_version=policy_text.version,
        text_hash=policy_text.text_hash,
    )


def set_consent(actor: User, purpose: str, given: bool, *, via: str, locale: str = "fr") -> None:
    """Give or withdraw consent to PURPOSE: effective at once, logged, account untouched."""
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", _("Ce choix n'existe pas."))
    if getattr(actor, PURPOSES[purpose]) != given:
        setattr(actor, PURPOSES[purpose], given)
        record_consent(actor, purpose, given, via=via, locale=locale)
    db.session.commit()


def policies_to_accept(user: User) -> list[str]:
    """The policy documents (terms, privacy) whose current text USER has not accepted.

    The text, not only its version number: an acceptance counts for the exact text shown (its
    hash, in one of its languages), so that an edit nobody numbered is presented all the same.
    """
    events = db.session.execute(
        select(ConsentEvent.purpose, ConsentEvent.text_hash).where(
            ConsentEvent.subject_ref == user.subject_ref,
            ConsentEvent.purpose.in_([purpose for purpose, _ in POLICIES]),
            ConsentEvent.given.is_(True),
        )
    ).all()
    accepted = {(purpose, text_hash) for purpose, text_hash in events}
    return [
        name
        for purpose, name in POLICIES
        if not any((purpose, text_hash) in accepted for text_hash in documents.text_hashes(name))
    ]


def policies_version() -> str:
    """A short name of the current texts of the policies, in every language: what a session
    remembers it has checked, so that the check is not a query on every request."""
    hashes = sorted(digest for _, name in POLICIES for digest in documents.text_hashes(name))
    return hashlib.sha256(",".join(hashes).encode()).hexdigest()[:16]


def accept_policies(actor: User, *, accepted: bool, locale: str = "fr") -> None:
    """Record ACTOR's acceptance of the current terms and privacy policy."""
    if not accepted:
        raise InvalidInput(
            "accept_terms",
            _("Pour continuer à publier, acceptez les nouvelles conditions."),
        )
    for purpose, name in POLICIES:
        document = documents.get(name, locale)
        consent.record(
            db.session,
            subject_ref=actor.subject_ref,
            purpose=purpose,
            given=True,
            via="policy-update-form",
            document_version=document.version,
            text_hash=document.text_hash,
        )
    db.session.commit()
