"""The member's side of moderation: appeal a decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from forum.web import BaseForm


class AppealForm(BaseForm):
    text = TextAreaField(
        _l("Pourquoi contestez-vous cette décision ?"), render_kw={"rows": 5, "maxlength": 2000}
    )


class MarkReadForm(BaseForm):
    pass
