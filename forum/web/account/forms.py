"""Forms of the member's own pages (/me/…)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from forum.web import BaseForm
from forum.web.auth.forms import PASSWORD_FIELD_MAX, REQUIRED, TOO_LONG, new_password_field


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[InputRequired(REQUIRED), Length(max=PASSWORD_FIELD_MAX, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("Nouveau mot de passe"))


class EndSessionsForm(BaseForm):
    """Empty: a POST with its CSRF token."""
