"""Erasure (art. 17): grace period, execution, tombstones, review of what the scan found."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, delete, func, select, update

from forum import mail, markup, policy, slugs, tokens, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    ModerationAction,
    Post,
    PostRevision,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts, devices, exports, moderation, posting
from gdpr import erasure as gdpr_erasure
from gdpr import files
from gdpr import requests as gdpr_requests
from gdpr.models import (
    Erasure,
    ErasureCertificate,
    ExportArchive,
    ReviewTask,
    SubjectRequest,
    Tombstone,
)
from gdpr.models import metadata as gdpr_metadata

METADATAS = (db.metadata, gdpr_metadata)

log = logging.getLogger(__name__)


FORMER_MEMBER_MENTION = "@ancien-membre"
CONTENT_CHOICES = gdpr_erasure.CONTENT_CHOICES


def pending_erasure(user: User) -> Erasure | None:
    query = select(Erasure).where(
        Erasure.subject_ref == user.subject_ref,
        Erasure.cancelled_at.is_(None),
        Erasure.executed_at.is_(None),
    )
    return db.session.scalar(query)


def schedule_erasure(
    actor: User, *, password: str, content: str, keep_device: int | None = None
) -> Erasure:
    """Erase ACTOR's account after the grace period, unless they cancel (link or login).

    Every other session of the member ends at once; the account row and its devices go at
    execution.
    """
    error = InvalidInput.collect(
        {
            "password": None
            if accounts.hasher().verify(actor.password_hash, password)
            else _("Le mot de passe est incorrect."),
            "content": None
            if content in CONTENT_CHOICES
            else _("Choisissez ce que deviennent vos messages."),
        }
    )
    if error:
        raise error
    existing = pending_erasure(actor)
    if existing is not None:
        return existing
    now = utcnow()
    request = gdpr_requests.record(
        db.session, kind="erasure", channel="self-service", subject_ref=actor.subject_ref
    )
    grace = current_app.config["GDPR_ERASURE_GRACE_DAYS"]
    scheduled = Erasure(
        subject_ref=actor.subject_ref,
        request_id=request.id,
        content=content,
        requested_at=now,
        due_at=now + timedelta(days=grace),
    )
    db.session.add(scheduled)
    devices.end_other_sessions(actor, keep=keep_device)
    db.session.commit()
    token = tokens.make("cancel-erasure", {"e": scheduled.id})
    accounts.notify(
        actor,
        "erasure_scheduled",
        due_at=scheduled.due_at,
        cancel_url=absolute_url("privacy.cancel_erasure", token=token),
    )
    return scheduled


def cancel_erasure(scheduled: Erasure) -> None:
    scheduled.cancelled_at = utcnow()
    request = db.session.get(SubjectRequest, scheduled.request_id) if scheduled.request_id else None
    if request is not None:
        gdpr_requests.close(request, outcome="cancelled by the member", status="withdrawn")
    db.session.commit()


def cancel_erasure_by_token(token: str) -> bool:
    """Cancel the erasure a mailed link names; False when it already ran or never existed."""
    payload = tokens.read("cancel-erasure", token, max_age=60 * 60 * 24 * 365)
    scheduled = db.session.get(Erasure, payload.get("e")) if isinstance(payload, dict) else None
    if scheduled is None or scheduled.executed_at is not None:
        return False
    if scheduled.cancelled_at is None:
        cancel_erasure(scheduled)
    return True


def cancel_own_erasure(user: User) -> bool:
    """USER changes their mind during the grace period; False if nothing was pending."""
    scheduled = pending_erasure(user)
    if scheduled is None:
        return False
    cancel_erasure(scheduled)
    return True


def run_due_erasures(now: datetime | None = None) -> list[ErasureCertificate]:
    """Execute every erasure whose grace period is over, each in its own transaction."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Erasure)
        .where(Erasure.due_at <= now, Erasure.cancelled_at.is_(None), Erasure.executed_at.is_(None))
        .order_by(Erasure.id)
    ).all()
    certificates = []
    for scheduled_id in [scheduled.id for scheduled in due]:
        try:
            certificates.append(_execute(db.session.get(Erasure, scheduled_id)))
        except Exception:  # one failure must not keep the others waiting; retried next run
            db.session.rollback()
            log.exception("erasure %s failed; it will be retried", scheduled_id)
    return certificates


def _execute(scheduled: Erasure) -> ErasureCertificate:
    user = db.session.get(User, int(scheduled.subject_ref))
    certificate = _erase_member(user, scheduled)
    db.session.commit()
    return certificate


