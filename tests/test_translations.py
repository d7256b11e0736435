"""The English catalogue is complete: every French UI string of the code has a translation."""

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from config import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT / "forum" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHOD_MAP = [
    ("forum/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def _source_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), METHOD_MAP, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }

    missing = sorted(_source_messages() - translated)

    assert missing == []


def test_translations_keep_their_placeholders():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)

    broken = {m.id: [str(e) for e in m.check(catalogue)] for m in catalogue if m.id}

    assert {message: errors for message, errors in broken.items() if errors} == {}
    assert any("%(" in m.id for m in catalogue if m.id)  # the check had something to check
