"""Accounts: registration, e-mail verification, login, passwords, roles."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum import documents, jobs, mail, passwords, tokens, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import LoginEvent, Role, User
from forum.models.base import utcnow
from forum.services import devices
from gdpr import consent, crypto
from gdpr.crypto import Vault
from gdpr.models import metadata as gdpr_metadata

log = logging.getLogger(__name__)

EMAIL_MAX_LENGTH = 254


class NotVerified(Exception):
    """Right password, but the e-mail address was never confirmed: a new link was sent."""


@dataclass(frozen=True)
class Registration:
    """What registration did; the page says the same thing in both cases (no enumeration)."""

    user: User | None  # None when the address already had an account: its owner was told


# --- infrastructure the services share -------------------------------------------------------


def vault() -> Vault:
    """The application's encryption keys for personal data at rest."""
    config = current_app.config
    if "etabli.vault" not in current_app.extensions:
        current_app.extensions["etabli.vault"] = Vault(
            config["DATA_KEYS"], config["BLIND_INDEX_KEY"]
        )
    return current_app.extensions["etabli.vault"]


def hasher() -> passwords.Hasher:
    """The argon2id hasher with the configured parameters."""
    config = current_app.config
    if "etabli.hasher" not in current_app.extensions:
        current_app.extensions["etabli.hasher"] = passwords.Hasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    return current_app.extensions["etabli.hasher"]


def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so timing tells nothing."""
    if "etabli.dummy_hash" not in current_app.extensions:
        current_app.extensions["etabli.dummy_hash"] = hasher().hash("no such account, ever")
    return current_app.extensions["etabli.dummy_hash"]


def normalise_email(email: str, *, field: str = "email") -> str:
    """The address in canonical form, or InvalidInput with a French message."""
    email = email.strip()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidInput(field, _("Cette adresse e-mail est trop longue."))
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput(field, _("Cette adresse e-mail n'est pas valide.")) from error


def email_index(email: str) -> str:
    """The keyed hash under which an address is looked up (case-insensitive)."""
    return vault().blind_index(email.casefold())


def email_of(user: User) -> str:
    """The member's e-mail address, decrypted."""
    return vault().decrypt(user.email_encrypted)


def notify(user: User, template: str, *, locale: str | None = None, **context: object) -> None:
    """Mail USER the message `templates/mail/TEMPLATE.txt`, in their language.

    The message is rendered now and sent outside the request (`jobs.later`): a slow mail
    server can neither slow a page down nor tell, by timing, whose address is known.
    """
    queue_mail(
        email_of(user), template, locale=user.locale or locale, username=user.username, **context
    )


def queue_mail(to: str | None, template: str, *, locale: str | None, **context: object) -> None:
    """Render a mail to TO and queue its delivery, sealed; TO None does the same work for
    nobody. Prefer `notify`, unless the account is about to go (the last mail of an erasure)."""
    queue_sealed(_seal(to, template, locale=locale, **context))


def seal_mail(
    user: User, template: str, *, headers: dict[str, str] | None = None, **context: object
) -> str:
    """The mail `notify` would send USER, rendered and sealed, to queue later (`queue_sealed`)."""
    return _seal(
        email_of(user),
        template,
        locale=user.locale,
        headers=headers,
        username=user.username,
        **context,
    )


def _seal(
    to: str | None,
    template: str,
    *,
    locale: str | None,
    headers: dict[str, str] | None = None,
    **context: object,
) -> str:
    subject, body = mail.render(template, locale=locale, **context)
    message = {"to": to, "subject": subject, "body": body, "headers": headers or {}}
    return vault().encrypt(json.dumps(message))


def queue_sealed(sealed: str) -> None:
    jobs.later("deliver_mail", sealed=sealed)  # the queue holds no address in clear


def deliver_mail(*, sealed: str) -> bool:
    """Send a queued mail (see `notify`); a mail for nobody is dropped here."""
    message = json.loads(vault().decrypt(sealed))
    if message["to"] is None:
        return False
    return mail.transmit(
        message["to"], message["subject"], message["body"], headers=message.get("headers")
    )


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    return db.session.scalar(select(User).where(User.email_hash == email_index(email)))


def get_user_by_login(login: str) -> User | None:
    """The member whose e-mail address or username is LOGIN."""
    login = login.strip()
    if "@" in login:
        return get_user_by_email(login)
    return db.session.scalar(select(User).where(User.username_key == usernames.key(login)))


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == usernames.key(username)))


def _check_password(password: str, *, username: str, email: str, field: str = "password") -> None:
    personal = (username, email.split("@", 1)[0])
    message = passwords.problem(password, personal=personal)
    if message:
        raise InvalidInput(field, message)


def _email_problem(email: str) -> tuple[str, str | None]:
    if not email.strip():
        return email, _("Indiquez votre adresse e-mail.")
    try:
        return normalise_email(email), None
    except InvalidInput as error:
        return email, error.message


