"""Forms of the forum: shape of the input only; rules live in services/posting.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from forum.web import BaseForm
from forum.web.forms import optional_int


class ThreadForm(BaseForm):
    title = StringField(_l("Titre"), render_kw={"maxlength": 150, "autocomplete": "off"})
    topic = SelectField(_l("Sujet"), coerce=optional_int, validate_choice=False)
    trades = SelectMultipleField(
        _l("Métiers concernés (trois au plus, facultatif)"),
        coerce=optional_int,
        validate_choice=False,
        render_kw={"size": 8},
    )
    body = TextAreaField(_l("Message"), render_kw={"rows": 12})


class ReplyForm(BaseForm):
    body = TextAreaField(_l("Votre réponse"), render_kw={"rows": 8})
    quote_of = HiddenField()


class EditPostForm(BaseForm):
    body = TextAreaField(_l("Message"), render_kw={"rows": 12})
    version = HiddenField()


class DeletePostForm(BaseForm):
    """Empty: a POST with its CSRF token."""
