"""After an erasure: what the scan found of the member in other people's rows, reviewed by an
admin — replaced by « Ancien membre » (the text, what is computed from it, its former
versions) or kept with a reason — and the erasure certificates."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, select, update

from forum import markup, policy, search_index, slugs, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Message, Post, Thread, User
from forum.models.base import utcnow
from forum.services import accounts, moderation, posting
from gdpr import erasure as gdpr_erasure
from gdpr.models import ErasureCertificate, ReviewTask
from gdpr.models import metadata as gdpr_metadata

METADATAS = (db.metadata, gdpr_metadata)
FORMER_MEMBER = "Ancien membre"
EXCERPT_CONTEXT = 60
KEEP_REASON_MAX = 500


def _render(source: str) -> str:
    return markup.render(source) if source else ""


def _render_post(source: str) -> str:
    return posting.render_post(source) if source else ""


# Columns computed from another column of the same row: computed again from the rewritten
# text, never rewritten themselves.
DERIVED: dict[tuple[str, str], tuple[str, Callable[[str], str]]] = {
    (Post.__tablename__, "html"): ("source", _render_post),
    (Post.__tablename__, "search_text"): (
        "source",
        lambda source: search_index.plain_text(_render_post(source)),
    ),
    (User.__tablename__, "bio_html"): ("bio_source", _render),
    (Message.__tablename__, "html"): ("source", _render),
    (Thread.__tablename__, "slug"): ("title", lambda title: slugs.slugify(title) or "discussion"),
}
# What the moderation log calls a row of each table ("post:12").
TARGETS = {
    Post.__tablename__: "post",
    Thread.__tablename__: "thread",
    User.__tablename__: "user",
    Message.__tablename__: "message",
}


@dataclass(frozen=True)
class Excerpt:
    """A few words around what was found: before, the match, after."""

    before: str
    found: str
    after: str


@dataclass(frozen=True)
class Item:
    """A task as the review page shows it."""

    task: ReviewTask
    excerpt: Excerpt | None
    rewritable: bool  # free text: « replace » can fix it; else only « keep » or a hand edit


def words(identifiers: list[str]) -> list[str]:
    """The identifiers, the username written with spaces ("marthe ebeniste") and each word of
    four letters or more of the display name ("Rabot" of "Léa Rabot")."""
    username, *others = identifiers
    spaced = " ".join(re.split(r"[-_]+", username))
    name_words = {
        word for other in others for word in re.split(r"[\W_]+", other) if "@" not in other
    }
    found = [*identifiers, spaced, *sorted(word for word in name_words if len(word) >= 4)]
    return list(dict.fromkeys(found))


def list_review_tasks(actor: User) -> list[Item]:
    """What erasures left behind, still to handle, with an excerpt of each: for an admin."""
    policy.require(policy.is_admin(actor))
    query = select(ReviewTask).where(ReviewTask.resolved_at.is_(None)).order_by(ReviewTask.id)
    return [Item(task, excerpt(task), _is_rewritable(task)) for task in db.session.scalars(query)]


def list_certificates(actor: User, limit: int = 50) -> list[ErasureCertificate]:
    policy.require(policy.is_admin(actor))
    query = select(ErasureCertificate).order_by(ErasureCertificate.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def _table(name: str) -> Table | None:
    tables = (table for metadata in METADATAS for table in metadata.sorted_tables)
    return next((table for table in tables if table.name == name), None)


def _is_rewritable(task: ReviewTask) -> bool:
    table = _table(task.table_name)
    return (
        table is not None
        and task.column_name in table.c
        and (
            (table.name, task.column_name) in DERIVED
            or gdpr_erasure.rewritable(table.c[task.column_name])
        )
    )


def _residue(task: ReviewTask) -> tuple[Table, Any, str, list[str]] | None:
    """The table, row key, current text and identifiers of TASK; None once the row is gone."""
    table = _table(task.table_name)
    if table is None or task.column_name not in table.c or not task.identifiers_encrypted:
        return None
    (key,) = table.primary_key.columns
    row_key = int(task.row_key) if task.row_key.isdigit() else task.row_key
    text = db.session.scalar(select(table.c[task.column_name]).where(key == row_key))
    if text is None:
        return None
    identifiers = json.loads(accounts.vault().decrypt(task.identifiers_encrypted))
    return table, row_key, text, identifiers


def excerpt(task: ReviewTask) -> Excerpt | None:
    """Where TASK's identifier stands in its text, with some context; None if no longer."""
    found = _residue(task)
    if found is None:
        return None
    _table_, _key, text, identifiers = found
    spans = gdpr_erasure.find(text, identifiers, usernames.key)
    if not spans:
        return None
    begin, end = spans[0]
    return Excerpt(
        before=text[max(begin - EXCERPT_CONTEXT, 0) : begin],
        found=text[begin:end],
        after=text[end : end + EXCERPT_CONTEXT],
    )


