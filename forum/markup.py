"""Markdown -> safe HTML: markdown-it-py (CommonMark, tables, linkify, no raw HTML), then bleach.

Rendered once at write time; the source is kept for edits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from urllib.parse import quote

import bleach
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
MENTION_CLASS = "mention"
TERM_CLASS = "term"  # a glossary term's first occurrence, linked to its definition
# `@name` where a username may stand (not inside an address like a@b.fr or a path /@x).
MENTION = re.compile(r"(?<![\w@.+/-])@([^\W_][\w-]{2,29})")
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
# Authors' headings sit below the page's own h1/h2.
HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}


def _is_network_path(url: str) -> bool:
    """`//host/path` (or `\\host`, which browsers read the same): another site, no scheme."""
    return url.lstrip()[:2].replace("\\", "/") == "//"


def _validate_link(url: str) -> bool:
    if _is_network_path(url):
        return True  # an external link: made explicit (https) when rendered
    scheme, colon, _ = url.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return True  # relative link
    return scheme.strip().lower() in ALLOWED_PROTOCOLS


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    parser.enable(["table", "strikethrough", "linkify"])
    parser.disable("image")  # nothing is loaded from another site; photos come as uploads
    parser.validateLink = _validate_link

    def open_link(renderer, tokens, idx, options, env):
        href = str(tokens[idx].attrGet("href") or "")
        if _is_network_path(href):  # shown and followed as what it is: another site
            tokens[idx].attrSet("href", "https://" + href.lstrip().lstrip("/\\"))
        tokens[idx].attrSet("rel", LINK_REL)
        return renderer.renderToken(tokens, idx, options, env)

    def open_heading(renderer, tokens, idx, options, env):
        tokens[idx].tag = HEADING_SHIFT[tokens[idx].tag]
        return renderer.renderToken(tokens, idx, options, env)

    parser.add_render_rule("link_open", open_link)
    parser.add_render_rule("heading_open", open_heading)
    parser.add_render_rule("heading_close", open_heading)
    return parser


_CLEANERS = threading.local()


def _cleaner() -> bleach.sanitizer.Cleaner:
    # One cleaner a thread, built once (its html5lib parser and serializer cost more to build
    # than a post to clean): a cleaner keeps state while it works, so threads share none.
    cleaner = getattr(_CLEANERS, "cleaner", None)
    if cleaner is None:
        cleaner = _CLEANERS.cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allowed_attribute,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
        )
    return cleaner


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    # No style attribute: the CSP forbids inline styles (table alignment is dropped).
    if tag == "a" and name == "rel":
        return value == LINK_REL
    if tag == "a" and name == "class":
        return value in (MENTION_CLASS, TERM_CLASS)
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


# A function from the `@names` of a text to the usernames of the members they name.
Members = Callable[[set[str]], dict[str, str]]


@dataclass(frozen=True)
class Terms:
    """The glossary as the renderer reads it: each written form (lower case) -> the term's
    slug and short definition."""

    forms: dict[str, tuple[str, str]]

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        if not self.forms:
            return None
        longest_first = sorted(self.forms, key=len, reverse=True)
        alternatives = "|".join(re.escape(form) for form in longest_first)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def render(source: str, members: Members | None = None, terms: Terms | None = None) -> str:
    """Safe HTML for a post or a bio written in Markdown; with MEMBERS, each `@name` of a
    member (not in code, not in a link) becomes a link to their profile; with TERMS, the
    first occurrence of each glossary term (not in code, links or quotations) becomes a link
    to its definition."""
    if members is None and terms is None:
        return _cleaner().clean(_parser().render(source))
    return render_telling(source, members, terms)[0]


def render_telling(
    source: str, members: Members | None, terms: Terms | None
) -> tuple[str, set[str]]:
    """`render`, and the `@names` of SOURCE that tell someone (`mentions`): one parse."""
    parser, env = _parser(), {}
    tokens = parser.parse(source, env)
    told = _told(tokens)
    if members is not None:
        _link_mentions(tokens, members)
    if terms is not None and terms.pattern is not None:
        _link_terms(tokens, terms)
    return _cleaner().clean(parser.renderer.render(tokens, parser.options, env)), told


def _link_mentions(tokens: list[Token], members: Members) -> None:
    found = {match.group(1) for _, text, _ in _texts(tokens) for match in _matches(text)}
    usernames = members(found) if found else {}
    if usernames:
        for inline in {id(line): line for line, _, _ in _texts(tokens)}.values():
            children, links = [], 0
            for child in inline.children or ():
                links += {"link_open": 1, "link_close": -1}.get(child.type, 0)
                linkable = child.type == "text" and not links
                children.extend(_with_links(child, usernames) if linkable else (child,))
            inline.children = children


def _link_terms(tokens: list[Token], terms: Terms) -> None:
    """Link the first occurrence of each term, outside code, links and quotations."""
    linked: set[str] = set()
    for inline in {id(line): line for line, _, quoted in _texts(tokens) if not quoted}.values():
        children, links = [], 0
        for child in inline.children or ():
            links += {"link_open": 1, "link_close": -1}.get(child.type, 0)
            if child.type != "text" or links:
                children.append(child)
                continue
            children.extend(_with_terms(child, terms, linked))
        inline.children = children


def _with_terms(child: Token, terms: Terms, linked: set[str]) -> list[Token]:
    pieces: list[Token] = []
    start = 0
    for match in terms.pattern.finditer(child.content):
        slug, summary = terms.forms[match.group(0).lower()]
        if slug in linked:
            continue
        linked.add(slug)
        pieces.append(_text(child.content[start : match.start()]))
        opening = Token("link_open", "a", 1, attrs={"href": f"/lexique/{quote(slug)}"})
        opening.attrSet("class", TERM_CLASS)
        opening.attrSet("title", summary)
        pieces += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
        start = match.end()
    if not pieces:
        return [child]
    pieces.append(_text(child.content[start:]))
    return pieces


def mentions(source: str) -> set[str]:
    """The `@names` of SOURCE that tell someone: not in code, links or quotations."""
    return _told(_parser().parse(source, {}))


def _told(tokens: list[Token]) -> set[str]:
    return {
        match.group(1)
        for _, text, quoted in _texts(tokens)
        if not quoted
        for match in _matches(text)
    }


def _matches(text: Token) -> Iterator[re.Match[str]]:
    return MENTION.finditer(text.content)


def _texts(tokens: list[Token]) -> Iterator[tuple[Token, Token, bool]]:
    """The plain text tokens of TOKENS outside links, each with its line and whether it is
    in a quotation. Code (inline or block) is not text: it is never searched."""
    quotes = 0
    for token in tokens:
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "inline":
            links = 0
            for child in token.children or ():
                if child.type == "link_open":
                    links += 1
                elif child.type == "link_close":
                    links -= 1
                elif child.type == "text" and not links:
                    yield token, child, quotes > 0


def _with_links(child: Token, usernames: dict[str, str]) -> Iterable[Token]:
    """CHILD, a text, or its text and links to the profiles of the members it names."""
    pieces: list[Token] = []
    start = 0
    for match in _matches(child):
        username = usernames.get(match.group(1))
        if username is None:
            continue
        pieces.append(_text(child.content[start : match.start()]))
        opening = Token("link_open", "a", 1, attrs={"href": f"/u/{quote(username)}"})
        opening.attrSet("class", MENTION_CLASS)
        pieces += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
        start = match.end()
    if not pieces:
        return (child,)
    pieces.append(_text(child.content[start:]))
    return pieces


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


BLOCKQUOTE_TAG = re.compile(r"<(/?)blockquote>")


def without_leading_quote(html: str) -> str:
    """HTML without the quotation it opens with (a reply's copy of the post it quotes)."""
    if not html.startswith("<blockquote>"):
        return html
    depth = 0
    for tag in BLOCKQUOTE_TAG.finditer(html):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[tag.end() :].lstrip("\n")
    return html
