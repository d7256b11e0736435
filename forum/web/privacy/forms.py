"""Forms of the privacy centre and of the requests register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from forum.web import BaseForm
from forum.web.forms import choices
from gdpr.requests import CHANNELS, KINDS


class EraseForm(BaseForm):
    password = PasswordField(
        _l("Votre mot de passe"), render_kw={"autocomplete": "current-password"}
    )
    content = RadioField(
        _l("Vos messages"),
        choices=choices(
            [
                ("anonymise", _l("Les garder, signés « Ancien membre »")),
                ("delete", _l("Les supprimer (un repère « message supprimé » reste à leur place)")),
            ]
        ),
        validate_choice=False,
        default="anonymise",
    )


class ActionForm(BaseForm):
    """Empty: a POST with its CSRF token."""


class KeepResidueForm(BaseForm):
    reason = StringField(
        _l("Pourquoi le garder (sans reprendre le nom)"), render_kw={"maxlength": 500}
    )


class RequestForm(BaseForm):
    kind = SelectField(
        _l("Type de demande"), choices=choices((k, k) for k in KINDS), validate_choice=False
    )
    channel = SelectField(
        _l("Reçue par"), choices=choices((c, c) for c in CHANNELS), validate_choice=False
    )
    received_on = StringField(_l("Reçue le (AAAA-MM-JJ)"), render_kw={"inputmode": "numeric"})
    details = TextAreaField(_l("Qui, et comment lui répondre"), render_kw={"rows": 3})


class CloseRequestForm(BaseForm):
    outcome = StringField(_l("Résultat"), render_kw={"maxlength": 500})


class ExtendRequestForm(BaseForm):
    reason = StringField(_l("Motif de la prolongation"), render_kw={"maxlength": 500})


class ConsentForm(BaseForm):
    purpose = HiddenField()
    given = HiddenField()


class AcceptPoliciesForm(BaseForm):
    accept_terms = BooleanField(
        _l("J'accepte les conditions d'utilisation et la politique de confidentialité"),
        render_kw={"required": True},
    )


class HoldAccessForm(BaseForm):
    post_id = StringField(_l("Numéro du message"), render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Motif (réquisition, référence…)"), render_kw={"rows": 3})


class RestrictionForm(BaseForm):
    username = StringField(_l("Nom d'utilisateur"))
    reason = TextAreaField(_l("Motif"), render_kw={"rows": 2})
