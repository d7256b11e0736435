"""Forms of the accounts area: shape of the input only, the rules live in services/accounts.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from forum import passwords, usernames
from forum.services.accounts import EMAIL_MAX_LENGTH
from forum.services.two_factor import CODE_MAX_LENGTH
from forum.web import BaseForm

REQUIRED = _l("Ce champ est obligatoire.")
TOO_LONG = _l("Ce champ ne peut pas dépasser %(max)d caractères.")
# What a login or password field may hold before we stop reading: long passphrases welcome.
PASSWORD_FIELD_MAX = passwords.MAX_LENGTH


def new_password_field(label: str, *, required: bool = True) -> PasswordField:
    validators = [Length(max=PASSWORD_FIELD_MAX, message=TOO_LONG)]
    if required:
        validators.insert(0, InputRequired(REQUIRED))
    return PasswordField(
        label,
        validators=validators,
        render_kw={
            "autocomplete": "new-password",
            "minlength": passwords.MIN_LENGTH,
            "maxlength": PASSWORD_FIELD_MAX,
            "data-strength": "on",
            "required": True,
        },
    )


class RegisterForm(BaseForm):
    """Every field is checked by the service at once, so all problems show together."""

    email = EmailField(
        _l("Adresse e-mail"),
        validators=[Length(max=EMAIL_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "email", "inputmode": "email", "required": True},
    )
    username = StringField(
        _l("Nom d'utilisateur"),
        validators=[Length(max=usernames.MAX_LENGTH, message=TOO_LONG)],
        render_kw={
            "autocomplete": "username",
            "maxlength": usernames.MAX_LENGTH,
            "autocapitalize": "none",
            "required": True,
        },
    )
    password = new_password_field(_l("Mot de passe"), required=False)
    accept_terms = BooleanField(
        _l("J'accepte les conditions d'utilisation et la politique de confidentialité"),
        render_kw={"required": True},
    )


class LoginForm(BaseForm):
    login = StringField(
        _l("Adresse e-mail ou nom d'utilisateur"),
        validators=[DataRequired(REQUIRED), Length(max=EMAIL_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[InputRequired(REQUIRED), Length(max=PASSWORD_FIELD_MAX, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class EmailForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(REQUIRED), Length(max=EMAIL_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


class ResetForm(BaseForm):
    password = new_password_field(_l("Nouveau mot de passe"))


class LogoutForm(BaseForm):
    """Empty: logging out is a POST with its CSRF token."""


class TwoFactorForm(BaseForm):
    code = StringField(
        _l("Code à 6 chiffres de votre application, ou code de secours"),
        validators=[DataRequired(REQUIRED), Length(max=CODE_MAX_LENGTH, message=TOO_LONG)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "none",
        },
    )
