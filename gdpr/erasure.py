"""Erasure (art. 17): the engine that erases a data subject as the column annotations say, the
residue scan, the certificate and the tombstone.

The engine reads every table of the given metadatas: rows linked to the subject (their subject
column, a foreign key to the subjects' table, a declared reference) are deleted, dissociated or
kept, column by column, as each column's `Erase` declares. What annotations cannot express —
rewriting free text that names the subject in other people's rows — the application registers
as named hooks. A new table with personal data needs its annotations and nothing else.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    Text,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from gdpr.annotations import Erase, belongs_elsewhere, of
from gdpr.models import (
    ConsentEvent,
    Erasure,
    ErasureCertificate,
    ReviewTask,
    Tombstone,
    utcnow,
)

log = logging.getLogger(__name__)

MIN_IDENTIFIER = 3  # shorter strings would match everywhere
CONTENT_CHOICES = ("anonymise", "delete")


@dataclass(frozen=True)
class Subject:
    """Whom to erase: their key in the subjects' table, and the opaque reference gdpr/'s own
    tables use for them."""

    key: Any
    ref: str


Hook = Callable[[Session, Subject, str], int]  # (session, subject, content choice) -> count


@dataclass
class Registry:
    """What the application adds to the engine, by name: hooks before and after the declared
    erasure (run in the order registered)."""

    before: dict[str, Hook] = field(default_factory=dict)
    after: dict[str, Hook] = field(default_factory=dict)

    def add_hook(self, name: str, hook: Hook, *, after: bool = False) -> None:
        (self.after if after else self.before)[name] = hook


# --- which rows and columns point at the subject -------------------------------------------


def subjects_table(metadatas: Iterable[MetaData]) -> Table:
    """The table of data subjects: the one whose subject column is its own primary key."""
    for metadata in metadatas:
        for table in metadata.sorted_tables:
            subject = table.info.get("subject")
            if subject and table.c[subject].primary_key:
                return table
    raise LookupError("no table declares itself as the table of data subjects")


def references(table: Table, subjects: Table) -> list[tuple[Column, bool]]:
    """The columns of TABLE that name a subject: (column, holds the key rather than the ref)."""
    found: dict[str, tuple[Column, bool]] = {}
    main = table.info.get("subject")
    for column in table.columns:
        points_at_subjects = any(fk.column.table is subjects for fk in column.foreign_keys)
        if points_at_subjects or (table is subjects and column.name == main):
            found[column.name] = (column, True)
        elif column.name == main or column.name in table.info.get("refs", ()):
            found[column.name] = (column, False)
    return list(found.values())


def _value(subject: Subject, holds_key: bool) -> Any:
    return subject.key if holds_key else subject.ref


def _emptied(column: Column) -> Any:
    """What a value that must go becomes in a row that stays."""
    data = of(column)
    if data is not None and data.placeholder is not None:
        return data.placeholder
    if column.nullable:
        return None
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, String | Text):
        return ""
    raise ValueError(f"{column.table.name}.{column.name} can be neither emptied nor nulled")


def _new_value(column: Column, choice: str) -> tuple[bool, Any]:
    """(changes, new value) for a personal column of a row that stays; an empty value stays
    empty (a post never hidden gets no placeholder reason)."""
    data = of(column)
    if data is None or data.erase is Erase.HOLD:
        return False, None
    if data.erase is Erase.ANONYMISE:
        if data.placeholder is None:
            return False, None
        if column.nullable:
            return True, case((column.is_(None), None), else_=data.placeholder)
        return True, data.placeholder
    if data.erase is Erase.CONTENT and choice != "delete":
        return False, None
    return True, _emptied(column)


# --- the engine -----------------------------------------------------------------------------


def erase(
    session: Session,
    metadatas: Sequence[MetaData],
    subject: Subject,
    *,
    choice: str,
    registry: Registry,
) -> dict[str, int]:
    """Erase SUBJECT from every table as its annotations say; CHOICE ("anonymise" or
    "delete") decides the fate of what they published. Counts per table and hook; no commit."""
    if choice not in CONTENT_CHOICES:
        raise ValueError(f"unknown content choice {choice!r}")
    subjects = subjects_table(metadatas)
    counts: dict[str, int] = {}
    for name, hook in registry.before.items():
        counts[name] = hook(session, subject, choice)
    for metadata in metadatas:
        # Dependent rows before the rows they point at: the subjects' table comes last.
        for table in reversed(metadata.sorted_tables):
            counts[table.name] = _erase_table(session, table, subjects, subject, choice)
    # The proofs of consent outlive the account, five years from its end (retention).
    counts["consents_ended"] = session.execute(
        update(ConsentEvent)
        .where(ConsentEvent.subject_ref == subject.ref, ConsentEvent.subject_ended_at.is_(None))
        .values(subject_ended_at=utcnow())
    ).rowcount
    for name, hook in registry.after.items():
        counts[name] = hook(session, subject, choice)
    return {name: count for name, count in counts.items() if count}


def _erase_table(
    session: Session, table: Table, subjects: Table, subject: Subject, choice: str
) -> int:
    touched = _erase_content_of(session, table, subjects, subject, choice)
    main = table.info.get("subject")
    for column, holds_key in references(table, subjects):
        mine = column == _value(subject, holds_key)
        if column.name != main:  # someone else's row that mentions the subject
            data = of(column)
            if data is not None and data.erase is not Erase.HOLD:
                touched += session.execute(
                    update(table).where(mine).values({column: None})
                ).rowcount
            continue
        data = of(column)
        if data is not None and data.erase is Erase.DELETE:
            touched += session.execute(delete(table).where(mine)).rowcount
            continue
        values = {
            other: value
            for other in _own_columns(table, subjects)
            for changes, value in [_new_value(other, choice)]
            if changes
        }
        if data is not None and data.erase is not Erase.HOLD:
            values[column] = None
        if values:
            touched += session.execute(update(table).where(mine).values(values)).rowcount
    return touched


def _own_columns(table: Table, subjects: Table) -> list[Column]:
    """The columns a subject's row holds about them: not the links to subjects, and not the
    content a `content_of` table keeps for the subject of another row."""
    links = {column.name for column, _ in references(table, subjects)}
    return [
        column
        for column in table.columns
        if column.name not in links and not belongs_elsewhere(column)
    ]


def _erase_content_of(
    session: Session, table: Table, subjects: Table, subject: Subject, choice: str
) -> int:
    """Rows that are nothing but the content of the subject's rows elsewhere (a post's former
    versions): they go when the subject chose to delete their content."""
    link = table.info.get("content_of")
    if not link or choice != "delete":
        return 0
    (foreign_key,) = table.c[link].foreign_keys
    parent = foreign_key.column.table
    owner = parent.c[parent.info["subject"]]
    owned = select(foreign_key.column).where(owner == subject.key)
    return session.execute(delete(table).where(table.c[link].in_(owned))).rowcount


# --- what the annotations must say for the engine to work -----------------------------------


def problems(metadatas: Sequence[MetaData]) -> list[str]:
    """Declarations the engine could not apply; tests/gdpr keeps this list empty."""
    subjects = subjects_table(metadatas)
    found = []
    for metadata in metadatas:
        for table in metadata.sorted_tables:
            main = table.info.get("subject")
            for column, holds_key in references(table, subjects):
                data = of(column)
                if data is None:
                    found.append(f"{table.name}.{column.name}: names a subject, not declared")
                elif holds_key and data.erase is Erase.HOLD and table is not subjects:
                    found.append(f"{table.name}.{column.name}: a kept link to an erased row")
                elif column.name != main and data.erase is not Erase.HOLD and not column.nullable:
                    found.append(f"{table.name}.{column.name}: cannot become NULL")
            main_data = of(table.c[main]) if main else None
            if main_data is None or main_data.erase is Erase.DELETE:
                continue  # no row of the subject stays here
            for column in _own_columns(table, subjects):
                try:
                    _new_value(column, "delete")
                except ValueError:
                    found.append(f"{table.name}.{column.name}: needs a placeholder")
    return found


# --- after the erasure: residues, certificate, tombstone ------------------------------------


def text_columns(tables: Iterable[Table]):
    """The columns of readable text: not ciphertext, not hashes (security)."""
    for table in tables:
        for column in table.columns:
            data = of(column)
            unreadable = data is not None and (data.encrypted or data.category == "security")
            if isinstance(column.type, String | Text) and not unreadable:
                yield table, column


FREE_TEXT_MIN_LENGTH = 60  # shorter strings are names, codes and keys


def rewritable(column: Column) -> bool:
    """True for free text a person wrote (a post, a bio, a reason), which a name may be
    replaced in; not names, keys, codes or links, which a rewrite would break."""
    if not any(column is readable for _table, readable in text_columns([column.table])):
        return False
    table = column.table
    unique = column.unique or any(
        index.unique and column in index.columns for index in table.indexes
    )
    links = {table.info.get("subject"), *table.info.get("refs", ())}
    long_enough = column.type.length is None or column.type.length >= FREE_TEXT_MIN_LENGTH
    return (
        long_enough
        and not (column.primary_key or column.foreign_keys or unique)
        and column.name not in links
    )


Skeleton = Callable[[str], str]  # the form two spellings share when a reader could confuse them


def _lower(text: str) -> str:
    return text.lower()


def _skeleton_of(text: str, skeleton: Skeleton) -> tuple[str, list[int]]:
    """The skeleton of TEXT, and for each of its characters the index in TEXT it comes from."""
    pieces, origins = [], []
    for index, char in enumerate(text):
        for piece in skeleton(char):
            pieces.append(piece)
            origins.append(index)
    return "".join(pieces), origins


def _wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def _stands_alone(text: str, begin: int, end: int) -> bool:
    """True when TEXT[BEGIN:END] is not a piece of a longer word ("Léa" in "Léandre")."""
    inside_before = begin > 0 and _wordish(text[begin - 1]) and _wordish(text[begin])
    inside_after = end < len(text) and _wordish(text[end]) and _wordish(text[end - 1])
    return not (inside_before or inside_after)


class _Skeletons(dict):
    """Each character's skeleton, worked out once (a scan reads millions of characters)."""

    def __init__(self, skeleton: Skeleton) -> None:
        super().__init__()
        self.skeleton = skeleton

    def __missing__(self, char: str) -> str:
        self[char] = folded = self.skeleton(char)
        return folded


