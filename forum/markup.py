"""Markdown -> safe HTML: markdown-it-py (CommonMark, tables, linkify, no raw HTML), then bleach.

Rendered once at write time; the source is kept for edits.
"""

from __future__ import annotations

import re
from functools import cache

import bleach
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
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


def _cleaner() -> bleach.sanitizer.Cleaner:
    # A new cleaner per call: bleach's html5lib parser keeps state while it works.
    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    # No style attribute: the CSP forbids inline styles (table alignment is dropped).
    if tag == "a" and name == "rel":
        return value == LINK_REL
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def render(source: str) -> str:
    """Safe HTML for a post or a bio written in Markdown."""
    return _cleaner().clean(_parser().render(source))


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
