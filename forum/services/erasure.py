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
from sqlalchemy import delete, func, select, update

from forum import mail, markup, policy, tokens
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
from forum.services import accounts, devices, exports, posting
from gdpr import erasure as gdpr_erasure
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


def cancel_erasure_on_login(user: User) -> bool:
    """Logging in during the grace period cancels the erasure (the member is told)."""
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

    def all(self) -> list[str]:
        return [value for value in (self.username, self.email, self.display_name) if value]


def _erase_member(user: User | None, scheduled: Erasure) -> ErasureCertificate:
    """Erase USER's personal data; scan for leftovers; leave a certificate. Caller commits."""
    counts: dict[str, int] = {}
    identifiers = None
    if user is not None:  # None: already erased by an earlier, interrupted run
        identifiers = _Identifiers(
            user.username, accounts.email_of(user), user.display_name, user.email_hash
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
    residues = gdpr_erasure.scan(db.session, tables, identifiers.all()) if identifiers else []
    request = db.session.get(SubjectRequest, scheduled.request_id) if scheduled.request_id else None
    if request is not None and request.closed_at is None:
        gdpr_requests.close(request, outcome="erased")
    certificate = gdpr_erasure.certify(
        db.session,
        scheduled,
        counts=counts,
        residues=residues,
        digest=identifiers.digest if identifiers else scheduled.subject_ref,
    )
    if identifiers:
        _keep_tombstone(identifiers.digest, scheduled.content)
    return certificate


def tombstone_file() -> Path:
    # Outside the database on purpose: it must survive the restore of an older backup.
    return Path(current_app.instance_path) / "tombstones.jsonl"


def _keep_tombstone(digest: str, content: str) -> None:
    path = tombstone_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"digest": digest, "content": content, "erased_at": utcnow().isoformat()})
    with path.open("a", encoding="utf-8") as handle:
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
            path.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
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


def list_review_tasks() -> list[ReviewTask]:
    query = select(ReviewTask).where(ReviewTask.resolved_at.is_(None))
    return list(db.session.scalars(query.order_by(ReviewTask.id)))


def list_certificates(limit: int = 50) -> list[ErasureCertificate]:
    query = select(ErasureCertificate).order_by(ErasureCertificate.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def resolve_review_task(actor: User, task: ReviewTask) -> None:
    """An admin has looked at the residue (edited or redacted the text) and closes the task."""
    policy.require(policy.is_admin(actor))
    task.resolved_at = utcnow()
    db.session.commit()
