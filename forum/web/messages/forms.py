"""Private conversations: shape of the input only; rules live in services/messages.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from forum.web import BaseForm


class ConversationForm(BaseForm):
    to = StringField(
        _l("À (noms d'utilisateur, séparés par des virgules ; neuf au plus)"),
        render_kw={"autocomplete": "off", "maxlength": 400},
    )
    title = StringField(_l("Objet"), render_kw={"maxlength": 150, "autocomplete": "off"})
    body = TextAreaField(_l("Message"), render_kw={"rows": 8, "data-draft": "1"})


class MessageForm(BaseForm):
    body = TextAreaField(_l("Votre message"), render_kw={"rows": 6, "data-draft": "1"})


class AcceptingForm(BaseForm):
    accepts_messages = BooleanField(_l("Les autres membres peuvent m'écrire en privé"))


class BlockForm(BaseForm):
    block = HiddenField()  # "1": block, anything else: lift the block