def replace_residue(actor: User, task: ReviewTask) -> int:
    """Replace, in TASK's row, every spelling of the erased member's identifiers by « Ancien
    membre »: every free text of the row, what is computed from it, and the rows that hold
    its former versions. Logged like a redaction, without the passage; how many tasks it
    closed (those whose text holds nothing to find any more)."""
    policy.require(policy.is_admin(actor))
    found = _residue(task)
    if found is None:
        return _close(task, "replaced")
    if not _is_rewritable(task):
        raise InvalidInput(
            "reason",
            _("Ce champ n'est pas un texte libre : gardez-le en disant pourquoi, ou corrigez-le."),
        )
    table, row_key, _text, identifiers = found
    member_id = _rewrite(table, row_key, identifiers)
    db.session.flush()
    closed = _close_settled(task)
    target = f"{TARGETS.get(table.name, table.name)}:{row_key}"
    moderation.log_residue_replacement(actor, member_id=member_id, target=target)
    return closed


# Neither part may hold its own opening bracket: each try stops at the next one, so matching
# stays linear on hostile text ("[[[[…", "[a](" repeated).
MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*)(?:\s+\"[^\"\n]*\")?\)")
AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*|[^<>\s@]+@[^<>\s]+)>")


def scrub(text: str, identifiers: list[str]) -> str:
    """TEXT without the identifiers: a link whose address names the member keeps only its
    words (a `mailto:` of their address goes), then every spelling becomes « Ancien membre »."""

    def names_them(address: str) -> bool:
        return bool(gdpr_erasure.find(address, identifiers, usernames.key))

    text = MARKDOWN_LINK.sub(
        lambda link: link[1] if names_them(link[2]) else link[0],
        text,
    )
    text = AUTOLINK.sub(lambda link: FORMER_MEMBER if names_them(link[1]) else link[0], text)
    return gdpr_erasure.replace(text, identifiers, FORMER_MEMBER, usernames.key)


def _scrub_row(table: Table, row_key: Any, identifiers: list[str]) -> dict[str, Any]:
    """Rewrite the free text of one row, and what is computed from it; the row as it was."""
    (key,) = table.primary_key.columns
    row = db.session.execute(select(table).where(key == row_key)).mappings().one()
    values = {
        column.name: scrub(row[column.name], identifiers)
        for column in table.columns
        if (table.name, column.name) not in DERIVED
        and gdpr_erasure.rewritable(column)
        and row[column.name]
    }
    values = {name: value for name, value in values.items() if value != row[name]}
    for (table_name, column_name), (source, compute) in DERIVED.items():
        if table_name == table.name and source in values:
            values[column_name] = compute(values[source])
    if values:
        db.session.execute(update(table).where(key == row_key).values(values))
    return dict(row)


def _rewrite(table: Table, row_key: Any, identifiers: list[str]) -> int | None:
    """Rewrite the row and the rows that are its former versions (`content_of`); the member
    the row belongs to, if any."""
    row = _scrub_row(table, row_key, identifiers)
    for metadata in METADATAS:
        for versions in metadata.sorted_tables:
            link = versions.info.get("content_of")
            if link and any(fk.column.table is table for fk in versions.c[link].foreign_keys):
                (key,) = versions.primary_key.columns
                query = select(key).where(versions.c[link] == row_key)
                for version_key in db.session.scalars(query).all():
                    _scrub_row(versions, version_key, identifiers)
    subjects = gdpr_erasure.subjects_table(METADATAS)
    owner = table.info.get("subject")
    holds_key = any(
        column.name == owner and key for column, key in gdpr_erasure.references(table, subjects)
    )
    return row[owner] if holds_key else None


def _close(task: ReviewTask, outcome: str, reason: str | None = None) -> int:
    task.resolved_at, task.outcome, task.kept_because = utcnow(), outcome, reason
    task.identifiers_encrypted = None  # nothing left to look for: forgotten
    db.session.commit()
    return 1


def _close_settled(task: ReviewTask) -> int:
    """The open tasks of TASK's erasure whose text holds nothing to find any more (TASK, the
    same row's other columns, the history rewritten with it)."""
    open_tasks = select(ReviewTask).where(
        ReviewTask.erasure_id == task.erasure_id, ReviewTask.resolved_at.is_(None)
    )
    settled = [each for each in db.session.scalars(open_tasks) if not excerpt(each)]
    now = utcnow()
    for each in settled:
        each.resolved_at, each.outcome, each.identifiers_encrypted = now, "replaced", None
    return len(settled)


def keep_residue(actor: User, task: ReviewTask, *, reason: str) -> None:
    """Keep what was found, for a stated reason (a homonym, a public fact…)."""
    policy.require(policy.is_admin(actor))
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= KEEP_REASON_MAX:
        raise InvalidInput("reason", _("Dites en quelques mots pourquoi ce texte reste tel quel."))
    found = _residue(task)
    if found is not None and gdpr_erasure.find(reason, words(found[3]), usernames.key):
        raise InvalidInput("reason", _("Le motif ne doit pas reprendre le nom du membre effacé."))
    _close(task, "kept", reason)
