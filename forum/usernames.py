"""Usernames: the allowed shape, look-alike detection and the key that makes them unique."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

MIN_LENGTH = 3
MAX_LENGTH = 30
KEY_MAX_LENGTH = 60  # the size of users.username_key
SHAPE = re.compile(
    r"^[^\W_]([^\W]|-)*$"
)  # letters, digits, "_" and "-"; starts with a letter/digit
# Characters that look alike once case and accents are gone.
LOOKALIKES = str.maketrans({"0": "o", "1": "l", "i": "l", "_": "-"})


def key(username: str) -> str:
    """The form two usernames share when a reader could mistake one for the other."""
    folded = unicodedata.normalize("NFKD", username.casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return bare.translate(LOOKALIKES)


def problem(username: str) -> str | None:
    """Why USERNAME cannot be used, in French, or None."""
    if not MIN_LENGTH <= len(username) <= MAX_LENGTH:
        return _(
            "Le nom d'utilisateur doit faire entre %(min)d et %(max)d caractères.",
            min=MIN_LENGTH,
            max=MAX_LENGTH,
        )
    odd = any(char.isdigit() and not char.isascii() for char in username)
    # Some characters expand a lot once decomposed (ligatures): the key must stay short.
    if not SHAPE.match(username) or odd or len(key(username)) > KEY_MAX_LENGTH:
        return _(
            "Le nom d'utilisateur ne peut contenir que des lettres, des chiffres, « _ » et « - », "
            "et doit commencer par une lettre ou un chiffre."
        )
    # Loaded when a name is chosen, not in every worker: its tables weigh 6 MB.
    from confusable_homoglyphs import confusables

    if unicodedata.normalize("NFC", username) != username or confusables.is_confusable(
        username, preferred_aliases=["latin", "common"]
    ):
        return _(
            "Ce nom d'utilisateur contient des caractères qui imitent d'autres lettres : "
            "utilisez l'alphabet latin."
        )
    return None
