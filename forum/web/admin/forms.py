"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, SelectField, StringField, TextAreaField

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


class MemberSearchForm(BaseForm):
    """A GET form: nothing changes, so no CSRF token in the URL."""

    class Meta:
        csrf = False

    q = SearchField(_l("Début du nom d'utilisateur"), render_kw={"maxlength": 30})


REASON_LABEL = _l("Motif de la consultation (consigné au journal des accès)")
REASON_ATTRS = {"rows": 2, "maxlength": 500}


class RevealEmailForm(BaseForm):
    """One piece of a member's personal data, shown for a logged reason."""

    field = HiddenField(default="email", id="email-field")
    reason = TextAreaField(REASON_LABEL, id="email-reason", render_kw=REASON_ATTRS)


class RevealLoginsForm(BaseForm):
    field = HiddenField(default="login_ips", id="login-ips-field")
    reason = TextAreaField(REASON_LABEL, id="login-ips-reason", render_kw=REASON_ATTRS)


# Two forms on one page, each with its own `reason` field id, posted to the same route.
REVEAL_FORMS = {"email": RevealEmailForm, "login_ips": RevealLoginsForm}
