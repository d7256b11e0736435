"""Erasure (art. 17): grace period, execution, tombstones, review of what the scan found."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update

from forum import mail, search_index, slugs, tokens, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import ModerationAction, Post, PostRevision, Thread, User
from forum.models.base import utcnow
from forum.services import accounts, devices, exports, photos, posting, review_tasks
from gdpr import erasure as gdpr_erasure
from gdpr import files
from gdpr import requests as gdpr_requests
from gdpr.models import (
    Erasure,
    ErasureCertificate,
    ExportArchive,
    SubjectRequest,
    Tombstone,
)

METADATAS = review_tasks.METADATAS

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
    if certificates:
        settle_on_disk()
    return certificates


def settle_on_disk() -> None:
    """After erasing or purging: nothing of it left in the search index's pages nor in
    SQLite's write-ahead log."""
    search_index.compact(db.session.connection())
    db.session.commit()
    gdpr_erasure.checkpoint(db.session)
    photos.sweep()  # the files of the photos whose rows are gone


def _execute(scheduled: Erasure) -> ErasureCertificate:
    """Run a requested erasure, commit it, then send the member their last mail."""
    user = db.session.get(User, int(scheduled.subject_ref))
    certificate, last_mail = _erase_member(user, scheduled)
    db.session.commit()
    if last_mail is not None:
        last_mail.send()
    return certificate


@dataclass
class _Identifiers:
    username: str
    email: str
    display_name: str | None
    digest: str
    locale: str | None

    def all(self) -> list[str]:
        """What the scan looks for: the identifiers, and the words of the names."""
        found = [value for value in (self.username, self.email, self.display_name) if value]
        return review_tasks.words(found)


@dataclass(frozen=True)
class _LastMail:
    """The last mail of a requested erasure, with the certificate: sent once the erasure is
    committed, to the address read before it went; the outbox keeps no copy of it."""

    to: str
    subject: str
    body: str

    def send(self) -> None:
        mail.transmit(self.to, self.subject, self.body)
        mail.forget(self.to)


def _erase_member(
    user: User | None, scheduled: Erasure
) -> tuple[ErasureCertificate, _LastMail | None]:
    """Erase USER's personal data; scan for leftovers; leave a certificate; the last mail
    to send once the caller has committed (a requested erasure only)."""
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
    if not identifiers:
        return certificate, None
    _keep_tombstone(identifiers.digest, scheduled.content)
    db.session.flush()
    if scheduled.request_id is None:  # retention, a purge, a restored backup: nobody asked
        return certificate, None
    subject, body = mail.render(
        "erasure_done",
        locale=identifiers.locale,
        username=identifiers.username,
        certificate=certificate,
        counts=json.loads(certificate.counts),
    )
    return certificate, _LastMail(identifiers.email, subject, body)


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
    settle_on_disk()
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
    """Others' posts, their history and thread titles no longer name the member (mentions,
    quote headers)."""
    username = _member(subject).username
    pattern = re.compile(rf"@{re.escape(username)}(?![\w-])", re.IGNORECASE)
    changed = 0
    for post in session.scalars(select(Post).where(_may_mention(Post.source, username))):
        post.source = pattern.sub(FORMER_MEMBER_MENTION, post.source)
        post.html = posting.render_post(post.source) if post.source else ""
        changed += 1
    query = select(PostRevision).where(_may_mention(PostRevision.source, username))
    for revision in session.scalars(query):
        revision.source = pattern.sub(FORMER_MEMBER_MENTION, revision.source)
        changed += 1
    for thread in session.scalars(select(Thread).where(_may_mention(Thread.title, username))):
        thread.title = pattern.sub(FORMER_MEMBER_MENTION, thread.title)
        thread.slug = slugs.slugify(thread.title) or "discussion"
        changed += 1
    session.flush()
    return changed


# The characters Python's case-insensitive matching takes for an ASCII letter (and no other):
# neither SQLite's LIKE nor PostgreSQL's lower() takes them for it.
_OTHER_CASES = {"i": "İı", "s": "ſ", "k": "\u212a"}


def _may_mention(column, username: str):
    """A SQL condition true for every text of COLUMN where `@USERNAME` may stand, in any case
    Python's matching reads it in; on SQLite without a Python `lower` for each row of a
    million (its own LIKE ignores the case of ASCII letters)."""
    needle = f"%@{username.lower()}%"
    if db.session.get_bind().dialect.name == "sqlite" and username.isascii():
        found = column.like(needle)
    else:
        found = func.lower(column).like(needle)
    others = sorted({char for letter in username.lower() for char in _OTHER_CASES.get(letter, "")})
    # "@" has no other case: the texts without one (nearly all) are set aside at once.
    return and_(
        column.contains("@"),
        or_(found, *(column.contains(char, autoescape=True) for char in others)),
    )


QUOTED_BLOCK = re.compile(r"\A(?:>[^\n]*\n)+\n?")


def _drop_quoted_text(session, subject: gdpr_erasure.Subject, choice: str) -> int:
    """Replies quoting a member whose posts go lose the quoted text, not just the name."""
    if choice != "delete":
        return 0
    placeholder = _("> *(message supprimé)*") + "\n\n"
    changed = 0
    quoting = select(Post).where(Post.quoted_post_id.in_(_their_posts(subject)))
    for post in session.scalars(quoting).all():
        post.source = QUOTED_BLOCK.sub(placeholder, post.source, count=1)
        post.html = posting.render_post(post.source)
        for revision in session.scalars(
            select(PostRevision).where(PostRevision.post_id == post.id)
        ):
            revision.source = QUOTED_BLOCK.sub(placeholder, revision.source, count=1)
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
    certificate, _no_mail = _erase_member(user, scheduled)
    return certificate
