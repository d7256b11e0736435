"""French words (and their English translations) for the code values people read: roles,
request kinds and states, legal bases, data categories, purposes of the inventory.

Code values stay in the database and in `data.json`; pages, mails and the readable export
show these labels. A test fails when a value of the inventory has no label here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "member": _l("membre"),
    "moderator": _l("modérateur ou modératrice"),
    "admin": _l("administrateur ou administratrice"),
    "coet_staff": _l("personnel du COET-MOF"),
}
REQUEST_KINDS = {
    "access": _l("accès (article 15)"),
    "rectification": _l("rectification (article 16)"),
    "erasure": _l("effacement (article 17)"),
    "portability": _l("portabilité (article 20)"),
    "restriction": _l("limitation (article 18)"),
    "objection": _l("opposition (article 21)"),
}
REQUEST_CHANNELS = {
    "self-service": _l("en ligne, depuis le centre de confidentialité"),
    "letter": _l("courrier"),
    "e-mail": _l("e-mail"),
    "in-person": _l("en personne"),
}
REQUEST_STATES = {
    "open": _l("en cours"),
    "due-soon": _l("à rendre sous 7 jours"),
    "overdue": _l("en retard"),
    "closed": _l("close"),
    "done": _l("traitée"),
    "withdrawn": _l("retirée"),
}
# The outcome the forum writes when it closes a request itself (an admin's is free text).
REQUEST_OUTCOMES = {
    "archive ready": _l("archive prête"),
    "cancelled by the member": _l("annulée par le membre"),
    "erased": _l("compte effacé"),
    "restricted": _l("traitement limité"),
    "restriction lifted": _l("limitation levée"),
}
# What became of a report, as its author is told (never who decided).
REPORT_OUTCOMES = {
    "hidden": _l("le message a été masqué"),
    "deleted": _l("le message a été supprimé"),
    "edited": _l("le message a été modifié par la modération"),
    "redacted": _l("un passage du message a été retiré"),
    "removed": _l("le message a été retiré de la conversation"),
    "guide_hidden": _l("la fiche a été masquée"),
    "dismissed": _l("la modération n'a pas retenu de manquement à la charte"),
}
# Each table, as the last mail of an erasure and the certificate name it.
TABLES = {
    "slug_redirects": _l("anciennes adresses de discussions"),
    "topics": _l("rubriques"),
    "trade_groups": _l("familles de métiers"),
    "users": _l("compte"),
    "bookmarks": _l("signets"),
    "follows": _l("discussions, sujets, métiers, fiches et événements suivis"),
    "reactions": _l("réactions aux messages"),
    "read_marks": _l("suivi de lecture des discussions"),
    "cache_generation": _l("numéro de version des pages en cache"),
    "thread_solutions": _l("solutions des discussions"),
    "post_photos": _l("photos des messages"),
    "glossary_terms": _l("lexique du concours"),
    "glossary_edits": _l("modifications du lexique"),
    "guides": _l("fiches pratiques"),
    "guide_revisions": _l("versions des fiches pratiques"),
    "events": _l("événements du calendrier"),
    "event_changes": _l("historique des événements du calendrier"),
    "event_trades": _l("métiers des événements du calendrier"),
    "conversations": _l("conversations privées"),
    "conversation_members": _l("participation aux conversations privées"),
    "messages": _l("messages privés"),
    "blocks": _l("membres bloqués"),
    "notice_settings": _l("préférences de notification"),
    "devices": _l("appareils connectés"),
    "login_events": _l("historique des connexions"),
    "moderation_actions": _l("décisions de modération"),
    "moderator_notes": _l("notes des modérateurs"),
    "personal_data_accesses": _l("consultations de données personnelles"),
    "threads": _l("discussions"),
    "trades": _l("métiers"),
    "appeals": _l("contestations"),
    "notifications": _l("notifications"),
    "posts": _l("messages"),
    "thread_redirects": _l("discussions déplacées ou fusionnées"),
    "thread_trades": _l("métiers des discussions"),
    "user_trades": _l("métiers du profil"),
    "post_revisions": _l("versions antérieures des messages"),
    "reports": _l("signalements"),
    "gdpr_certificates": _l("certificats d'effacement"),
    "gdpr_consent_events": _l("consentements"),
    "gdpr_erasures": _l("effacements"),
    "gdpr_exports": _l("exports de données"),
    "gdpr_hold_access": _l("demandes d'accès aux données conservées"),
    "gdpr_hold_readings": _l("lectures des données conservées"),
    "gdpr_hold_records": _l("données d'identification des publications"),
    "gdpr_purge_log": _l("journal de conservation"),
    "gdpr_requests": _l("demandes sur vos données"),
    "gdpr_review_tasks": _l("vérifications après effacement"),
    "gdpr_tombstones": _l("traces d'effacement"),
}
# What a held record (legal hold) is about: "post:42".
HELD_ITEMS = {
    "post": _l("message n° %(id)s"),
}
CONSENT_PURPOSES = {
    "terms": _l("conditions d'utilisation"),
    "privacy_policy": _l("politique de confidentialité"),
    "email_notifications": _l("notifications par e-mail"),
    "directory": _l("annuaire des candidats"),
    "profile.display_name": _l("nom affiché sur le profil"),
    "profile.trades": _l("métiers sur le profil"),
    "profile.region": _l("région sur le profil"),
    "profile.edition": _l("session sur le profil"),
    "profile.bio": _l("présentation sur le profil"),
}
BASES = {
    "contract": _l("exécution des conditions d'utilisation (article 6.1.b)"),
    "consent": _l("consentement (article 6.1.a)"),
    "legal_obligation": _l("obligation légale (article 6.1.c)"),
    "legitimate_interest": _l("intérêt légitime (article 6.1.f)"),
}
CATEGORIES = {
    "access log": _l("journal des accès"),
    "account": _l("compte"),
    "connection": _l("connexion"),
    "consent": _l("consentements"),
    "contact": _l("coordonnées"),
    "content": _l("contenus publiés"),
    "identity": _l("identité"),
    "legal": _l("procédure"),
    "moderation": _l("modération"),
    "preference": _l("préférences"),
    "profile": _l("profil"),
    "security": _l("sécurité"),
}
PURPOSES = {
    "account": _l("tenue du compte"),
    "account and attribution": _l("tenue du compte et signature des messages"),
    "account and notifications": _l("tenue du compte et envoi des e-mails"),
    "account security": _l("sécurité du compte"),
    "accountability of access to held data": _l(
        "traçabilité des accès aux données d'identification conservées"
    ),
    "accountability of access to personal data": _l(
        "traçabilité des accès des administrateurs aux données personnelles"
    ),
    "attribution": _l("signature des contenus"),
    "authentication": _l("authentification"),
    "bookmarks": _l("signets"),
    "unread tracking": _l("suivi des messages non lus"),
    "private messages": _l("messages privés"),
    "glossary": _l("tenue du lexique du concours"),
    "calendar": _l("calendrier du concours et des candidats"),
    "handling data-subject requests": _l("traitement des demandes sur vos données"),
    "identification of content authors (LCEN, décret 2021-1362)": _l(
        "identification des auteurs de contenus (LCEN, décret 2021-1362)"
    ),
    "interface language": _l("langue de l'interface"),
    "member profile": _l("profil du membre"),
    "moderation": _l("modération"),
    "notification": _l("notifications"),
    "optional purposes chosen": _l("choix des usages facultatifs"),
    "proof of consent and of acceptance of the terms": _l(
        "preuve des consentements et de l'acceptation des conditions"
    ),
    "publication": _l("publication des messages"),
    "restriction of processing": _l("limitation du traitement"),
    "signed-in devices": _l("appareils connectés"),
    "keeping erasures after a backup is restored": _l(
        "maintien des effacements après la restauration d'une sauvegarde"
    ),
    "finishing an erasure": _l("achèvement d'un effacement"),
}


# The moment a duration counts from, as the retention rule says (`Rule.since`).
SINCE = {
    "registration": _l("après l'inscription"),
    "deletion": _l("après sa suppression"),
    "preparation": _l("après sa préparation"),
    "last_activity": _l("sans connexion"),
    "account_end": _l("après la fin du compte"),
    "publication": _l("après la publication"),
    "login": _l("après la connexion"),
    "last_use": _l("sans utilisation"),
    "erasure": _l("après l'effacement"),
    "closing": _l("après la clôture de la demande"),
    "access": _l("après l'accès"),
    "decision": _l("après la décision"),
    "handling": _l("après son traitement"),
    "reading": _l("après sa lecture"),
    "erasure_end": _l("après l'effacement ou son annulation"),
    "writing": _l("après son écriture"),
}
# How long each class of data is kept: %(days)s and %(since)s come from the rule that applies
# it (its duration, the moment it counts from).
RETENTIONS = {
    "account": _l(
        "tant que le compte sert : %(days)s jours %(since)s, il est effacé (son titulaire est "
        "prévenu un mois avant)"
    ),
    "login_history": _l("%(days)s jours %(since)s"),
    "legal_hold": _l("%(days)s jours %(since)s, même si le compte est effacé avant"),
    "unverified_account": _l("%(days)s jours %(since)s si l'adresse n'est jamais confirmée"),
    "export_archive": _l("%(days)s jours %(since)s"),
    "deleted_post": _l("%(days)s jours %(since)s"),
    "consent_proof": _l("%(days)s jours %(since)s, comme preuve"),
    "request_proof": _l("%(days)s jours %(since)s, comme preuve"),
    "device": _l("%(days)s jours %(since)s"),
    "tombstone": _l(
        "%(days)s jours %(since)s, le temps qu'une sauvegarde puisse encore être restaurée"
    ),
    "review_task": _l("jusqu'à son traitement par un administrateur, puis %(days)s jours"),
    "moderation_log": _l("%(days)s jours %(since)s (une sanction encore en cours, jusqu'à sa fin)"),
    "access_log": _l("%(days)s jours %(since)s"),
    "erasure_proof": _l("%(days)s jours %(since)s"),
    "report": _l("%(days)s jours %(since)s par la modération"),
    "refused_event": _l("%(days)s jours %(since)s, pour une proposition refusée"),
    "notification": _l("%(days)s jours %(since)s"),
}
# What becomes of it when the account goes, if it outlives it.
AFTER_ACCOUNT = {
    "anonymise": _l("ensuite gardé sans lien avec vous"),
    "content": _l("ensuite publié sans votre nom, ou vidé, selon votre choix"),
}


def retention_statement(key: str, days: int, since: str, erasures: set[str]) -> str:
    """How long data of retention KEY is kept (DAYS, counted from SINCE), and (for what
    outlives the account) what it becomes, in the reader's language."""
    days_text = f"{days:,}".replace(",", "\u202f")
    statement = str(RETENTIONS[key]) % {"days": days_text, "since": SINCE[since]}
    if key == "account":
        after = [str(AFTER_ACCOUNT[mode]) for mode in sorted(erasures) if mode in AFTER_ACCOUNT]
        statement = " ; ".join([statement, *after])
    return statement


def label(table: dict, value: str) -> str:
    """The label of VALUE in TABLE, or VALUE itself (never a blank)."""
    return str(table.get(value, value))


def held_item(item: str) -> str:
    """A held record's item ("post:42") in words: « message n° 42 »."""
    kind, _, number = item.partition(":")
    return str(HELD_ITEMS[kind]) % {"id": number} if kind in HELD_ITEMS else item
