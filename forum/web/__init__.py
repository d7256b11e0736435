"""The web layer: helpers shared by every blueprint."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, session
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from forum.errors import InvalidInput
from forum.models import User


def current_actor() -> User | None:
    """The real `User` behind `current_user`, or None for a visitor."""
    # Outside a request (mails rendered by a command, a job) there is no current user.
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def start_session(user: User, *, remember: bool = False) -> None:
    """Log USER in with a fresh session: nothing carried over but the language."""
    locale = session.get("locale")
    session.clear()
    if user.locale or locale:
        session["locale"] = user.locale or locale
    days = current_app.config["REMEMBER_COOKIE_DAYS"]
    login_user(user, remember=remember, duration=timedelta(days=days))


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


class BaseForm(FlaskForm):
    """A form that can show a service's InvalidInput next to the right field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            options["filters"] = [*options.get("filters", ()), _without_nul]
            return unbound_field.bind(form=form, **options)

    def add_error(self, error: InvalidInput) -> None:
        for name, message in error.errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