_SKELETONS: dict[Skeleton, _Skeletons] = {}


def find(text: str, needles: Iterable[str], skeleton: Skeleton = _lower) -> list[tuple[int, int]]:
    """The spans of TEXT where one of NEEDLES stands as a word of its own, in any spelling
    SKELETON cannot tell apart (case, accents, look-alike characters)."""
    needles = list(needles)
    table = _SKELETONS.setdefault(skeleton, _Skeletons(skeleton))
    # The same skeleton as below, character by character, without the origins: most texts
    # hold none of the needles, and are done with here.
    quick = "".join(map(table.__getitem__, text))
    if not any(len(key) >= MIN_IDENTIFIER and key in quick for key in map(skeleton, needles)):
        return []
    folded, origins = _skeleton_of(text, skeleton)
    spans = []
    for needle in needles:
        key = skeleton(needle)
        if len(key) < MIN_IDENTIFIER:
            continue
        start = folded.find(key)
        while start != -1:
            stop = start + len(key)
            whole_chars = (start == 0 or origins[start - 1] != origins[start]) and (
                stop == len(folded) or origins[stop] != origins[stop - 1]
            )
            begin, end = origins[start], origins[stop - 1] + 1
            if whole_chars and _stands_alone(text, begin, end):
                spans.append((begin, end))
            start = folded.find(key, start + 1)
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def replace(
    text: str, needles: Iterable[str], replacement: str, skeleton: Skeleton = _lower
) -> str:
    """TEXT with every spelling of NEEDLES replaced by REPLACEMENT."""
    for begin, end in reversed(find(text, needles, skeleton)):
        text = text[:begin] + replacement + text[end:]
    return text


