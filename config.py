"""Every setting of L'Établi, read from environment variables (a `.env` file is honoured).

This is the only module that reads `os.environ`. Secrets that are not given are generated once
into the instance folder, so a fresh machine needs no configuration at all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent

# Retention of each class of personal data, in days (DESIGN.md, CNIL guidance). "account" data
# lives as long as the account: its duration counts from the last activity (inactive accounts).
RETENTION_DEFAULTS = {
    "account": 730,  # 24 months without logging in
    "account_warning": 700,  # the warning e-mail, about 23 months
    "login_history": 183,  # 6 months
    "legal_hold": 365,  # LCEN, décret 2021-1362
    "unverified_account": 7,
    "export_archive": 7,
    "deleted_post": 30,
    "consent_proof": 1826,  # 5 years after the end of the relationship
    "request_proof": 1826,  # data-subject requests, 5 years after they were closed
    "outbox": 30,  # .eml files written when no SMTP server is configured
    "device": 30,  # a signed-in device unused this long is signed out and forgotten
    "tombstone": 365,  # as long as the oldest backup that may be restored
    "review_task": 30,  # what an erasure left behind, once handled
    # Accountability (art. 5(2)), the time a claim may be brought (5 years, art. 2224 Code civil).
    "moderation_log": 1826,  # decisions, their statements of reasons and appeals
    "access_log": 1826,  # admins' access to e-mail and IP addresses, and to held data
    "erasure_proof": 1826,  # scheduled erasures and their certificates
    "report": 365,  # reports, a year after they were handled
    "refused_event": 30,  # a calendar proposal the moderators refused
    "notification": 180,  # notifications, six months after they were read
}

# Argon2id parameters: the OWASP Password Storage Cheat Sheet's configuration (19 MiB, two
# passes, one lane). RFC 9106's 64 MiB profile took a worker checking a password to 200 MB.
ARGON2_DEFAULTS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


def _database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path, name: str, make: Any) -> str:
    """Read a secret from the instance folder, generating it the first time."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the application configuration: environment, then OVERRIDES (tests, tools)."""
    load_dotenv(PROJECT_ROOT / ".env")
    env = os.environ
    overrides = dict(overrides or {})

    instance = Path(
        overrides.pop("INSTANCE_PATH", None) or env.get("ETABLI_INSTANCE_PATH") or "instance"
    )
    if not instance.is_absolute():
        instance = (PROJECT_ROOT / instance).resolve()

    host = env.get("HOST", "127.0.0.1")
    port = _int(env, "PORT", 8000)
    base_url = (env.get("BASE_URL") or f"http://{host}:{port}").rstrip("/")
    redis_url = env.get("REDIS_URL", "").strip()
    https = base_url.startswith("https://")

    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "HOST": host,
        "PORT": port,
        "BASE_URL": base_url,
        "SQLALCHEMY_DATABASE_URI": _database_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance / 'etabli.db'}"
        ),
        "REDIS_URL": redis_url,
        # Mail: .eml files in <instance>/outbox unless an SMTP server is named.
        "MAIL_SERVER": env.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL"), False),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 30),
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "L'Établi <ne-pas-repondre@etabli.invalid>"
        ),
        "MAIL_OUTBOX": str(instance / "outbox"),
        # Rate limits (Flask-Limiter): memory on one process, Redis when REDIS_URL is set.
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_IP": env.get("LOGIN_LIMIT_PER_IP", "20 per 15 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "REGISTER_LIMIT": env.get("REGISTER_LIMIT", "10 per hour"),
        "RESET_LIMIT": env.get("RESET_LIMIT", "5 per hour"),
        "POST_LIMIT": env.get("POST_LIMIT", "6 per minute;60 per hour"),
        "SEARCH_LIMIT": env.get("SEARCH_LIMIT", "30 per minute;600 per hour"),
        # Moderation: a new member's first N posts wait for a moderator (0: published at once).
        "MODERATION_NEW_MEMBER_APPROVALS": max(_int(env, "MODERATION_NEW_MEMBER_APPROVALS", 0), 0),
        # Accounts
        "EMAIL_VERIFY_MAX_AGE_HOURS": _int(env, "EMAIL_VERIFY_MAX_AGE_HOURS", 48),
        "PASSWORD_RESET_MAX_AGE_MINUTES": _int(env, "PASSWORD_RESET_MAX_AGE_MINUTES", 60),
        "REMEMBER_COOKIE_DAYS": _int(env, "REMEMBER_COOKIE_DAYS", 30),
        "ARGON2_TIME_COST": _int(env, "ARGON2_TIME_COST", ARGON2_DEFAULTS["time_cost"]),
        "ARGON2_MEMORY_COST": _int(env, "ARGON2_MEMORY_COST", ARGON2_DEFAULTS["memory_cost"]),
        "ARGON2_PARALLELISM": _int(env, "ARGON2_PARALLELISM", ARGON2_DEFAULTS["parallelism"]),
        # Web
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), https),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "remember_token",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ["fr", "en"],
        # Room for a 50,000-character post in any script: an over-long one gets a clear
        # message next to the field rather than a 413 that loses it. A form without files is
        # limited to this size as a whole, each text of a form with files too.
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        # A whole request, files included: sized for a post with its photos.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
        # A glossary definition not checked for this many days says it may be out of date.
        "GLOSSARY_STALE_DAYS": _int(env, "GLOSSARY_STALE_DAYS", 365),
        # Who may open and edit practical guides: members with this many published posts
        # (and moderators), not suspended or banned.
        "GUIDE_EDIT_MIN_POSTS": _int(env, "GUIDE_EDIT_MIN_POSTS", 5),
        # The calendar's dates are entered and shown in this time zone (stored in UTC).
        "CALENDAR_TIMEZONE": env.get("CALENDAR_TIMEZONE", "Europe/Paris"),
        # The hot read pages are kept once rendered until a write changes them (forum.cache):
        # in Redis when REDIS_URL is set, else in each process, at most PAGE_CACHE_MB.
        "PAGE_CACHE": _flag(env.get("PAGE_CACHE"), True),
        "PAGE_CACHE_MB": _int(env, "PAGE_CACHE_MB", 16),
        # Photos of work: at most PHOTOS_MAX a post, each at most PHOTO_MAX_BYTES as sent,
        # re-encoded to at most PHOTO_MAX_DIMENSION pixels a side (thumbnails: PHOTO_THUMB),
        # stored in PHOTO_FOLDER (under the instance folder by default).
        "PHOTOS_MAX": 4,
        "PHOTO_MAX_BYTES": _int(env, "PHOTO_MAX_BYTES", 5 * 1024 * 1024),
        "PHOTO_MAX_DIMENSION": _int(env, "PHOTO_MAX_DIMENSION", 2000),
        "PHOTO_THUMB": _int(env, "PHOTO_THUMB", 480),
        "PHOTO_FOLDER": env.get("PHOTO_FOLDER", str(instance / "photos")),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # hide_parameters: a failing statement is logged without its values (personal data).
        # Pooled connections are not pinged before every request (a statement each; on
        # PostgreSQL they are renewed every 5 minutes); DATABASE_PRE_PING=true pings again.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": _flag(env.get("DATABASE_PRE_PING"), False),
            "hide_parameters": True,
        },
        # Privacy (RGPD): who answers for the data (art. 13, 30), and where it goes.
        "PRIVACY_CONTROLLER": env.get(
            "PRIVACY_CONTROLLER",
            "L'Établi, forum des candidats au concours « Un des Meilleurs Ouvriers de France », "
            "tenu par ses administrateurs",
        ),
        "PRIVACY_CONTACT": env.get("PRIVACY_CONTACT", "donnees@etabli.invalid"),
        "PRIVACY_DPO": env.get("PRIVACY_DPO", ""),  # a data protection officer, if there is one
        "PRIVACY_HOST": env.get("PRIVACY_HOST", "l'hébergeur du serveur du forum"),
        "PRIVACY_MAIL_PROVIDER": env.get("PRIVACY_MAIL_PROVIDER", ""),  # defaults to MAIL_SERVER
        "PRIVACY_TRANSFERS": env.get("PRIVACY_TRANSFERS", ""),  # outside the EU; none by default
        # Durations in days, after the CNIL's guidance; see README.
        "GDPR_ERASURE_GRACE_DAYS": _int(env, "GDPR_ERASURE_GRACE_DAYS", 7),
        "GDPR_RETENTION": {
            key: _int(env, f"GDPR_RETENTION_{key.upper()}_DAYS", days)
            for key, days in RETENTION_DEFAULTS.items()
        },
    }
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Unpinged connections are renewed before a server would drop them as idle.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_recycle": 300,
        }

    config["SECRET_KEY"] = (
        config.get("SECRET_KEY")
        or env.get("SECRET_KEY")
        or _instance_secret(instance, "secret_key", lambda: secrets.token_urlsafe(48))
    )
    # Fernet keys for personal data at rest: the first encrypts, all decrypt (rotation).
    data_keys = (
        config.get("DATA_KEYS")
        or env.get("DATA_KEYS")
        or _instance_secret(instance, "data_keys", lambda: Fernet.generate_key().decode())
    )
    if isinstance(data_keys, str):
        data_keys = [key.strip() for key in data_keys.replace("\n", ",").split(",") if key.strip()]
    config["DATA_KEYS"] = list(data_keys)
    config["BLIND_INDEX_KEY"] = (
        config.get("BLIND_INDEX_KEY")
        or env.get("BLIND_INDEX_KEY")
        or _instance_secret(instance, "blind_index_key", lambda: secrets.token_hex(32))
    )
    return config
