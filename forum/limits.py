"""How long each text a member types may be.

The services refuse anything longer, with a message next to the field. What a page echoes back
(a refused form, an error page keeping a draft) is capped at twice that: a text a little too
long comes back whole for its author to shorten, a huge input is not sent back.
"""

from __future__ import annotations

BODY_MAX = 50_000  # a post
TITLE_MIN, TITLE_MAX = 5, 150  # a thread's title
BIO_MAX = 2_000  # a profile's presentation
DISPLAY_NAME_MAX = 60
# Any other text a form carries (reasons, comments, appeals) is shorter than a post.
TEXT_MAX = BODY_MAX

FIELDS = {"body": BODY_MAX, "title": TITLE_MAX, "bio": BIO_MAX, "display_name": DISPLAY_NAME_MAX}


ECHO_FACTOR = 2


def echo_max(field: str) -> int:
    """The most characters of FIELD that a page sends back."""
    return ECHO_FACTOR * FIELDS.get(field, TEXT_MAX)
