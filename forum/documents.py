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
    locale: str = "fr"

    @property
    def text_hash(self) -> str:
        """SHA-256 of the text shown: the consent log proves which text was accepted."""
        return hashlib.sha256(self.body.encode()).hexdigest()

    @property
    def html(self) -> str:
        return _renderer(self.locale).render(self.body)


TABLE = {"fr": "Tableau", "en": "Table"}


@cache
def _renderer(locale: str) -> MarkdownIt:
    """CommonMark with tables, each in a region that scrolls on a phone and takes the focus,
    so that it can be scrolled with the keyboard (WCAG 2.1.1, axe's scrollable-region-focusable)."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    name = TABLE.get(locale, TABLE["fr"])

    def open_table(renderer, tokens, index, options, env):
        region = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{name}">\n'
        return region + renderer.renderToken(tokens, index, options, env)

    def close_table(renderer, tokens, index, options, env):
        return renderer.renderToken(tokens, index, options, env) + "</div>\n"

    parser.add_render_rule("table_open", open_table)
    parser.add_render_rule("table_close", close_table)
    return parser


def _parse(name: str, raw: str, locale: str) -> Document:
    header, _, body = raw.removeprefix("---\n").partition("\n---\n")
    fields = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    title, version, date = fields["title"], fields["version"], fields["date"]
    return Document(name, title, version, date, body.strip() + "\n", locale)


@cache
def _load(name: str, locale: str) -> Document:
    localised = CONTENT / f"{name}.{locale}.md"
    path = localised if localised.exists() else CONTENT / f"{name}.md"
    return _parse(name, path.read_text(encoding="utf-8"), locale if localised.exists() else "fr")


def text_hashes(name: str) -> set[str]:
    """The hashes of the current text of document NAME, in each language it is written in."""
    locales = {"fr"} | {path.suffixes[0][1:] for path in CONTENT.glob(f"{name}.*.md")}
    return {get(name, locale).text_hash for locale in locales}


def get(name: str, locale: str = "fr") -> Document:
    """The current version of document NAME (French is the version of reference)."""
    if name not in NAMES:
        raise KeyError(name)
    return _load(name, locale)
