"""Input helpers shared by several areas: ids from forms and URLs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.routing import IntegerConverter
from wtforms import SelectChoice

from forum.limits import ID_MAX


def optional_int(value: object) -> int | None:
    """Coerce a submitted choice to an id, or None: the service explains what is wrong."""
    try:
        number = value if isinstance(value, int) else int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= ID_MAX else None


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded to what the database holds: a larger number is a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's own parameter name
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select and radio options from (value, label) pairs, in WTForms' own type."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
