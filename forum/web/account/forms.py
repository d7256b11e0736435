"""Forms of the member's own pages (/me/…)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from forum.services.two_factor import CODE_MAX_LENGTH
from forum.web import BaseForm
from forum.web.auth.forms import PASSWORD_FIELD_MAX, REQUIRED, TOO_LONG, new_password_field
from forum.web.forms import optional_int


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[InputRequired(REQUIRED), Length(max=PASSWORD_FIELD_MAX, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("Nouveau mot de passe"))


class EndSessionsForm(BaseForm):
    """Empty: a POST with its CSRF token."""


class ProfileForm(BaseForm):
    display_name = StringField(_l("Nom affiché"), render_kw={"maxlength": 60})
    trades = SelectMultipleField(
        _l("Vos métiers (trois au plus)"),
        coerce=optional_int,
        validate_choice=False,
        render_kw={"size": 8},
    )
    region = SelectField(_l("Région"), validate_choice=False)
    edition = SelectField(_l("Session du concours"), coerce=optional_int, validate_choice=False)
    bio = TextAreaField(_l("Présentation (Markdown)"), render_kw={"rows": 6})
    show_display_name = BooleanField(_l("Montrer mon nom affiché sur mon profil"))
    show_trades = BooleanField(_l("Montrer mes métiers sur mon profil"))
    show_region = BooleanField(_l("Montrer ma région sur mon profil"))
    show_edition = BooleanField(_l("Montrer ma session sur mon profil"))
    show_bio = BooleanField(_l("Montrer ma présentation sur mon profil"))


def _proof_fields(prefix: str) -> tuple[PasswordField, StringField]:
    """The password and code fields of a two-factor change; ids apart, the page has several."""
    password = PasswordField(
        _l("Mot de passe actuel"),
        id=f"{prefix}-password",
        validators=[Length(max=PASSWORD_FIELD_MAX, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code à 6 chiffres de l'application actuelle, ou code de secours"),
        id=f"{prefix}-code",
        validators=[Length(max=CODE_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    return password, code


class TwoFactorStartForm(BaseForm):
    """Enrol, or replace the app: the password, and a current code once two-factor is on."""

    current_password, code = _proof_fields("two-factor")


class TwoFactorSetupForm(BaseForm):
    code = StringField(
        _l("Code à 6 chiffres affiché par l'application"),
        validators=[Length(max=CODE_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class TwoFactorDisableForm(BaseForm):
    """Turn two-factor off: the password and a current code (or a recovery code)."""

    current_password, code = _proof_fields("disable")