# The database hands over only the rows worth reading, in two nets. Text written with the
# characters of French (ASCII, Latin-1, œ, typographic punctuation), each of which stands for
# one character of a key, is matched key character by key character: on PostgreSQL with a
# regular expression of each one's spellings, on SQLite with LIKE (a wildcard for a character
# another spelling may take), what it lets through then matched exactly in Python before the
# slower `find` reads it — a key such as "membre0003" lets every "membres de" through LIKE, the
# classes none. Any other text (full-width or mathematical letters, Greek or Cyrillic
# look-alikes, ligatures…) is read whole.

COMMON = {
    *map(chr, range(0x20, 0x7F)),
    "\t",
    "\n",
    "\r",
    *map(chr, range(0xA0, 0x100)),
    *"œŒŸ€",
    *map(chr, range(0x2000, 0x2070)),
}


@cache
def _spellings(skeleton: Skeleton) -> dict[str, str]:
    """For each skeleton character, the common characters that stand for it alone ("e": "EeÈÉ…");
    a common character missing from every value has a longer or empty skeleton (…, ß)."""
    spellings: dict[str, list[str]] = {}
    for char in sorted(COMMON):
        folded = skeleton(char)
        if len(folded) == 1:
            spellings.setdefault(folded, []).append(char)
    return {folded: "".join(chars) for folded, chars in spellings.items()}


