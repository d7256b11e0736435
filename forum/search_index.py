"""The full-text index of thread titles and posts, French-aware on both engines.

A word is folded (case, accents), dropped if it is a French stop word, and stemmed by the
Snowball French stemmer, at index time and at query time: "PÂTISSIÈRES" and "patissiere" meet
on "patissier", "financement" and "financements" on "financ".

- SQLite: two FTS5 tables (`post_search`, `thread_search`) kept by triggers on `posts` and
  `threads`, which call the application's `fr_stem()` function: any write, through the ORM or
  in bulk SQL (erasure, retention), updates the index in the same transaction.
- PostgreSQL: a text search configuration `etabli_fr` (French, with `unaccent` before the
  Snowball stemmer, the same algorithm) and expression GIN indexes on the same columns:
  nothing to keep, the index is the column.

Posts are indexed on `posts.search_text`: their text without the quotation a reply opens with
(the quoted post is found on its own, if the reader may read it).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer
from markupsafe import Markup
from sqlalchemy import Connection, Table, event

from forum import markup

CONFIGURATION = "etabli_fr"
WORD = re.compile(r"[^\W_]+")
_local = threading.local()


@cache
def stop_words() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "french_stopwords.txt"
    return frozenset(fold(line.strip()) for line in path.read_text(encoding="utf-8").split())


def fold(text: str) -> str:
    """TEXT without case or accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of TEXT that carry meaning (no stop words)."""
    return [word for word in WORD.findall(fold(text)) if word not in stop_words()]


def _stemmer():
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("french")
    return _local.stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball French stem of a folded WORD (a forum's vocabulary is small: cached)."""
    return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


def stemmed(text: str | None) -> str:
    """What SQLite's index holds for TEXT (the `fr_stem()` SQL function)."""
    return " ".join(stems(text or ""))


def plain_text(html: str) -> str:
    """The words of a post as readers see them, without the quotation it opens with."""
    return Markup(markup.without_leading_quote(html or "")).striptags()


def register_functions(dbapi_connection) -> None:
    """SQLite: the function the index triggers call."""
    dbapi_connection.create_function("fr_stem", 1, stemmed, deterministic=True)


# --- the structures, on each engine -----------------------------------------------------------

SQLITE_POSTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS post_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS post_search_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO post_search(rowid, body) VALUES (new.id, fr_stem(new.search_text)); END",
    "CREATE TRIGGER IF NOT EXISTS post_search_update AFTER UPDATE OF search_text ON posts BEGIN "
    "UPDATE post_search SET body = fr_stem(new.search_text) WHERE rowid = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS post_search_delete AFTER DELETE ON posts BEGIN "
    "DELETE FROM post_search WHERE rowid = old.id; END",
]
SQLITE_THREADS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS thread_search USING fts5("
    "title, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS thread_search_insert AFTER INSERT ON threads BEGIN "
    "INSERT INTO thread_search(rowid, title) VALUES (new.id, fr_stem(new.title)); END",
    "CREATE TRIGGER IF NOT EXISTS thread_search_update AFTER UPDATE OF title ON threads BEGIN "
    "UPDATE thread_search SET title = fr_stem(new.title) WHERE rowid = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS thread_search_delete AFTER DELETE ON threads BEGIN "
    "DELETE FROM thread_search WHERE rowid = old.id; END",
]
POSTGRES_CONFIGURATION = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIGURATION}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = pg_catalog.french);
            ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
]
POSTGRES_POSTS = [
    "CREATE INDEX IF NOT EXISTS ix_posts_search ON posts "
    f"USING gin (to_tsvector('{CONFIGURATION}'::regconfig, search_text))",
]
POSTGRES_THREADS = [
    "CREATE INDEX IF NOT EXISTS ix_threads_search ON threads "
    f"USING gin (to_tsvector('{CONFIGURATION}'::regconfig, title))",
]
DROP = {
    "sqlite": {
        "threads": ["DROP TABLE IF EXISTS thread_search"]
        + [
            f"DROP TRIGGER IF EXISTS thread_search_{what}"
            for what in ("insert", "update", "delete")
        ],
        "posts": ["DROP TABLE IF EXISTS post_search"]
        + [f"DROP TRIGGER IF EXISTS post_search_{what}" for what in ("insert", "update", "delete")],
    },
    "postgresql": {
        "threads": ["DROP INDEX IF EXISTS ix_threads_search"],
        "posts": ["DROP INDEX IF EXISTS ix_posts_search"],
    },
}
# Names of what the models do not describe (the migration test and autogenerate skip them).
SEARCH_TABLE_PREFIXES = ("post_search", "thread_search")


def statements(dialect: str, table: str) -> list[str]:
    """What creates the index of TABLE ("posts" or "threads") on DIALECT."""
    if dialect == "sqlite":
        return SQLITE_POSTS if table == "posts" else SQLITE_THREADS
    if dialect == "postgresql":
        return POSTGRES_CONFIGURATION + (POSTGRES_POSTS if table == "posts" else POSTGRES_THREADS)
    return []


def install(connection: Connection, table: str) -> None:
    for statement in statements(connection.dialect.name, table):
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection, table: str) -> None:
    for statement in DROP.get(connection.dialect.name, {}).get(table, []):
        connection.exec_driver_sql(statement)


def rebuild(connection: Connection) -> None:
    """Fill SQLite's index from the tables (after a migration); PostgreSQL needs nothing."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("DELETE FROM post_search")
    connection.exec_driver_sql(
        "INSERT INTO post_search(rowid, body) SELECT id, fr_stem(search_text) FROM posts"
    )
    connection.exec_driver_sql("DELETE FROM thread_search")
    connection.exec_driver_sql(
        "INSERT INTO thread_search(rowid, title) SELECT id, fr_stem(title) FROM threads"
    )


def attach(table: Table) -> None:
    """Create and drop the index with TABLE (`create_all`, `drop_all`)."""
    name = table.name

    @event.listens_for(table, "after_create")
    def _create(target, connection, **_kw) -> None:
        install(connection, name)

    @event.listens_for(table, "before_drop")
    def _drop(target, connection, **_kw) -> None:
        uninstall(connection, name)


def is_search_object(name: str | None) -> bool:
    return bool(name) and (
        name.startswith(SEARCH_TABLE_PREFIXES) or name in ("ix_posts_search", "ix_threads_search")
    )


def compact(connection: Connection) -> None:
    """SQLite: merge the index's segments, so that what was removed from it (an erased
    member's words) is gone from its pages too, not only marked deleted."""
    if connection.dialect.name == "sqlite":
        for name in SEARCH_TABLE_PREFIXES:
            connection.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('optimize')")