def _username_problem(username: str) -> str | None:
    message = usernames.problem(username)
    if message is None and get_user_by_username(username) is not None:
        message = _taken_username()
    return message


def _check_new_account(
    *, email: str, username: str, password: str, also: dict[str, str | None] | None = None
) -> tuple[str, str]:
    """The normalised address and username, or every problem at once, field by field."""
    email, email_problem = _email_problem(email)
    username = username.strip()
    error = InvalidInput.collect(
        {
            "email": email_problem,
            "username": _username_problem(username),
            "password": passwords.problem(password, personal=(username, email.split("@", 1)[0])),
            **(also or {}),
        }
    )
    if error:
        raise error
    return email, username


def _set_password(user: User, password: str, *, keep_device: int | None) -> None:
    user.password_hash = hasher().hash(password)  # every reset link made before dies here
    user.password_changed_at = utcnow()
    devices.end_other_sessions(user, keep=keep_device)


# --- registration and verification --------------------------------------------------------


def register(
    *, email: str, username: str, password: str, accepted_terms: bool, locale: str | None = None
) -> Registration:
    """Create an unverified account and send the verification link.

    When the address already has an account, nothing is created and its owner receives a
    notice instead, so the page cannot be used to find out who is a member.
    """
    refused_terms = _(
        "Vous devez accepter les conditions d'utilisation et la politique de confidentialité."
    )
    email, username = _check_new_account(
        email=email,
        username=username,
        password=password,
        also={"accept_terms": None if accepted_terms else refused_terms},
    )

    password_hash = hasher().hash(password)  # hashed in every case: the timing tells nothing
    existing = get_user_by_email(email)
    if existing is None:
        user = User(
            username=username,
            username_key=usernames.key(username),
            email_encrypted=vault().encrypt(email),
            email_hash=email_index(email),
            password_hash=password_hash,
            role=Role.MEMBER,
            locale=locale,
            created_at=utcnow(),
        )
        if _insert(user, username=username):
            _record_acceptance(user, via="register-form", locale=locale)
            db.session.commit()
            send_verification(user)
            return Registration(user=user)
        existing = get_user_by_email(email)  # registered a moment ago by a concurrent request
    notify(
        existing,
        "account_exists",
        locale=locale,
        login_url=absolute_url("auth.login"),
        reset_url=absolute_url("auth.reset_request"),
    )
    return Registration(user=None)


def _insert(user: User, *, username: str) -> bool:
    """Add USER; False if a concurrent request took the address first (the unique index says so).

    A username taken in the meantime is reported like any taken username.
    """
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if get_user_by_username(username) is not None:
            raise InvalidInput("username", _taken_username()) from None
        return False
    return True


def _taken_username() -> str:
    return _("Ce nom d'utilisateur est déjà pris, ou trop proche d'un nom existant.")


def _record_acceptance(user: User, *, via: str, locale: str | None = None) -> None:
    """Keep the proof that USER accepted the terms and privacy policy, as shown to them."""
    for purpose, name in (("terms", "terms"), ("privacy_policy", "privacy")):
        document = documents.get(name, locale or "fr")
        consent.record(
            db.session,
            subject_ref=str(user.id),
            purpose=purpose,
            given=True,
            via=via,
            document_version=document.version,
            text_hash=document.text_hash,
        )


def _named_user(payload: object) -> User | None:
    """The member a token's (not yet verified) payload names."""
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def send_verification(user: User) -> None:
    """Mail USER a signed link that confirms their address (bound to that address)."""
    token = tokens.make("verify", {"u": user.id}, bound_to=user.email_hash)
    hours = current_app.config["EMAIL_VERIFY_MAX_AGE_HOURS"]
    notify(
        user,
        "verify",
        url=absolute_url("auth.verify", token=token),
        hours=hours,
    )


def verify_email(token: str) -> User:
    """Confirm the address behind TOKEN; TokenInvalid or TokenExpired otherwise."""
    max_age = current_app.config["EMAIL_VERIFY_MAX_AGE_HOURS"] * 3600
    user = _named_user(tokens.peek("verify", token))
    tokens.read("verify", token, max_age=max_age, bound_to=user.email_hash if user else None)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


def resend_verification(email: str) -> None:
    """Send a new verification link if EMAIL belongs to an unverified account; silent otherwise."""
    user = get_user_by_email(email)
    if user is not None and not user.is_verified:
        send_verification(user)


# --- login and passwords -------------------------------------------------------------------


def _wrong_credentials() -> InvalidInput:
    return InvalidInput("password", _("Identifiant ou mot de passe incorrect."))


def record_security_event(user: User, kind: str, *, ip: str | None) -> None:
    """Add KIND (a login, a change of two-factor…) to USER's login history; no commit."""
    db.session.add(
        LoginEvent(
            user_id=user.id,
            at=utcnow(),
            kind=kind,
            ip_encrypted=vault().encrypt(ip) if ip else None,
        )
    )


