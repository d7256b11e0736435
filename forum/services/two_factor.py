"""Two-factor authentication: TOTP (pyotp), a QR code (segno, SVG), single-use recovery codes."""

from __future__ import annotations

import hashlib
import json
import secrets

import pyotp
import segno
from flask_babel import gettext as _

from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import User
from forum.models.base import utcnow
from forum.services import accounts

ISSUER = "L'Établi"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI (no script, nothing loaded from elsewhere)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _code_ok(secret: str, code: str) -> bool:
    code = code.replace(" ", "").strip()
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enable(user: User, *, secret: str, code: str) -> list[str]:
    """Turn two-factor on once the member proves their app works; the recovery codes, once."""
    if not _code_ok(secret, code):
        raise InvalidInput("code", _("Ce code ne correspond pas : vérifiez l'heure du téléphone."))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret_encrypted = accounts.vault().encrypt(secret)
    user.two_factor_enabled_at = utcnow()
    user.recovery_codes = json.dumps([_digest(c) for c in codes])
    db.session.commit()
    return codes


def check(user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (then used up)."""
    if not user.has_two_factor or not code:
        return False
    secret = accounts.vault().decrypt(user.totp_secret_encrypted)
    if _code_ok(secret, code):
        return True
    remaining = json.loads(user.recovery_codes or "[]")
    if _digest(code) in remaining:
        remaining.remove(_digest(code))
        user.recovery_codes = json.dumps(remaining)
        db.session.commit()
        return True
    return False


def disable(user: User, *, password: str, code: str) -> None:
    """Turn two-factor off: the password and a code are both needed."""
    error = InvalidInput.collect(
        {
            "current_password": None
            if accounts.hasher().verify(user.password_hash, password)
            else _("Le mot de passe actuel est incorrect."),
            "code": None if check(user, code) else _("Ce code n'est pas valide."),
        }
    )
    if error:
        raise error
    user.totp_secret_encrypted = user.recovery_codes = None
    user.two_factor_enabled_at = None
    db.session.commit()
