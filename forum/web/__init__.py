"""The web layer: helpers shared by every blueprint."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_login import current_user
from flask_wtf import FlaskForm

from forum.errors import InvalidInput
from forum.models import User


def current_actor() -> User | None:
    """The real `User` behind `current_user`, or None for a visitor."""
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


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


class BaseForm(FlaskForm):
    """A form that can show a service's InvalidInput next to the right field."""

    def add_error(self, error: InvalidInput) -> None:
        for name, message in error.errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
