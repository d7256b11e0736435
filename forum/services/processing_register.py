"""The record of processing activities (art. 30) and the information owed to members (art. 13),
both derived from the inventory and from the retention rules, so that they say what the code
does."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from forum import labels
from forum.extensions import db
from forum.services.retention import RETENTION_RULES
from gdpr import register
from gdpr.models import metadata as gdpr_metadata


def security_measures() -> list[str]:
    return [
        _(
            "Adresses e-mail et IP chiffrées (Fernet, clés tournantes), retrouvées par "
            "empreinte HMAC"
        ),
        _(
            "Mots de passe en argon2id ; limites de tentatives ; double authentification, "
            "obligatoire pour modérer et administrer"
        ),
        _("Sessions enregistrées par appareil, qu'une déconnexion termine vraiment"),
        _("HTTPS, en-têtes de sécurité, protection CSRF, aucune ressource d'un autre site"),
        _("Journaux sans donnée personnelle ; conservation limitée et purge journalisée"),
        _(
            "Données d'identification des auteurs lisibles seulement avec l'accord de deux "
            "administrateurs"
        ),
    ]


@dataclass(frozen=True)
class Kept:
    """How long a class of data is kept: its retention key, days, the statement, the rules."""

    key: str
    days: int
    statement: str
    rules: tuple[str, ...]
    since: frozenset[str] = frozenset()  # the moments the rules count from: one


@dataclass(frozen=True)
class Entry:
    purpose: str
    bases: list[str]
    categories: list[str]
    kept: list[Kept]
    columns: list[str]
    tables: list[str]


@dataclass(frozen=True)
class Register:
    controller: str
    contact: str
    dpo: str
    recipients: list[str]
    transfers: str
    security: list[str]
    entries: list[Entry]


def recipients() -> list[str]:
    """Who receives the data, beyond the forum's administrators and moderators."""
    config = current_app.config
    mail = config["PRIVACY_MAIL_PROVIDER"] or (
        _("le serveur d'envoi d'e-mails %(server)s", server=config["MAIL_SERVER"])
        if config["MAIL_SERVER"]
        else _("aucun prestataire d'e-mail : les e-mails sont écrits sur le serveur du forum")
    )
    return [
        _("les visiteurs, pour ce que vous publiez et ce que vous choisissez de montrer"),
        _("%(host)s (sous-traitant, article 28)", host=config["PRIVACY_HOST"]),
        mail,
        _(
            "les autorités judiciaires, sur réquisition, pour les données d'identification des "
            "auteurs (LCEN)"
        ),
    ]


def _kept(key: str, erasures: set[str], tables: set[str]) -> Kept:
    days = current_app.config["GDPR_RETENTION"][key]
    rules = [
        rule
        for rule in RETENTION_RULES
        if rule.retention == key and (tables & set(rule.tables) or rule.erases_subjects)
    ]
    # The rules of one duration count from one moment (a test holds them to it).
    since = rules[0].since if rules else ""
    statement = labels.retention_statement(key, days, since, erasures)
    return Kept(
        key=key,
        days=days,
        statement=statement,
        rules=tuple(rule.name for rule in rules),
        since=frozenset(rule.since for rule in rules),
    )


def build() -> Register:
    """The register, in the reader's language, from the inventory and the retention rules."""
    config = current_app.config
    entries = []
    for purpose in register.purposes(db.metadata, gdpr_metadata):
        tables = {column.split(".")[0] for column in purpose.columns}
        entries.append(
            Entry(
                purpose=labels.label(labels.PURPOSES, purpose.name),
                bases=[labels.label(labels.BASES, basis) for basis in sorted(purpose.bases)],
                categories=sorted(labels.label(labels.CATEGORIES, c) for c in purpose.categories),
                kept=[
                    _kept(key, set().union(*by_table.values()), set(by_table))
                    for key, by_table in sorted(purpose.kept.items())
                ],
                columns=purpose.columns,
                tables=sorted(tables),
            )
        )
    return Register(
        controller=config["PRIVACY_CONTROLLER"],
        contact=config["PRIVACY_CONTACT"],
        dpo=config["PRIVACY_DPO"],
        recipients=recipients(),
        transfers=config["PRIVACY_TRANSFERS"] or _("aucun transfert hors de l'Union européenne"),
        security=security_measures(),
        entries=sorted(entries, key=lambda entry: entry.purpose),
    )


def register_markdown() -> str:
    """The record of processing activities (art. 30) as Markdown (`flask gdpr register`)."""
    found = build()
    lines = [
        _("# Registre des activités de traitement"),
        "",
        _("- Responsable du traitement : %(who)s", who=found.controller),
        _("- Contact pour les données : %(contact)s", contact=found.contact),
        _("- Délégué à la protection des données : %(dpo)s", dpo=found.dpo or _("aucun")),
        _("- Transferts hors de l'Union européenne : %(what)s", what=found.transfers),
        _(
            "- Personnes concernées : membres du forum (candidats, modérateurs, personnel du "
            "COET-MOF)"
        ),
        "",
    ]
    for entry in found.entries:
        lines += [
            f"## {entry.purpose}",
            "",
            _("- Bases légales : %(bases)s", bases=" ; ".join(entry.bases)),
            _("- Catégories de données : %(categories)s", categories=", ".join(entry.categories)),
            _("- Destinataires : %(who)s", who=" ; ".join(found.recipients)),
            _("- Conservation : %(kept)s", kept=" ; ".join(k.statement for k in entry.kept)),
            _("- Colonnes : %(columns)s", columns=", ".join(entry.columns)),
            "",
        ]
    lines += [_("## Mesures de sécurité"), ""] + [f"- {m}" for m in found.security] + [""]
    return "\n".join(lines)
