"""The forum's charter and the statement of reasons every moderation decision comes with.

The rules are numbered and stable: the moderation log stores their key, the charter page
(/charter) shows them, and a statement of reasons names the one applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import LazyString, format_date
from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from forum.models import ModerationAction


@dataclass(frozen=True)
class Rule:
    key: str
    number: int
    title: LazyString
    text: LazyString


RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "respect",
            1,
            _l("Respect des personnes"),
            _l(
                "Pas d'insulte, de harcèlement, de moquerie ni de propos discriminatoires. "
                "On critique un travail ou une idée, jamais une personne."
            ),
        ),
        Rule(
            "privacy",
            2,
            _l("Vie privée d'autrui"),
            _l(
                "Ne publiez pas de données personnelles d'une autre personne (nom d'un juré ou "
                "d'un candidat, coordonnées, photo, situation) sans son accord."
            ),
        ),
        Rule(
            "fairness",
            3,
            _l("Loyauté du concours"),
            _l(
                "Pas de vente, d'achat ni d'échange de sujets d'épreuve, ni de travaux destinés "
                "au jury ; pas d'aide qui fausserait l'épreuve."
            ),
        ),
        Rule(
            "advertising",
            4,
            _l("Pas de publicité"),
            _l("Pas de spam, de démarchage commercial ni de liens promotionnels répétés."),
        ),
        Rule(
            "on_topic",
            5,
            _l("Le bon endroit"),
            _l(
                "Restez dans le sujet de la discussion ; ouvrez une discussion dans le sujet et "
                "les métiers qui lui correspondent ; pas de doublon."
            ),
        ),
        Rule(
            "law",
            6,
            _l("Respect de la loi"),
            _l(
                "Pas de contenu illicite : diffamation, contrefaçon, atteinte au droit d'auteur "
                "ou au droit à l'image, incitation à la haine."
            ),
        ),
        Rule(
            "one_account",
            7,
            _l("Un compte par personne"),
            _l("Pas de second compte, d'usurpation d'identité ni de contournement d'une sanction."),
        ),
    )
}

# The rule a report's reason usually points to: the moderator's form starts from it.
RULE_OF_REPORT = {
    "spam": "advertising",
    "harassment": "respect",
    "off_topic": "on_topic",
    "personal_data": "privacy",
    "cheating": "fairness",
}


def rule_for_reports(reasons: Iterable[str]) -> str | None:
    """The rule most of REASONS (reports' reasons) point to: where a moderator's form starts."""
    counted = Counter(RULE_OF_REPORT[reason] for reason in reasons if reason in RULE_OF_REPORT)
    return counted.most_common(1)[0][0] if counted else None


DETECTIONS: dict[str, LazyString] = {
    "report": _l("le signalement d'un membre"),
    "moderator": _l("la lecture d'un modérateur"),
    "approval": _l("la relecture des premiers messages d'un nouveau membre"),
    "appeal": _l("votre contestation"),
}

# What the member concerned is told was done. Actions not listed here concern nobody in
# particular (pin, dismiss a report…) and are only logged.
STATEMENTS: dict[str, LazyString] = {
    "hide_post": _l("Votre message a été masqué."),
    "restore_post": _l("Votre message est de nouveau visible."),
    "delete_post": _l("Votre message a été supprimé par la modération."),
    "edit_post": _l("Votre message a été modifié par la modération."),
    "redact_post": _l("Un passage de votre message a été retiré."),
    "remove_message": _l("Un de vos messages privés a été retiré de sa conversation."),
    "approve_post": _l("Votre message a été validé : il est publié."),
    "reject_post": _l("Votre message n'a pas été validé : il n'est pas publié."),
    "lock_thread": _l("Votre discussion a été fermée : on ne peut plus y répondre."),
    "unlock_thread": _l("Votre discussion est rouverte."),
    "move_thread": _l("Votre discussion a été déplacée (sujet ou métiers)."),
    "split_thread": _l("Des messages de votre discussion ont été déplacés dans une nouvelle."),
    "merge_thread": _l("Votre discussion a été fusionnée avec une autre."),
    "warn": _l("Vous recevez un avertissement de la modération."),
    "suspend": _l("Vous ne pouvez plus publier pendant un temps."),
    "ban": _l(
        "Vous êtes exclu du forum : vous pouvez lire et exercer vos droits sur vos données, "
        "mais plus publier."
    ),
    "lift": _l("Votre sanction est levée : vous pouvez de nouveau publier."),
    "appeal_upheld": _l("Votre contestation a été examinée : la décision est maintenue."),
    "appeal_overturned": _l("Votre contestation a été examinée : la décision est annulée."),
    "replace_residue": _l(
        "Le nom d'un membre dont le compte est effacé a été remplacé par « Ancien membre » "
        "dans votre texte."
    ),
}

# Decisions against a member's content or account: they name a rule and can be appealed.
APPEALABLE = frozenset(
    {
        "hide_post",
        "delete_post",
        "edit_post",
        "redact_post",
        "remove_message",
        "reject_post",
        "lock_thread",
        "move_thread",
        "split_thread",
        "merge_thread",
        "warn",
        "suspend",
        "ban",
    }
)
APPEAL_DAYS = 30  # a decision can be contested for a month
SANCTIONS = frozenset({"warn", "suspend", "ban"})
# Overturning these undoes them (moderation._undo); the others are put back by hand.
UNDONE_ON_APPEAL = frozenset(
    {"hide_post", "delete_post", "reject_post", "lock_thread", "suspend", "ban", "warn"}
)


@dataclass(frozen=True)
class Statement:
    """What a member is told about a decision concerning them, in the reader's language."""

    what: LazyString | str
    reason: str
    rule: Rule | None
    detection: LazyString | None
    ends: str | None


def statement(action: ModerationAction) -> Statement:
    """The statement of reasons of ACTION, in the language of whoever reads it."""
    ends = None
    if action.ends_at is not None and action.ends_at.year < 9999:  # not a permanent ban
        ends = format_date(action.ends_at, "long")
    return Statement(
        what=STATEMENTS.get(action.action, action.action),
        reason=action.reason,
        rule=RULES.get(action.rule or ""),
        detection=DETECTIONS.get(action.detection or ""),
        ends=ends,
    )


def appeal_deadline(action: ModerationAction) -> datetime:
    return action.created_at + timedelta(days=APPEAL_DAYS)
