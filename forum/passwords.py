"""Passwords: argon2id hashing and the strength rule (CNIL délibération 2022-100, OWASP ASVS 5).

The rule: at least 80 bits of entropy for a password alone, computed as the CNIL does (length ×
log2 of the size of the alphabet actually used, rounded to the bit), at least 12 characters, no
composition rule, and not one of the most common passwords (list shipped in forum/data/).
"""

from __future__ import annotations

import math
import string
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 1024  # far above the 128 we promise; only guards the hasher against abuse
MIN_ENTROPY_BITS = 80
# Alphabet sizes as the CNIL counts them; anything else (accents, symbols) is a "special" character.
POOLS = {"lower": 26, "upper": 26, "digit": 10, "special": 37}
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"
LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s"}
)


def _pool_of(char: str) -> str:
    if char in string.ascii_lowercase:
        return "lower"
    if char in string.ascii_uppercase:
        return "upper"
    if char in string.digits:
        return "digit"
    return "special"


def entropy_bits(password: str) -> float:
    """Length × log2(size of the alphabets the password actually uses)."""
    if not password:
        return 0.0
    alphabet = sum(POOLS[pool] for pool in {_pool_of(char) for char in password})
    return len(password) * math.log2(alphabet)


@cache
def _common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _cores(password: str) -> set[str]:
    """The password as people disguise common ones: case, decorations at both ends, leetspeak."""
    lowered = unicodedata.normalize("NFC", password).lower()
    stripped = lowered.strip(string.digits + string.punctuation + " ")
    forms = {lowered, stripped, lowered.translate(LEET), stripped.translate(LEET)}
    # Undo leetspeak before stripping too: "p@ssw0rd2024!" -> "password".
    forms.add(lowered.translate(LEET).strip(string.digits + string.punctuation + " "))
    return {form for form in forms if form}


def is_common(password: str) -> bool:
    """True when the password is, or merely decorates, one of the most common passwords."""
    common = _common_passwords()
    return any(core in common for core in _cores(password))


def _is_repetitive(password: str) -> bool:
    """A few distinct characters, or one chunk repeated ("abcabcabcabc")."""
    periodic = password in (password + password)[1:-1]
    return len(set(password)) <= 3 or periodic


def problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """Why PASSWORD is refused, in French, or None when it is strong enough.

    PERSONAL holds what must not appear in it (the username, the e-mail's local part).
    """
    if len(password) < MIN_LENGTH:
        return _("Le mot de passe doit contenir au moins %(n)d caractères.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Le mot de passe ne peut pas dépasser %(n)d caractères.", n=MAX_LENGTH)
    if round(entropy_bits(password)) < MIN_ENTROPY_BITS:
        return _(
            "Ce mot de passe est trop facile à deviner. Allongez-le (une phrase de plusieurs mots "
            "convient) ou mélangez minuscules, majuscules, chiffres et caractères spéciaux."
        )
    lowered = password.lower()
    if any(part and len(part) >= 3 and part.lower() in lowered for part in personal):
        return _("Le mot de passe ne doit pas contenir votre nom d'utilisateur ou votre adresse.")
    if is_common(password) or _is_repetitive(password):
        return _(
            "Ce mot de passe fait partie des plus courants ou en est une variante : "
            "choisissez-en un autre."
        )
    return None


class Hasher:
    """argon2id with the configured parameters; knows when a stored hash needs an upgrade."""

    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