@dataclass
class _Identifiers:
    username: str
    email: str
    display_name: str | None
    digest: str
    locale: str | None

    def all(self) -> list[str]:
        return [value for value in (self.username, self.email, self.display_name) if value]


def _erase_member(user: User | None, scheduled: Erasure) -> ErasureCertificate:
    """Erase USER's personal data; scan for leftovers; leave a certificate. Caller commits."""
    counts: dict[str, int] = {}
    identifiers = None
    if user is not None:  # None: already erased by an earlier, interrupted run
        identifiers = _Identifiers(
            user.username, accounts.email_of(user), user.display_name, user.email_hash, user.locale
        )
        counts = gdpr_erasure.erase(
            db.session,
            METADATAS,
            gdpr_erasure.Subject(key=user.id, ref=user.subject_ref),
            choice=scheduled.content,
            registry=hooks(),
        )
        db.session.flush()
        # The engine wrote with SQL: the member's row is gone, what was loaded is stale.
        db.session.expunge(user)
        db.session.expire_all()
    tables = [table for metadata in METADATAS for table in metadata.sorted_tables]
    residues = (
        gdpr_erasure.scan(db.session, tables, identifiers.all(), skeleton=usernames.key)
        if identifiers
        else []
    )
    request = db.session.get(SubjectRequest, scheduled.request_id) if scheduled.request_id else None
    if request is not None and request.closed_at is None:
        gdpr_requests.close(request, outcome="erased")
    certificate = gdpr_erasure.certify(
        db.session,
        scheduled,
        counts=counts,
        residues=residues,
        digest=identifiers.digest if identifiers else scheduled.subject_ref,
        sealed_identifiers=accounts.vault().encrypt(json.dumps(identifiers.all()))
        if identifiers
        else None,
    )
    if identifiers:
        _keep_tombstone(identifiers.digest, scheduled.content)
        db.session.flush()
        # The last mail, sent now (erasures run from the command line, never in a request) to
        # the address read before it went; the outbox keeps no copy of it either.
        subject, body = mail.render(
            "erasure_done",
            locale=identifiers.locale,
            username=identifiers.username,
            certificate=certificate,
            counts=json.loads(certificate.counts),
        )
        mail.transmit(identifiers.email, subject, body)
        mail.forget(identifiers.email)
    return certificate


def tombstone_file() -> Path:
    # Outside the database on purpose: it must survive the restore of an older backup.
    return Path(current_app.instance_path) / "tombstones.jsonl"


def _keep_tombstone(digest: str, content: str) -> None:
    path = tombstone_file()
    line = json.dumps({"digest": digest, "content": content, "erased_at": utcnow().isoformat()})
    with files.open_private(path, "a") as handle:
        handle.write(line + "\n")


def forget_tombstones(cutoff: datetime, *, dry_run: bool) -> int:
    """Tombstones older than CUTOFF, in the database and in the file: no backup that old may
    be restored any more (retention)."""
    due = select(Tombstone).where(Tombstone.erased_at < cutoff)
    count = len(db.session.scalars(due).all())
    path = tombstone_file()
    if path.exists():
        entries = [
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line
        ]
        kept = [e for e in entries if datetime.fromisoformat(e["erased_at"]) >= cutoff]
        count = max(count, len(entries) - len(kept))
        if not dry_run and len(kept) != len(entries):
            with files.open_private(path, "w") as handle:
                handle.write("".join(json.dumps(e) + "\n" for e in kept))
    if not dry_run:
        db.session.execute(delete(Tombstone).where(Tombstone.erased_at < cutoff))
    return count


def reapply_erasures() -> int:
    """After a backup restore: erase again every member erased since (tombstones). Idempotent."""
    path = tombstone_file()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    known = {
        row.digest: (row.content, row.erased_at) for row in db.session.scalars(select(Tombstone))
    }
    for entry in map(json.loads, filter(None, lines)):
        known[entry["digest"]] = (entry["content"], datetime.fromisoformat(entry["erased_at"]))
    erased = 0
    for digest, (content, erased_at) in known.items():
        user = db.session.scalar(select(User).where(User.email_hash == digest))
        # Someone who registered again after the erasure is a new account: left alone.
        if user is not None and user.created_at < erased_at:
            erase_now(user, content=content)
            erased += 1
        db.session.commit()
    return erased


# --- the forum's hooks: what the column annotations cannot say ---------------------------------


