"""URL slugs: lower-case ASCII words joined by hyphens."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80


def slugify(text: str, *, max_length: int = MAX_LENGTH) -> str:
    """'Maître d'hôtel & sommellerie' -> 'maitre-d-hotel-sommellerie'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug
