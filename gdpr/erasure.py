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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    or_,
    select,
    update,
)
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
    """(changes, new value) for a personal column of a row that stays."""
    data = of(column)
    if data is None or data.erase is Erase.HOLD:
        return False, None
    if data.erase is Erase.ANONYMISE:
        return (True, data.placeholder) if data.placeholder is not None else (False, None)
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
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                yield table, column


Skeleton = Callable[[str], str]  # the form two spellings share when a reader could confuse them


def _plain(text: str) -> str:
    return text.lower()


def _skeleton_of(text: str, skeleton: Skeleton) -> tuple[str, list[int]]:
    """The skeleton of TEXT, and for each of its characters the index in TEXT it comes from."""
    pieces, origins = [], []
    for index, char in enumerate(text):
        for piece in skeleton(char):
            pieces.append(piece)
            origins.append(index)
    return "".join(pieces), origins


def find(text: str, needles: Iterable[str], skeleton: Skeleton = _plain) -> list[tuple[int, int]]:
    """The spans of TEXT where one of NEEDLES stands, in any spelling SKELETON cannot tell
    apart (case, accents, look-alike characters)."""
    folded, origins = _skeleton_of(text, skeleton)
    spans = []
    for needle in needles:
        key = skeleton(needle)
        if len(key) < MIN_IDENTIFIER:
            continue
        start = folded.find(key)
        while start != -1:
            spans.append((origins[start], origins[start + len(key) - 1] + 1))
            start = folded.find(key, start + 1)
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def replace(
    text: str, needles: Iterable[str], replacement: str, skeleton: Skeleton = _plain
) -> str:
    """TEXT with every spelling of NEEDLES replaced by REPLACEMENT."""
    for begin, end in reversed(find(text, needles, skeleton)):
        text = text[:begin] + replacement + text[end:]
    return text


# Characters of a skeleton that other spellings may replace (accents, look-alikes): a LIKE
# wildcard, so that the database only hands over rows worth reading.
VARIABLE = set("aeiouyclno-")


def _prefilter(column: Column, key: str):
    pattern = "".join("_" if char in VARIABLE or not char.isascii() else char for char in key)
    return func.lower(column).like(f"%{pattern}%")


def scan(
    session: Session,
    tables: Iterable[Table],
    identifiers: Iterable[str],
    *,
    skeleton: Skeleton = _plain,
) -> list[tuple]:
    """Every (table, column, row key) where one of IDENTIFIERS still appears, in any spelling
    SKELETON cannot tell apart."""
    needles = sorted({i for i in identifiers if i and len(skeleton(i)) >= MIN_IDENTIFIER})
    if not needles:
        return []
    found = []
    for table, column in text_columns(tables):
        key = next(iter(table.primary_key.columns))
        worth_reading = or_(*(_prefilter(column, skeleton(needle)) for needle in needles))
        for row_key, value in session.execute(select(key, column).where(worth_reading)):
            if value and find(value, needles, skeleton):
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
