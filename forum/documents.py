"""The versioned policy documents (terms, privacy, cookies): Markdown files in forum/content/."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt

CONTENT = Path(__file__).parent / "content"
NAMES = ("terms", "privacy", "cookies")


@dataclass(frozen=True)
class Document:
    name: str
    title: str
    version: str
    date: str
    body: str  # Markdown, written by the site's editors: rendered without raw HTML

    @property
    def text_hash(self) -> str:
        """SHA-256 of the text shown: the consent log proves which text was accepted."""
        return hashlib.sha256(self.body.encode()).hexdigest()

    @property
    def html(self) -> str:
        return MarkdownIt("commonmark", {"html": False}).enable("table").render(self.body)


def _parse(name: str, raw: str) -> Document:
    header, _, body = raw.removeprefix("---\n").partition("\n---\n")
    fields = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    return Document(name, fields["title"], fields["version"], fields["date"], body.strip() + "\n")


@cache
def _load(name: str, locale: str) -> Document:
    localised = CONTENT / f"{name}.{locale}.md"
    path = localised if localised.exists() else CONTENT / f"{name}.md"
    return _parse(name, path.read_text(encoding="utf-8"))


def get(name: str, locale: str = "fr") -> Document:
    """The current version of document NAME (French is the version of reference)."""
    if name not in NAMES:
        raise KeyError(name)
    return _load(name, locale)
