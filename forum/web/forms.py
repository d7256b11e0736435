"""Field helpers shared by the forms of several areas."""

from __future__ import annotations

ID_MAX = 2**31 - 1  # the largest id a database integer column holds


def optional_int(value: object) -> int | None:
    """Coerce a submitted choice to an id, or None: the service explains what is wrong."""
    try:
        number = value if isinstance(value, int) else int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= ID_MAX else None
