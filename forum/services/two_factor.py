"""Two-factor authentication: TOTP (pyotp), a QR code (segno, SVG), single-use recovery codes.

A TOTP code works once: the last accepted time step is stored and nothing at or before it
is accepted again. Enrolling, replacing and turning it off need the password (and, once it is
on, a current code); each change is mailed to the member and kept in their login history, and
ends their other sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, update

from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Device, User
from forum.models.base import utcnow
from forum.services import accounts, devices

ISSUER = "L'Établi"
RECOVERY_CODES = 10
CODE_MAX_LENGTH = 20
# Steps either side of now that are accepted: a phone's clock may be half a minute off.
CLOCK_DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI (no script, nothing loaded from elsewhere)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step, later than AFTER, whose TOTP code CODE is; None if there is none."""
    code = code.replace(" ", "").strip()
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in range(current - CLOCK_DRIFT_STEPS, current + CLOCK_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim(user: User, condition: ColumnElement[bool], values: dict[str, object]) -> bool:
    """Write VALUES on USER's row only if CONDITION still holds: two requests cannot both win
    (the row stays locked until the caller commits). No commit."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id, condition).values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.flush()
    db.session.refresh(user)
    return claimed == 1


def _use_totp(user: User, code: str) -> bool:
    secret = accounts.vault().decrypt(user.totp_secret_encrypted)
    step = _matching_step(secret, code, after=user.totp_last_step)
    if step is None:
        return False
    not_used = or_(User.totp_last_step.is_(None), User.totp_last_step < step)
    return _claim(user, not_used, {"totp_last_step": step})


def _use_recovery_code(user: User, code: str) -> bool:
    remaining = json.loads(user.recovery_codes or "[]")
    if _digest(code) not in remaining:
        return False
    left = json.dumps([digest for digest in remaining if digest != _digest(code)])
    unchanged = User.recovery_codes == user.recovery_codes
    return _claim(user, unchanged, {"recovery_codes": left})


def _spend(user: User, code: str, *, ip: str | None) -> bool:
    """Use up CODE: a TOTP code not used before, or an unused recovery code. No commit."""
    code = code[:CODE_MAX_LENGTH]
    if not user.has_two_factor or not code.strip():
        return False
    if _use_totp(user, code):
        return True
    if _use_recovery_code(user, code):
        accounts.record_security_event(user, "recovery_code_used", ip=ip)
        accounts.notify(user, "two_factor_changed", change="recovery_code_used")
        return True
    return False


def check(user: User, code: str, *, ip: str | None = None) -> bool:
    """The second login step: a TOTP code not used before, or an unused recovery code (then
    used up, and the member told)."""
    accepted = _spend(user, code, ip=ip)
    db.session.commit()
    return accepted


def code_refused() -> str:
    return _("Ce code n'est pas valide, ou a déjà servi : attendez le suivant.")


def _proof_problems(user: User, *, password: str, code: str) -> InvalidInput | None:
    """The password, then (if two-factor is on) a code: a code is not spent on a wrong password."""
    if not accounts.hasher().verify(user.password_hash, password):
        return InvalidInput("current_password", _("Le mot de passe actuel est incorrect."))
    if user.has_two_factor and not _spend(user, code, ip=None):
        return InvalidInput("code", code_refused())
    return None


# An enrolment left unfinished dies: whoever comes to this device later cannot complete it.
ENROLMENT_MINUTES = 15


def start_enrolment(user: User, device: Device, *, password: str, code: str = "") -> str:
    """Begin turning two-factor on, or replacing the app, from DEVICE: the new secret, kept
    encrypted on that device's record (never in a cookie) until a code from the app confirms
    it there, within ENROLMENT_MINUTES."""
    problem = _proof_problems(user, password=password, code=code)
    if problem:
        db.session.commit()  # a code spent on the way stays spent
        raise problem
    secret = new_secret()
    device.totp_pending_encrypted = accounts.vault().encrypt(secret)
    device.totp_pending_at = utcnow()
    db.session.commit()
    return secret


def pending_secret(device: Device | None) -> str | None:
    """The secret being enrolled from DEVICE, if an enrolment was started there lately."""
    if device is None or device.totp_pending_encrypted is None or device.totp_pending_at is None:
        return None
    if utcnow() - device.totp_pending_at > timedelta(minutes=ENROLMENT_MINUTES):
        return None
    return accounts.vault().decrypt(device.totp_pending_encrypted)


def enable(user: User, device: Device | None, *, code: str, ip: str | None = None) -> list[str]:
    """Confirm, from DEVICE, the secret enrolled there with a code from the app; the new
    recovery codes, shown once."""
    secret = pending_secret(device)
    if secret is None:
        raise InvalidInput("code", _("Recommencez l'activation depuis la page Sécurité."))
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise InvalidInput("code", _("Ce code ne correspond pas : vérifiez l'heure du téléphone."))
    replaced = user.has_two_factor
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret_encrypted = device.totp_pending_encrypted
    device.totp_pending_encrypted = device.totp_pending_at = None
    user.totp_last_step = step  # the code that confirmed it cannot open a login too
    user.two_factor_enabled_at = utcnow()
    user.recovery_codes = json.dumps([_digest(c) for c in codes])
    change = "two_factor_replaced" if replaced else "two_factor_enabled"
    _tell(user, change, ip=ip, keep_device=device.id)
    return codes


def disable(
    user: User, *, password: str, code: str, ip: str | None = None, keep_device: int | None = None
) -> None:
    """Turn two-factor off: the password and a code are both needed."""
    if not user.has_two_factor:
        return
    problem = _proof_problems(user, password=password, code=code)
    if problem:
        db.session.commit()  # a code spent on the way stays spent
        raise problem
    user.totp_secret_encrypted = user.recovery_codes = None
    user.two_factor_enabled_at = user.totp_last_step = None
    _tell(user, "two_factor_disabled", ip=ip, keep_device=keep_device)


def _tell(user: User, change: str, *, ip: str | None, keep_device: int | None) -> None:
    """Log CHANGE in the login history, end the other sessions, commit, and mail the member."""
    accounts.record_security_event(user, change, ip=ip)
    devices.end_other_sessions(user, keep=keep_device)
    db.session.commit()
    accounts.notify(user, "two_factor_changed", change=change)