@cache
def _plain(skeleton: Skeleton) -> str:
    """The common characters that stand for one skeleton character: the LIKE net's alphabet."""
    return "".join(sorted("".join(_spellings(skeleton).values())))


class _Net:
    """What a scan for KEYS (skeletons of the identifiers looked for) lets through."""

    def __init__(self, keys: Sequence[str], skeleton: Skeleton) -> None:
        # A text holding a key holds every key inside it ("lea" in "lea@exemple.fr"): the
        # shortest are enough to let through all the texts worth reading.
        self.keys = [key for key in keys if not any(k != key and k in key for k in keys)]
        self.skeleton = skeleton
        spellings = _spellings(skeleton)
        self.plain = _plain(skeleton)
        self.latin = bytes(sorted(ord(char) for char in self.plain if ord(char) < 0x100))
        # The key characters another common character may stand for: LIKE's wildcards.
        self.variable = {
            folded
            for folded, chars in spellings.items()
            if any(char.lower() != folded for char in chars)
        }
        self.any_uncommon = re.compile("[^" + "".join(map(re.escape, self.plain)) + "]").search
        self.precise = re.compile("|".join(self._classes(re.escape))).search

    def uncommon(self, text: str | None) -> bool:
        """Whether TEXT holds a character outside the nets' alphabet (`_plain`). SQLite calls
        it on every row of every text column: no more than it needs."""
        try:  # most French text is Latin-1: its bytes are sorted out at C speed
            return bool(text.encode("latin-1").translate(None, self.latin))  # type: ignore[union-attr]
        except UnicodeEncodeError:
            return self.any_uncommon(text) is not None
        except AttributeError:  # NULL
            return False

    def _classes(self, escape: Callable[[str], str]) -> list[str]:
        """Each key as a regular expression: a bracket expression of its spellings a character."""
        spellings = _spellings(self.skeleton)
        return [
            "".join(f"[{''.join(map(escape, spellings.get(folded, folded)))}]" for folded in key)
            for key in self.keys
        ]

    def worth_reading(self, text: str | None) -> bool:
        """Whether TEXT may hold a key: some uncommon character, or a key spelt in common ones
        (exact for a text of common characters only)."""
        return bool(text) and bool(self.uncommon(text) or self.precise(text))

    def where(self, session: Session, columns: Sequence[Column]):
        """The SQL condition that hands over the rows worth reading in one of COLUMNS (of one
        table, read together: one pass over it); None: read them all."""
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            # SQLite's own LIKE ignores the case of ASCII letters, the only literals of the
            # patterns, and no common character lowers to one: no call of a Python `lower`.
            connection = session.connection().connection.driver_connection
            connection.create_function("gdpr_uncommon", -1, self.any_of, deterministic=True)
            likes = [
                column.like(f"%{self._like(key)}%", escape="\\")
                for column in columns
                for key in self.keys
            ]
            return or_(*likes, func.gdpr_uncommon(*columns))
        if dialect == "postgresql":
            # One regular expression over the columns joined: one pass over each row's text
            # (a key found across two columns only costs a row read for nothing).
            plain = "".join(map(_regex_literal, self.plain))
            precise = "|".join(self._classes(_regex_literal))
            return func.concat_ws(" ", *columns).op("~")(f"{precise}|[^{plain}]")
        return None

    def any_of(self, *texts: str | None) -> bool:
        """Whether one of TEXTS holds an uncommon character (one call a row, for SQLite)."""
        return self.uncommon("".join([text for text in texts if isinstance(text, str)]))

    def _like(self, key: str) -> str:
        return "".join(
            "_" if char in self.variable or not char.isascii() else _like_literal(char)
            for char in key
        )


