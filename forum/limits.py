"""How long each text a member types may be.

The services refuse anything longer, with a message next to the field; and what a page echoes
back (a refused form, an error page keeping a draft) is cut at the field's maximum, whatever
was sent.
"""

from __future__ import annotations

ID_MAX = 2**31 - 1  # the largest id a database integer column holds
BODY_MAX = 50_000  # a post
TITLE_MIN, TITLE_MAX = 5, 150  # a thread's title
BIO_MAX = 2_000  # a profile's presentation
DISPLAY_NAME_MAX = 60
# Any other text a form carries is shorter than a post.
TEXT_MAX = BODY_MAX

# The longest each field name may legitimately be, wherever it appears.
FIELDS = {
    "body": BODY_MAX,
    "passage": BODY_MAX,
    "title": TITLE_MAX,
    "bio": BIO_MAX,
    "text": 2_000,  # an appeal, a moderator's note
    "reason": 1_000,
    "comment": 1_000,
    "details": 1_000,
    "outcome": 500,
    "display_name": DISPLAY_NAME_MAX,
    "name": 160,
    "login": 254,
    "email": 254,
    "username": 30,
    "code": 20,
}


def echo_max(field: str) -> int:
    """The most characters of FIELD that a page sends back."""
    return FIELDS.get(field, TEXT_MAX)