def hooks() -> gdpr_erasure.Registry:
    """The erasure engine's hooks, by name: free text naming the member in other people's
    rows, and what comes with the rows the engine deletes or blanks (files, counters)."""
    registry = gdpr_erasure.Registry()
    registry.add_hook("mentions", _rewrite_mentions)
    registry.add_hook("quotes", _drop_quoted_text)
    registry.add_hook("deleted_posts", _leave_placeholders)
    registry.add_hook("approval_queue", _recount_waiting_posts)
    registry.add_hook("moderation_targets", _rewrite_targets)
    registry.add_hook("export_files", _delete_export_files)
    registry.add_hook("outbox", _forget_mail)
    return registry


def _member(subject: gdpr_erasure.Subject) -> User:
    return db.session.get(User, subject.key)


def _their_posts(subject: gdpr_erasure.Subject):
    return select(Post.id).where(Post.author_id == subject.key)


def _rewrite_mentions(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """Others' posts and their history no longer name the member (mentions, quote headers)."""
    username = _member(subject).username
    pattern = re.compile(rf"@{re.escape(username)}(?![\w-])", re.IGNORECASE)
    needle = f"%@{username.lower()}%"
    changed = 0
    for post in session.scalars(select(Post).where(func.lower(Post.source).like(needle))):
        post.source = pattern.sub(FORMER_MEMBER_MENTION, post.source)
        post.html = markup.render(post.source) if post.source else ""
        changed += 1
    query = select(PostRevision).where(func.lower(PostRevision.source).like(needle))
    for revision in session.scalars(query):
        revision.source = pattern.sub(FORMER_MEMBER_MENTION, revision.source)
        changed += 1
    session.flush()
    return changed


QUOTED_BLOCK = re.compile(r"\A(?:>[^\n]*\n)+\n?")


def _drop_quoted_text(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """Replies quoting a member whose posts go lose the quoted text, not just the name."""
    if choice != "delete":
        return 0
    changed = 0
    quoting = select(Post).where(Post.quoted_post_id.in_(_their_posts(subject)))
    for post in session.scalars(quoting):
        post.source = QUOTED_BLOCK.sub(_("> *(message supprimé)*") + "\n\n", post.source, count=1)
        post.html = markup.render(post.source)
        changed += 1
    session.flush()
    return changed


def _leave_placeholders(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """Posts whose text goes stay in their thread as "Message supprimé"."""
    if choice != "delete":
        return 0
    return session.execute(
        update(Post)
        .where(Post.author_id == subject.key, Post.deleted_at.is_(None))
        .values(deleted_at=utcnow())
    ).rowcount


def _recount_waiting_posts(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """Their posts waiting for approval leave the queue counters."""
    waiting = select(Post.thread_id).where(
        Post.author_id == subject.key, Post.pending_at.is_not(None)
    )
    threads = list(session.scalars(select(Thread).where(Thread.id.in_(waiting))))
    for thread in threads:
        posting.recount(thread)
    session.flush()
    return len(threads)


def _rewrite_targets(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """The moderation log named the member as "user:<id>": it stays, without the number."""
    return session.execute(
        update(ModerationAction)
        .where(ModerationAction.target == f"user:{subject.key}")
        .values(target="user:ancien-membre")
    ).rowcount


def _delete_export_files(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """The archive files of the member's exports (the engine deletes their rows)."""
    archives = session.scalars(
        select(ExportArchive).where(ExportArchive.subject_ref == subject.ref)
    ).all()
    for archive in archives:
        if archive.filename:
            (exports.exports_folder() / archive.filename).unlink(missing_ok=True)
    return len(archives)


def _forget_mail(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """The outbox files sent to the member (no SMTP server)."""
    return mail.forget(accounts.email_of(_member(subject)))


def erase_now(user: User, *, content: str) -> ErasureCertificate:
    """Erase USER at once (retention): same path as a requested erasure. Caller commits."""
    scheduled = Erasure(
        subject_ref=user.subject_ref, content=content, requested_at=utcnow(), due_at=utcnow()
    )
    db.session.add(scheduled)
    db.session.flush()
    return _erase_member(user, scheduled)


# --- after erasure: review tasks and certificates ---------------------------------------------


def list_review_tasks(actor: User) -> list[tuple[ReviewTask, Excerpt | None]]:
    """What erasures left behind, still to handle, with an excerpt of each: for an admin."""
    policy.require(policy.is_admin(actor))
    query = select(ReviewTask).where(ReviewTask.resolved_at.is_(None))
    return [(task, excerpt(task)) for task in db.session.scalars(query.order_by(ReviewTask.id))]


def list_certificates(actor: User, limit: int = 50) -> list[ErasureCertificate]:
    policy.require(policy.is_admin(actor))
    query = select(ErasureCertificate).order_by(ErasureCertificate.id.desc()).limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Excerpt:
    """A few words around what was found: before, the match, after."""

    before: str
    found: str
    after: str


EXCERPT_CONTEXT = 60
FORMER_MEMBER = "Ancien membre"


def _residue(task: ReviewTask) -> tuple[Table, Any, str, list[str]] | None:
    """The table, row key, current text and identifiers of TASK; None once the row is gone."""
    table = next(
        (t for metadata in METADATAS for t in metadata.sorted_tables if t.name == task.table_name),
        None,
    )
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
    _table, _key, text, identifiers = found
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
    membre »: the text, its rendering and its former versions. Logged like a redaction,
    without the passage; how many tasks it closed."""
    policy.require(policy.is_admin(actor))
    found = _residue(task)
    if found is None:
        return _close(task, "replaced")
    table, row_key, _text, identifiers = found
    member_id = _rewrite(table, row_key, identifiers)
    db.session.flush()
    closed = _close_settled(task)
    moderation.log_residue_replacement(actor, member_id=member_id, target=f"{table.name}:{row_key}")
    return closed


def _rewrite(table: Table, row_key: Any, identifiers: list[str]) -> int | None:
    """Rewrite every text column of the row (and what derives from it); the row's member."""

    def scrub(text: str) -> str:
        return gdpr_erasure.replace(text, identifiers, FORMER_MEMBER, usernames.key)

    if table.name == Post.__tablename__:
        post = db.session.get(Post, row_key)
        post.source = scrub(post.source)
        post.html = markup.render(post.source) if post.source else ""
        for revision in db.session.scalars(
            select(PostRevision).where(PostRevision.post_id == post.id)
        ):
            revision.source = scrub(revision.source)
        return post.author_id
    if table.name == User.__tablename__:
        user = db.session.get(User, row_key)
        user.bio_source = scrub(user.bio_source)
        user.bio_html = markup.render(user.bio_source) if user.bio_source else ""
        user.display_name = scrub(user.display_name) if user.display_name else None
        return user.id
    if table.name == Thread.__tablename__:
        thread = db.session.get(Thread, row_key)
        thread.title = scrub(thread.title)
        thread.slug = slugs.slugify(thread.title) or "discussion"
        return thread.author_id
    (key,) = table.primary_key.columns
    row = db.session.execute(select(table).where(key == row_key)).mappings().one()
    values = {
        column.name: scrub(row[column.name])
        for table_, column in gdpr_erasure.text_columns([table])
        if row[column.name]
    }
    db.session.execute(update(table).where(key == row_key).values(values))
    return None


def _close(task: ReviewTask, outcome: str, reason: str | None = None) -> int:
    task.resolved_at, task.outcome, task.kept_because = utcnow(), outcome, reason
    task.identifiers_encrypted = None  # nothing left to look for: forgotten
    db.session.commit()
    return 1


def _close_settled(task: ReviewTask) -> int:
    """TASK, and the other open tasks of its erasure whose text holds nothing to find any
    more (the same row's other columns, the history rewritten with it)."""
    open_tasks = select(ReviewTask).where(
        ReviewTask.erasure_id == task.erasure_id, ReviewTask.resolved_at.is_(None)
    )
    settled = [each for each in db.session.scalars(open_tasks) if each is task or not excerpt(each)]
    now = utcnow()
    for each in settled:
        each.resolved_at, each.outcome, each.identifiers_encrypted = now, "replaced", None
    return len(settled)


KEEP_REASON_MAX = 500


def _words(identifiers: list[str]) -> list[str]:
    """The identifiers and each longer word of them ("Tournesol" of "Mathilde Tournesol")."""
    words = {word for identifier in identifiers for word in re.split(r"[\W_]+", identifier)}
    return [*identifiers, *(word for word in words if len(word) >= 4)]


def keep_residue(actor: User, task: ReviewTask, *, reason: str) -> None:
    """Keep what was found, for a stated reason (a homonym, a public fact…)."""
    policy.require(policy.is_admin(actor))
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= KEEP_REASON_MAX:
        raise InvalidInput("reason", _("Dites en quelques mots pourquoi ce texte reste tel quel."))
    found = _residue(task)
    if found is not None and gdpr_erasure.find(reason, _words(found[3]), usernames.key):
        raise InvalidInput("reason", _("Le motif ne doit pas reprendre le nom du membre effacé."))
    _close(task, "kept", reason)
