"""The web layer: helpers shared by every blueprint."""

from __future__ import annotations

from datetime import timedelta
from functools import cache as once_per_process
from urllib.parse import urlsplit

from babel import support
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_login.utils import decode_cookie
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from forum import cache, limits, policy
from forum.errors import InvalidInput
from forum.models import Device, Thread, User
from forum.services import devices, posting


def current_actor() -> User | None:
    """The real `User` behind `current_user`, or None for a visitor."""
    # Outside a request (mails rendered by a command, a job) there is no current user.
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


# How the login history names what is not a plain login (the member's page, an admin's).
SECURITY_EVENTS = {
    "two_factor_enabled": _l("double authentification activée"),
    "two_factor_replaced": _l("application de double authentification changée"),
    "two_factor_disabled": _l("double authentification désactivée"),
    "recovery_code_used": _l("connexion avec un code de secours"),
}


def thread_title(thread: Thread) -> str:
    """THREAD's title for this reader (`posting.title_for`)."""
    return posting.title_for(current_actor(), thread)


def thread_slug(thread: Thread) -> str:
    """The slug of THREAD's address for this reader: it spells the title, so it is masked too."""
    return thread.slug if policy.can_read_post_of(current_actor(), thread.author) else "discussion"


def current_device_id() -> int | None:
    """The signed-in device record of this browser's session, if any."""
    current_actor()  # loads the session, and with it the device
    return g.get("device_id")


def current_device() -> Device | None:
    actor = current_actor()
    return devices.get_device(actor, current_device_id()) if actor else None


def load_session(session_id: str) -> User | None:
    """Flask-Login's user loader: the member of a live device session, else nobody.

    A session whose device has ended (logout, "log out this device", a password change…) is
    refused, and so is a copy of its "remember me" cookie, which is then deleted.
    """
    # The page cache's key for this member is read in the same statement.
    device = devices.load_session(session_id, also=cache.member_state_columns)
    if device is None:
        session.pop("_user_id", None)
        if _remember_cookie_names(session_id):
            session["_remember"] = "clear"
        return None
    g.device_id = device.id
    cache.keep_member_state(device.also_read)
    return device.user


def _remember_cookie_names(session_id: str) -> bool:
    cookie = request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])
    return cookie is not None and decode_cookie(cookie) == session_id


def start_session(user: User, *, remember: bool = False) -> None:
    """Log USER in on a new device record with a fresh session: nothing carried over but the
    language (and a "remember me" cookie of an earlier login is dropped)."""
    device = devices.open_session(user, user_agent=request.user_agent.string, remember=remember)
    _issue_cookies(user, device)


def renew_session(user: User) -> None:
    """New cookies for this browser, once a security change (a new password, two-factor, the
    end of the other sessions) gave its device a new token: copies of the old ones die."""
    device = devices.get_device(user, g.get("device_id"))
    if device is not None:
        _issue_cookies(user, device)


def _issue_cookies(user: User, device: Device) -> None:
    locale = user.locale or session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    g.device_id = device.id
    days = current_app.config["REMEMBER_COOKIE_DAYS"]
    login_user(user, remember=device.remembered, duration=timedelta(days=days))
    # Flask-Login's "session identifier" is a hash of the IP address and the browser: it would
    # sit in a readable cookie, and the device record does its work.
    session.pop("_id", None)
    if not device.remembered and current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies:
        session["_remember"] = "clear"


def end_session() -> None:
    """Log this browser out for real: its device record goes, and both its cookies with it."""
    actor, device_id = current_actor(), g.get("device_id")
    if actor is not None and device_id is not None:
        devices.end_session(actor, device_id)
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clear(): it leaves the order to delete the "remember me" cookie
    if locale:
        session["locale"] = locale
    g.pop("device_id", None)


def safe_next(target: str | None, default: str) -> str:
    """TARGET if it is a path on this site, DEFAULT otherwise (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def _without_nul(value: object) -> object:
    # PostgreSQL refuses NUL in text and no person types one: drop it from every field.
    return value.replace("\x00", "") if isinstance(value, str) else value


@once_per_process
def _wtforms_messages(locale: str) -> support.Translations:
    """WTForms' own messages (a required field, a wrong choice) in LOCALE, read once a
    process: Flask-WTF reads the catalogue from disk again in every request with a form."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    """A form that can show a service's InvalidInput next to the right field."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_messages(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            options["filters"] = [*options.get("filters", ()), _without_nul]
            return unbound_field.bind(form=form, **options)

        def render_field(self, field, render_kw):
            """Echo at most the field's maximum length: the service still sees, and refuses,
            what was sent; the page does not send a huge input back."""
            data, cap = field.data, limits.echo_max(field.name)
            if not (isinstance(data, str) and len(data) > cap):
                return super().render_field(field, render_kw)
            field.data = data[:cap]
            try:
                return super().render_field(field, render_kw)
            finally:
                field.data = data

    def add_error(self, error: InvalidInput) -> None:
        for name, message in error.errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
