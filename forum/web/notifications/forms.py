"""The member's side of moderation: appeal a decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField

from forum.services import notifications
from forum.web import BaseForm
from forum.web.forms import choices


class AppealForm(BaseForm):
    text = TextAreaField(
        _l("Pourquoi contestez-vous cette décision ?"), render_kw={"rows": 5, "maxlength": 2000}
    )


class MarkReadForm(BaseForm):
    pass


class NoticeSettingsForm(BaseForm):
    """One choice per kind of notice (a field named after the kind), and how e-mails come."""

    digest = BooleanField(_l("Un seul e-mail par jour : le résumé de ma journée"))
    follow_on_post = BooleanField(_l("Suivre automatiquement les discussions où j'écris"))


for _kind, _spec in notifications.KINDS.items():
    setattr(
        NoticeSettingsForm,
        _kind,
        RadioField(_spec.label, choices=choices(notifications.CHANNELS.items())),
    )


class UnsubscribeForm(BaseForm):
    """Empty: the signed link is the key (RFC 8058 one-click posts carry no CSRF token)."""
