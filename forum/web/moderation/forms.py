"""Moderation forms. Every action carries its statement of reasons: reason, rule, detection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from forum import charter
from forum.web import BaseForm
from forum.web.forms import choices, optional_int
from forum.web.forum.forms import PlacementForm

REASONS = [
    ("spam", _l("Spam ou publicité")),
    ("harassment", _l("Harcèlement ou insulte")),
    ("off_topic", _l("Hors sujet")),
    ("personal_data", _l("Données personnelles exposées")),
    ("cheating", _l("Triche, vente de sujets d'épreuve")),
    ("other", _l("Autre")),
]
REASON_LABELS = dict(REASONS)


def rule_choices():
    return choices(
        [("", _l("— aucune règle précise —"))]
        + [
            (rule.key, _l("Règle %(n)d : %(title)s", n=rule.number, title=rule.title))
            for rule in charter.RULES.values()
        ]
    )


DETECTION_CHOICES = [
    ("moderator", _l("Constaté par un modérateur")),
    ("report", _l("Signalé par un membre")),
]


class ReportForm(BaseForm):
    reason = RadioField(_l("Raison"), choices=choices(REASONS), validate_choice=False)
    comment = TextAreaField(_l("Précisions (facultatif)"), render_kw={"rows": 3})


def scope(form: BaseForm, key: str) -> BaseForm:
    """Give FORM's fields ids of their own, for several forms on one page (names unchanged)."""
    for field in form:
        field.id = f"{key}-{field.name}"
        field.label.field_id = field.id
    return form


class StatementForm(BaseForm):
    """The statement of reasons the member concerned receives."""

    reason = TextAreaField(_l("Raison (envoyée au membre concerné)"), render_kw={"rows": 2})
    rule = SelectField(_l("Règle de la charte"), validate_choice=False)
    detection = SelectField(
        _l("Comment le problème a été repéré"),
        choices=choices(DETECTION_CHOICES),
        validate_choice=False,
    )
    next = HiddenField()

    def __init__(self, *args, key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()
        if key:
            scope(self, key)


class SanctionForm(StatementForm):
    kind = SelectField(
        _l("Sanction"),
        choices=choices(
            [
                ("warn", _l("Avertissement")),
                ("suspend", _l("Suspension (ne peut plus publier)")),
                ("ban", _l("Exclusion (sans durée : définitive)")),
                ("lift", _l("Lever la sanction")),
            ]
        ),
        validate_choice=False,
    )
    days = IntegerField(_l("Durée en jours"), validators=[Optional()])


class NoteForm(BaseForm):
    text = TextAreaField(
        _l("Note (visible des modérateurs, et du membre dans son export)"), render_kw={"rows": 2}
    )


class RedactForm(StatementForm):
    passage = TextAreaField(_l("Passage à retirer (copié tel quel)"), render_kw={"rows": 2})


class ModeratorEditForm(StatementForm):
    body = TextAreaField(_l("Message"), render_kw={"rows": 12})
    version = HiddenField()


class MoveForm(StatementForm, PlacementForm):
    pass


class MergeForm(StatementForm):
    target = StringField(
        _l("Discussion qui accueille les messages (numéro ou adresse)"),
        render_kw={"autocomplete": "off", "inputmode": "url"},
    )


class SplitForm(StatementForm):
    title = StringField(_l("Titre de la nouvelle discussion"), render_kw={"maxlength": 150})
    posts = SelectMultipleField(
        _l("Messages à déplacer"), coerce=optional_int, validate_choice=False
    )


class DecideAppealForm(BaseForm):
    decision = RadioField(
        _l("Décision"),
        choices=choices(
            [
                ("upheld", _l("Maintenir la décision")),
                ("overturned", _l("Annuler la décision")),
            ]
        ),
        validate_choice=False,
    )
    reason = TextAreaField(_l("Raison (envoyée au membre)"), render_kw={"rows": 3})