def _regex_literal(char: str) -> str:
    """CHAR inside a bracket expression of PostgreSQL's regular expressions."""
    return "\\" + char if char in "\\[]^-" else char


def _like_literal(char: str) -> str:
    return "\\" + char if char in "%_\\" else char


def scan(
    session: Session,
    tables: Iterable[Table],
    identifiers: Iterable[str],
    *,
    skeleton: Skeleton = _lower,
) -> list[tuple]:
    """Every (table, column, row key) where one of IDENTIFIERS still appears, in any spelling
    SKELETON cannot tell apart."""
    needles = sorted({i for i in identifiers if i and len(skeleton(i)) >= MIN_IDENTIFIER})
    if not needles:
        return []
    net = _Net(tuple(skeleton(needle) for needle in needles), skeleton)
    found = []
    by_table: dict[Table, list[Column]] = {}
    for table, column in text_columns(tables):
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        key = next(iter(table.primary_key.columns))
        query = select(key, *columns)
        worth_reading = net.where(session, columns)
        if worth_reading is not None:
            query = query.where(worth_reading)
        for row_key, *values in session.execute(query):
            for column, value in zip(columns, values, strict=True):
                if net.worth_reading(value) and find(value, needles, skeleton):
                    found.append((table.name, column.name, str(row_key)))
    return found


def certify(
    session: Session,
    erasure: Erasure,
    *,
    counts: Mapping[str, int],
    residues: list[tuple],
    digest: str,
    sealed_identifiers: str | None = None,
) -> ErasureCertificate:
    """Close ERASURE: review tasks for residues (with SEALED_IDENTIFIERS, what to look for,
    encrypted by the caller), a tombstone, a certificate. The caller commits."""
    now = utcnow()
    erasure.executed_at = now
    for table_name, column_name, row_key in residues:
        session.add(
            ReviewTask(
                erasure_id=erasure.id,
                table_name=table_name,
                column_name=column_name,
                row_key=row_key,
                found_at=now,
                identifiers_encrypted=sealed_identifiers,
            )
        )
    if session.scalar(select(Tombstone).where(Tombstone.digest == digest)) is None:
        session.add(Tombstone(digest=digest, content=erasure.content, erased_at=now))
    certificate = ErasureCertificate(
        erasure_id=erasure.id,
        request_id=erasure.request_id,
        requested_at=erasure.requested_at,
        executed_at=now,
        counts=json.dumps(dict(counts), sort_keys=True),
        residues=len(residues),
    )
    session.add(certificate)
    return certificate


def checkpoint(session: Session) -> None:
    """SQLite keeps the former pages of what was erased in its write-ahead log until a
    checkpoint: fold it into the database (where secure_delete has zeroed them) and empty it."""
    if session.get_bind().dialect.name == "sqlite":
        busy, _log, _done = session.execute(sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        if busy:  # a reader held the log: it is emptied at the next checkpoint
            log.warning("the write-ahead log could not be emptied now (a reader holds it)")
