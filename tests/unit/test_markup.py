"""Markdown rendering: CommonMark, tables, links; no script can come out of it."""

import re

import pytest

from forum import markup

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](java\tscript:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](javascript&#58;alert(1))",
    "[clic](%6Aavascript:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[clic](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/pixel.png)",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[lien][x]",
    '[x](https://a.example "titre" onmouseover="alert(1)")',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<object data=x></object><embed src=x>",
    "<form action=https://evil.example><input name=a></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "``<script>alert(1)</script>``",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='x' onclick='alert(1)'>x</a>",
    "<details open ontoggle=alert(1)>",
    "<base href=https://evil.example/>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
]


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_no_markdown_input_produces_script_handlers_dangerous_urls_or_frames(source):
    html = markup.render(source).lower()

    assert "<script" not in html
    assert not re.search(r"<[^>]+\son\w+\s*=", html)
    assert not re.search(r"(href|src|action|data)\s*=\s*[\"']?\s*(javascript|vbscript|data):", html)
    for tag in (
        "<iframe",
        "<img",
        "<svg",
        "<object",
        "<embed",
        "<style",
        "<form",
        "<base",
        "<meta",
    ):
        assert tag not in html


def test_commonmark_formatting_is_rendered():
    html = markup.render("Du **gras**, de l'*italique*\n\n- un\n- deux\n\n> cité\n\n`code`")

    assert "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert "<ul>" in html and "<li>un</li>" in html
    assert "<blockquote>" in html and "<code>code</code>" in html


def test_tables_are_rendered_without_inline_styles():
    html = markup.render("| a | b |\n|:--|--:|\n| 1 | 2 |")

    assert "<table>" in html and "<td>1</td>" in html
    assert "style=" not in html


def test_bare_urls_become_links_marked_as_user_content():
    html = markup.render("Voir https://www.moncompteformation.gouv.fr pour le CPF")

    assert '<a href="https://www.moncompteformation.gouv.fr" rel="nofollow ugc noopener">' in html


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](https://exemple.fr)", "https://exemple.fr"),
        ("[mail](mailto:a@exemple.fr)", "mailto:a@exemple.fr"),
        ("[ici](/t/1-sujet)", "/t/1-sujet"),
    ],
)
def test_http_https_mailto_and_local_links_are_kept(source, href):
    assert f'href="{href}"' in markup.render(source)


def test_raw_html_is_shown_as_text_not_interpreted():
    html = markup.render("<b>gras</b> & co")

    assert "&lt;b&gt;gras&lt;/b&gt;" in html and "&amp; co" in html


def test_authors_headings_stay_below_the_page_headings():
    html = markup.render("# Grand titre\n\n## Sous-titre")

    assert "<h1>" not in html and "<h2>" not in html
    assert "<h3>Grand titre</h3>" in html and "<h4>Sous-titre</h4>" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](//evil.example/p)",
        "[x]( //evil.example/p)",
        "<//evil.example/p>",
        "[x](///evil.example/p)",
    ],
)
def test_protocol_relative_links_are_external_links_like_http_ones(source):
    html = markup.render(source)

    assert 'href="https://evil.example/p"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert 'href="//' not in html


def test_a_post_renders_the_same_whatever_was_cleaned_before_it():
    """The cleaner is kept from one post to the next: what a hostile post left open (a tag,
    a comment, a table) does not spill into the next one, in this thread or another."""
    import threading

    fresh = markup.render("Le **chanfrein** à 45°, puis | a | b |")
    for hostile in ("<b>gras <i>jamais fermé", "<!-- commentaire", "| a |\n|---|\n| <td>", "<"):
        markup.render(hostile)
        assert markup.render("Le **chanfrein** à 45°, puis | a | b |") == fresh
    elsewhere = []
    worker = threading.Thread(target=lambda: elsewhere.append(markup.render("Le **chanfrein**")))
    worker.start()
    worker.join()
    assert elsewhere == [markup.render("Le **chanfrein**")]
