"""The record of processing activities (art. 30), from the inventory."""

from __future__ import annotations

import logging

from flask import current_app

from forum.extensions import db
from gdpr import register
from gdpr.models import metadata as gdpr_metadata

log = logging.getLogger(__name__)


SECURITY_MEASURES = (
    "Adresses e-mail chiffrées (Fernet, clés tournantes) et retrouvées par empreinte HMAC",
    "Mots de passe en argon2id ; limites de tentatives ; double authentification (à venir)",
    "HTTPS, en-têtes de sécurité, protection CSRF, aucune ressource tierce",
    "Journaux sans donnée personnelle ; conservation limitée et purge journalisée",
)


def register_markdown() -> str:
    """The record of processing activities (art. 30), from the inventory."""
    return register.markdown(
        register.purposes(db.metadata, gdpr_metadata),
        controller="L'Établi",
        recipients="aucun destinataire externe ; hébergeur (sous-traitant)",
        security=SECURITY_MEASURES,
        durations=current_app.config["GDPR_RETENTION"],
    )
