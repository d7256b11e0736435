"""Pages of a list: 20 items a page, counted once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
PAGE_SIZE = 20


class PageOutOfRange(Exception):
    """The page asked for is past the last one; `last` is where to go instead."""

    def __init__(self, last: int) -> None:
        super().__init__(last)
        self.last = last


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def check(number: int, total: int, size: int = PAGE_SIZE) -> int:
    """NUMBER if such a page exists; PageOutOfRange with the last page otherwise."""
    last = max(1, -(-total // size))
    if number > last:
        raise PageOutOfRange(last)
    return number


def page_of(position: int, size: int = PAGE_SIZE) -> int:
    """The page holding the item at 0-based POSITION."""
    return position // size + 1
