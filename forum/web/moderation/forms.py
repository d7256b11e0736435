"""Moderation forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import Optional

from forum.web import BaseForm
from forum.web.forms import choices

REASONS = [
    ("spam", _l("Spam ou publicité")),
    ("harassment", _l("Harcèlement ou insulte")),
    ("off_topic", _l("Hors sujet")),
    ("personal_data", _l("Données personnelles exposées")),
    ("cheating", _l("Triche, vente de sujets d'épreuve")),
    ("other", _l("Autre")),
]


class ReportForm(BaseForm):
    reason = RadioField(_l("Raison"), choices=choices(REASONS), validate_choice=False)
    comment = TextAreaField(_l("Précisions (facultatif)"), render_kw={"rows": 3})


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Raison (envoyée au membre concerné)"), render_kw={"rows": 2})


class SanctionForm(BaseForm):
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
    reason = TextAreaField(_l("Raison (envoyée au membre concerné)"), render_kw={"rows": 2})


class NoteForm(BaseForm):
    text = TextAreaField(
        _l("Note (visible des modérateurs, et du membre dans son export)"), render_kw={"rows": 2}
    )


class RedactForm(BaseForm):
    passage = TextAreaField(_l("Passage à retirer (copié tel quel)"), render_kw={"rows": 2})
    reason = TextAreaField(_l("Raison (envoyée au membre concerné)"), render_kw={"rows": 2})
