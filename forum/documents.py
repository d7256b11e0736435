"""The versioned policy documents (terms, privacy, cookies): Markdown files in forum/content/."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from flask import current_app, g, has_app_context
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

    @cached_property
    def text_hash(self) -> str:
        """SHA-256 of the text shown: the consent log proves which text was accepted (the
        documents are read once a process: so is it computed)."""
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


# A duration the forum applies, written in a text as `{days:KEY}` (a key of GDPR_RETENTION,
# or a setting ending in _DAYS): the text says what the settings say, and its hash (the
# consent) changes with them.
DURATION = re.compile(r"\{days:(\w+)\}")
UNITS = {
    "fr": {"day": ("jour", "jours"), "month": ("mois", "mois"), "year": ("an", "ans")},
    "en": {"day": ("day", "days"), "month": ("month", "months"), "year": ("year", "years")},
}
DAYS_PER_YEAR, DAYS_PER_MONTH = 365.25, 30.44


def duration(days: int, locale: str) -> str:
    """DAYS in words, in whole years or months where it is one (1826 → « 5 ans »), in days
    otherwise."""
    units = UNITS.get(locale, UNITS["fr"])
    years, months = round(days / DAYS_PER_YEAR), round(days / DAYS_PER_MONTH)
    if years and abs(days - years * DAYS_PER_YEAR) <= 1:
        count, unit = years, "year"
    elif months >= 2 and abs(days - months * DAYS_PER_MONTH) <= 1.5:
        count, unit = months, "month"
    else:
        count, unit = days, "day"
    singular, plural = units[unit]
    return f"{count} {singular if count == 1 else plural}"


def _settings() -> tuple[tuple[str, int], ...]:
    """The durations the texts may name: the retention keys and the *_DAYS settings."""
    if not has_app_context():
        return ()
    if "document_settings" in g:  # asked several times a request (the policies' version)
        return g.document_settings
    config = current_app.config
    found = {key: days for key, days in config["GDPR_RETENTION"].items()}
    found |= {
        key: value
        for key, value in config.items()
        if key.endswith("_DAYS") and isinstance(value, int)
    }
    g.document_settings = tuple(sorted(found.items()))
    return g.document_settings


def _fill(body: str, durations: Mapping[str, int], locale: str) -> str:
    """BODY with each duration written out; one the settings do not know stays as written
    (outside an application; a test keeps the forum's texts free of them)."""

    def written(found: re.Match) -> str:
        days = durations.get(found[1])
        return found[0] if days is None else duration(days, locale)

    return DURATION.sub(written, body)


def _parse(name: str, raw: str, locale: str, durations: Mapping[str, int]) -> Document:
    header, _, body = raw.removeprefix("---\n").partition("\n---\n")
    fields = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    title, version, date = fields["title"], fields["version"], fields["date"]
    body = _fill(body.strip() + "\n", durations, locale)
    return Document(name, title, version, date, body, locale)


@cache
def _load(name: str, locale: str, durations: tuple[tuple[str, int], ...]) -> Document:
    localised = CONTENT / f"{name}.{locale}.md"
    path = localised if localised.exists() else CONTENT / f"{name}.md"
    written_in = locale if localised.exists() else "fr"
    return _parse(name, path.read_text(encoding="utf-8"), written_in, dict(durations))


def text_hashes(name: str) -> set[str]:
    """The hashes of the current text of document NAME, in each language it is written in."""
    return {get(name, locale).text_hash for locale in _locales(name)}


@cache
def _locales(name: str) -> frozenset[str]:
    """The languages document NAME is written in (read once, like the texts: `_load`)."""
    return frozenset({"fr"} | {path.suffixes[0][1:] for path in CONTENT.glob(f"{name}.*.md")})


def get(name: str, locale: str = "fr") -> Document:
    """The current version of document NAME (French is the version of reference)."""
    if name not in NAMES:
        raise KeyError(name)
    return _load(name, locale, _settings())