def authenticate(login: str, password: str, *, ip: str | None = None) -> User:
    """The member LOGIN names if PASSWORD is theirs.

    Raises InvalidInput (the same message whatever was wrong) or NotVerified.
    """
    user = get_user_by_login(login) if login.strip() else None
    if user is None:
        hasher().verify(_dummy_hash(), password)  # same work as for a real account
        raise _wrong_credentials()
    if not hasher().verify(user.password_hash, password):
        raise _wrong_credentials()
    if not user.is_verified:
        send_verification(user)
        raise NotVerified
    if hasher().needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    user.last_login_at = utcnow()
    user.inactivity_warned_at = None  # logging in keeps an account from retention
    record_security_event(user, "login", ip=ip)
    db.session.commit()
    return user


def change_password(user: User, *, current: str, new: str, keep_device: int | None = None) -> None:
    """Replace USER's password after checking the current one; ends their other sessions
    (all but the device KEEP_DEVICE)."""
    if not hasher().verify(user.password_hash, current):
        raise InvalidInput("current_password", _("Le mot de passe actuel est incorrect."))
    _check_password(new, username=user.username, email=email_of(user))
    _set_password(user, new, keep_device=keep_device)
    db.session.commit()
    notify(
        user,
        "password_changed",
    )


def end_other_sessions(user: User, *, keep_device: int | None) -> int:
    """Sign USER out of every device but KEEP_DEVICE; how many were signed out."""
    ended = devices.end_other_sessions(user, keep=keep_device)
    db.session.commit()
    return ended


def request_password_reset(email: str) -> None:
    """Mail a single-use reset link if EMAIL has an account; the caller says the same either way."""
    user = get_user_by_email(email)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    if user is None:
        # Queue the same mail for nobody, so the answer takes as long (no enumeration).
        url = absolute_url("auth.reset", token="x" * 90)
        queue_mail(None, "reset", locale=None, username="", url=url, minutes=minutes)
        return
    # Bound to the password hash: the link works once, and shows nothing derived from it.
    token = tokens.make("reset", {"u": user.id}, bound_to=user.password_hash)
    notify(
        user,
        "reset",
        url=absolute_url("auth.reset", token=token),
        minutes=minutes,
    )


def user_for_reset(token: str) -> User:
    """The member a reset TOKEN is for, if it is genuine, recent and unused."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] * 60
    user = _named_user(tokens.peek("reset", token))
    tokens.read("reset", token, max_age=max_age, bound_to=user.password_hash if user else None)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link (signs the member out everywhere); following
    the link also proves the address."""
    user = user_for_reset(token)
    _check_password(password, username=user.username, email=email_of(user))
    _set_password(user, password, keep_device=None)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    notify(
        user,
        "password_changed",
    )
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language USER chose."""
    user.locale = locale
    db.session.commit()


# --- administration ------------------------------------------------------------------------


def create_user(
    *, email: str, username: str, password: str, role: Role = Role.MEMBER, via: str
) -> User:
    """Create a verified account directly (administration, demo data), with the same rules."""
    email, username = _check_new_account(email=email, username=username, password=password)
    now = utcnow()
    user = User(
        username=username,
        username_key=usernames.key(username),
        email_encrypted=vault().encrypt(email),
        email_hash=email_index(email),
        password_hash=hasher().hash(password),
        role=role,
        created_at=now,
        email_verified_at=now,
    )
    if not _insert(user, username=username):
        raise InvalidInput("email", _("Cette adresse e-mail a déjà un compte."))
    _record_acceptance(user, via=via)
    db.session.commit()
    return user


def set_role(username: str, role: Role) -> User:
    """Give USERNAME the role ROLE."""
    user = get_user_by_username(username)
    if user is None:
        raise InvalidInput("username", _("Aucun membre ne porte ce nom."))
    try:
        user.role = role
    except ValueError as error:
        raise InvalidInput(
            "role",
            _("Un compte du COET-MOF ne peut pas devenir modérateur ni administrateur."),
        ) from error
    db.session.commit()
    return user


def list_logins(user: User, limit: int = 10) -> list[tuple[datetime, str | None, str]]:
    """USER's latest logins and security changes, newest first: (when, address, kind), the
    address decrypted (for USER alone)."""
    query = select(LoginEvent).where(LoginEvent.user_id == user.id)
    events = db.session.scalars(
        query.order_by(LoginEvent.at.desc(), LoginEvent.id.desc()).limit(limit)
    )
    return [
        (event.at, vault().decrypt(event.ip_encrypted) if event.ip_encrypted else None, event.kind)
        for event in events
    ]


def rotate_keys() -> dict[str, int]:
    """Re-encrypt every column the inventory declares encrypted (addresses, IPs, two-factor
    secrets…) under the primary data key, in batches (no downtime); counts per column."""
    return crypto.rotate_columns(db.session, (db.metadata, gdpr_metadata), vault())
