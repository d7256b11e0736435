"""Domain errors raised by services, and the error pages they become."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound
from wtforms import ValidationError

from forum import limits
from forum.extensions import db, login_manager

log = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The actor may not do this: a 403 page."""


class InvalidInput(Exception):
    """Values the user typed break a rule: each message is shown next to its field."""

    def __init__(self, field: str, message: str, *, more: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.errors = {field: message, **(more or {})}

    @classmethod
    def collect(cls, problems: dict[str, str | None]) -> InvalidInput | None:
        """One error for every field of PROBLEMS that has a message, or None."""
        found = {field: message for field, message in problems.items() if message}
        if not found:
            return None
        (field, message), *rest = found.items()
        return cls(field, message, more=dict(rest))


TITLES = {
    400: _l("Requête invalide"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    413: _l("Envoi trop volumineux"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur du serveur"),
    503: _l("Service momentanément indisponible"),
}
MESSAGES = {
    400: _l("La demande n'a pas pu être comprise. Revenez en arrière et réessayez."),
    403: _l("Vous n'avez pas le droit d'accéder à cette page ou de faire cette action."),
    404: _l("Cette page n'existe pas, ou plus. Vérifiez l'adresse ou repartez de l'accueil."),
    405: _l("Cette adresse ne s'utilise pas de cette façon."),
    413: _l(
        "Ce que vous avez envoyé est trop volumineux. Revenez en arrière : votre texte est "
        "encore dans le formulaire de votre navigateur ; raccourcissez-le ou retirez des photos."
    ),
    429: _l(
        "Vous avez fait trop de tentatives en peu de temps. "
        "Patientez quelques minutes avant de réessayer."
    ),
    500: _l("Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez plus tard."),
    503: _l(
        "Le forum ne peut pas répondre pour le moment. Réessayez dans quelques minutes : "
        "ce que vous aviez saisi est toujours dans le formulaire si vous revenez en arrière."
    ),
}
CSRF_MESSAGE = _l(
    "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
    "Revenez en arrière, rechargez la page et envoyez-le de nouveau."
)


def error_page(status: int, message: str | None = None, *, forged: bool = False):
    """Render the French error page for STATUS (JSON for /healthz-like API callers).

    A refused POST that carried a text (a post, a title, a bio) gets that text back. Ready to
    send again only if the request carried this browser's valid CSRF token (a 429, a 503):
    a FORGED one (refused by the CSRF check) shows the text read-only, to copy, with a link
    to the empty form, so that one click cannot send what another site prepared.
    """
    if request.accept_mimetypes.best == "application/json":
        return jsonify(status=status, error=str(TITLES.get(status, status))), status
    draft = None if status == 413 else _draft()  # a body refused for its size is never read
    resend = draft is not None and not forged and _carried_a_valid_token()
    return (
        render_template(
            "errors/draft.html" if draft else "errors/error.html",
            fields=draft,
            resend=resend,
            form_url=_form_url(),
            status=status,
            title=TITLES.get(status, TITLES[500]),
            message=message or MESSAGES.get(status, MESSAGES[500]),
        ),
        status,
    )


SECRET_FIELDS = {"csrf_token", "password", "current_password"}
LONG_FIELDS = {"body", "title", "bio"}


def _draft() -> list[tuple[str, str, bool]] | None:
    """What a refused POST carried (never passwords), to give it back: (name, value, long),
    each value cut at its field's maximum length."""
    if request.method != "POST":
        return None
    try:
        form = request.form
    except HTTPException:  # too large, or malformed: there is nothing to give back
        return None
    fields = [
        (name, value[: limits.echo_max(name)], name in LONG_FIELDS)
        for name, values in form.lists()
        if name not in SECRET_FIELDS
        for value in values
    ]
    return fields if any(long and value.strip() for _, value, long in fields) else None


def _carried_a_valid_token() -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True  # nothing is checked in this configuration: nothing more to protect
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _form_url() -> str:
    """The page of the refused form, opened afresh (GET), or the home page."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(request.path, method="GET")
    except (NotFound, MethodNotAllowed):
        return url_for("main.home")
    except HTTPException:  # a redirect: the page exists under this address too
        pass
    return request.path


def register_error_handlers(app: Flask) -> None:
    """Turn every failure into a French page with the right status, never a raw trace."""

    @app.errorhandler(NotAllowed)
    def not_allowed(_error: NotAllowed):
        return error_page(403)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_page(400, str(CSRF_MESSAGE), forged=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        log.error("database unavailable: %s", type(error).__name__)
        try:
            db.session.rollback()
        except Exception:  # the database is gone: nothing to roll back to
            log.debug("rollback failed", exc_info=True)
        # The page must not ask the database who is logged in.
        g._login_user = login_manager.anonymous_user()
        return error_page(503)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        db.session.rollback()
        return error_page(500)
