"""Forms of the forum: shape of the input only; rules live in services/posting.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from forum.services import taxonomy
from forum.web import BaseForm
from forum.web.forms import choices, optional_int


class PlacementForm(BaseForm):
    """Where a thread stands: one topic, up to three trades (opening it, or a moderator's move)."""

    topic = SelectField(_l("Sujet"), coerce=optional_int, validate_choice=False)
    trades = SelectMultipleField(
        _l("Métiers concernés (trois au plus, facultatif)"),
        coerce=optional_int,
        validate_choice=False,
        render_kw={"size": 8},
    )

    def with_choices(self, *, placeholder: str | None = None):
        """Offer the active topics (after PLACEHOLDER, if any) and trades."""
        topics = [(topic.id, topic.name) for topic in taxonomy.list_topics()]
        self.topic.choices = choices(([("", placeholder)] if placeholder else []) + topics)
        self.trades.choices = choices((trade.id, trade.name) for trade in taxonomy.list_trades())
        return self

    def trade_ids(self) -> list[int]:
        return [trade_id for trade_id in self.trades.data or [] if trade_id]


PHOTOS_LABEL = _l("Photos de votre travail (quatre au plus : JPEG, PNG ou WebP)")
PHOTO_TYPES = {"accept": "image/jpeg,image/png,image/webp"}


class ThreadForm(PlacementForm):
    title = StringField(_l("Titre"), render_kw={"maxlength": 150, "autocomplete": "off"})
    body = TextAreaField(_l("Message"), render_kw={"rows": 12, "data-draft": "1"})
    photos = MultipleFileField(PHOTOS_LABEL, render_kw=PHOTO_TYPES)


class ReplyForm(BaseForm):
    body = TextAreaField(_l("Votre réponse"), render_kw={"rows": 8, "data-draft": "1"})
    quote_of = HiddenField()
    photos = MultipleFileField(PHOTOS_LABEL, render_kw=PHOTO_TYPES)


class EditPostForm(BaseForm):
    body = TextAreaField(_l("Message"), render_kw={"rows": 12, "data-draft": "1"})
    version = HiddenField()


class DeletePostForm(BaseForm):
    """Empty: a POST with its CSRF token."""


class ReactionForm(BaseForm):
    kind = HiddenField()  # "merci" or "utile"


class SolutionForm(BaseForm):
    post_id = HiddenField()  # empty: the thread has no solution any more


class FollowForm(BaseForm):
    follow = HiddenField()  # "1": follow, anything else: stop


class MarkAllReadForm(BaseForm):
    """`topic` or `trade` (a slug), or neither: everywhere."""

    topic = HiddenField()
    trade = HiddenField()
