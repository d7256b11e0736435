"""L'Établi: the candidates' own forum for the "Un des Meilleurs Ouvriers de France" competition."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from forum import cache, charter, cli, jobs, labels, markup, policy, search_index
from forum.errors import register_error_handlers
from forum.extensions import babel, csrf, db, limiter, login_manager, migrate
from forum.services import (
    accounts,
    bookmarks,
    exports,
    messages,
    moderation,
    notifications,
    reading,
    taxonomy,
)
from forum.web import (
    SECURITY_EVENTS,
    account,
    admin,
    auth,
    current_actor,
    load_session,
    main,
    thread_slug,
    thread_title,
)
from forum.web import calendar as calendar_web
from forum.web import forum as forum_web
from forum.web import glossary as glossary_web
from forum.web import guides as guides_web
from forum.web import messages as messages_web
from forum.web import moderation as moderation_web
from forum.web import notifications as notifications_web
from forum.web import privacy as privacy_web
from forum.web.forms import IdConverter
from gdpr import files

__all__ = ["create_app"]

MIGRATIONS = settings.PROJECT_ROOT / "migrations"

# No third-party origin, no inline script, no framing (DESIGN: nothing loaded from elsewhere).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is `Secure` whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; CONFIG overrides the environment (tests, tools)."""
    values = settings.load(config)
    app = Flask(
        __name__,
        instance_path=values["INSTANCE_PATH"],
        template_folder=str(settings.PROJECT_ROOT / "templates"),
        static_folder=str(settings.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(values)
    files.private_folder(Path(app.instance_path))  # secrets, database, outbox, archives
    _create_private_database(app.config["SQLALCHEMY_DATABASE_URI"])
    app.url_map.converters["int"] = IdConverter
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_COOKIE_DAYS"])
    app.session_interface = SessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    # Registered first, so it runs last: after Flask-Login has set its cookie.
    app.after_request(_security_headers)
    # Registered first, so it runs first: before the CSRF check and the rate limits read a form.
    app.before_request(_limit_form_size)
    _init_extensions(app)
    for blueprint in (
        main.bp,
        auth.bp,
        account.bp,
        forum_web.bp,
        admin.bp,
        privacy_web.bp,
        moderation_web.bp,
        notifications_web.bp,
        messages_web.bp,
        glossary_web.bp,
        guides_web.bp,
        calendar_web.bp,
    ):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    cli.register(app)
    app.context_processor(lambda: {"current_locale": str(get_locale()), "actor": current_actor()})
    app.jinja_env.globals["policy"] = policy
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals.update(
        thread_title=thread_title, thread_slug=thread_slug, security_events=SECURITY_EVENTS
    )
    app.jinja_env.filters["without_leading_quote"] = markup.without_leading_quote
    app.jinja_env.globals["statement"] = charter.statement
    app.jinja_env.globals["unread_notifications"] = notifications.count_unread
    app.jinja_env.globals["bookmarked"] = bookmarks.kept_ids
    app.jinja_env.globals["unread_messages"] = messages.count_unread
    app.jinja_env.globals["trade_groups"] = taxonomy.list_groups
    app.jinja_env.globals["new_posts"] = lambda threads: reading.with_new_posts(
        current_actor(), threads
    )
    app.jinja_env.globals["moderation_waiting"] = moderation.waiting
    if not app.testing:
        _settle_long_lived_objects(app)
    return app


# Requests after which what the warm-up built (templates, compiled SQL, translations) is in.
SETTLED_AFTER_REQUESTS = 200


def _settle_long_lived_objects(app: Flask) -> None:
    """Keep the garbage collector off what lives as long as the process (`gc.freeze`): the
    application once built, then what its first requests built. A full collection walks
    every object it tracks: in a worker, hundreds of thousands that are never garbage, each
    walk tens of milliseconds in a request's way (a reply's p99 went from 25 ms to 250)."""
    gc.freeze()
    served = 0

    @app.teardown_request
    def freeze_after_warm_up(_error: BaseException | None) -> None:
        nonlocal served
        served += 1
        if served == SETTLED_AFTER_REQUESTS:
            gc.freeze()


def _init_extensions(app: Flask) -> None:
    # Flask-Limiter logs the key of every limit hit: an IP address is personal data.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session)
    login_manager.session_protection = None  # devices are the protection (forum.web)
    jobs.init_app(app)
    cache.init_app(app)
    jobs.register("build_export", exports.build_export)
    jobs.register("deliver_mail", accounts.deliver_mail)
    jobs.register("send_digests", notifications.send_digests)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: foreign keys enforced, write-ahead log, wait rather than fail when busy."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        cursor.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are overwritten, not left readable in free pages (erasure, retention).
        cursor.execute("PRAGMA secure_delete=ON")
        for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
            if name == "main" and path:
                _private_database(Path(path))
        cursor.close()
        # SQLite's own lower() only knows ASCII: "Élodie" must match "élodie" (erasure scans).
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        search_index.register_functions(dbapi_connection)


def _private_database(path: Path) -> None:
    """The database and its write-ahead log: readable by the forum's account only."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists() and each.stat().st_mode & 0o077:
            each.chmod(files.FILE_MODE)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _limit_form_size() -> None:
    """A form without files is text only: it may not exceed MAX_FORM_MEMORY_SIZE as a whole
    (Werkzeug applies that limit to each text of a multipart form, not to url-encoded ones)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        request.max_content_length = min(
            current_app.config["MAX_FORM_MEMORY_SIZE"], current_app.config["MAX_CONTENT_LENGTH"]
        )


def _create_private_database(url: str) -> None:
    """A SQLite file is created mode 0600 before SQLite creates it with the process's umask
    (its WAL and shared-memory files then take the same mode)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and ":memory:" not in url:
        path = Path(url[len(prefix) :])
        if path.parent.is_dir() and not path.exists():  # a missing folder stays an error
            files.create(path)


def _select_locale() -> str:
    """The member's language, else this browser's choice, else Accept-Language, else French."""
    languages = ["fr", "en"]
    if not has_request_context():
        return "fr"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "fr"


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        _secure_cookies(response)
    return response


def _secure_cookies(response) -> None:
    """Over HTTPS every cookie is `Secure`, whatever BASE_URL says (remember me included)."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)
