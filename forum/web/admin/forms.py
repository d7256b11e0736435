"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from forum.web import BaseForm
from forum.web.forms import optional_int


class NameForm(BaseForm):
    name = StringField(_l("Nom"), render_kw={"maxlength": 160})
    description = TextAreaField(_l("Description"), render_kw={"rows": 2})


class NewTradeForm(NameForm):
    group = SelectField(_l("Groupe de métiers"), coerce=optional_int, validate_choice=False)


class MergeForm(BaseForm):
    source = SelectField(_l("Fusionner"), coerce=optional_int, validate_choice=False)
    target = SelectField(_l("Fusionner dans"), coerce=optional_int, validate_choice=False)


class ActionForm(BaseForm):
    """Empty: a POST with its CSRF token."""
