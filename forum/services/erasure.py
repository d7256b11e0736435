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
from sqlalchemy import delete, func, or_, select, update

from forum import mail, markup, policy, tokens
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    Appeal,
    ModerationAction,
    ModeratorNote,
    Notification,
    PersonalDataAccess,
    Post,
    PostRevision,
    Report,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts, devices, exports, posting
from gdpr import erasure
from gdpr import requests as gdpr_requests
from gdpr.models import (
    ConsentEvent,
    Erasure,
    ErasureCertificate,
    ExportArchive,
    ReviewTask,
    SubjectRequest,
    Tombstone,
)
from gdpr.models import metadata as gdpr_metadata

log = logging.getLogger(__name__)


FORMER_MEMBER_MENTION = "@ancien-membre"
CONTENT_CHOICES = ("anonymise", "delete")


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
        counts = _erase_forum_data(user, content=scheduled.content)
        db.session.execute(
            update(ConsentEvent)
            .where(ConsentEvent.subject_ref == user.subject_ref)
            .values(subject_ended_at=utcnow())
        )
        db.session.execute(
            update(SubjectRequest)
            .where(SubjectRequest.subject_ref == user.subject_ref)
            .values(details=None)
        )
        db.session.flush()
    tables = [*db.metadata.sorted_tables, *gdpr_metadata.sorted_tables]
    residues = erasure.scan(db.session, tables, identifiers.all()) if identifiers else []
    request = db.session.get(SubjectRequest, scheduled.request_id) if scheduled.request_id else None
    if request is not None and request.closed_at is None:
        gdpr_requests.close(request, outcome="erased")
    certificate = erasure.certify(
        db.session,
        scheduled,
        counts=counts,
        residues=residues,
        digest=identifiers.digest if identifiers else scheduled.subject_ref,
    )
    if identifiers:
        _keep_tombstone(identifiers.digest, scheduled.content)
    return certificate


def _tombstone_file() -> Path:
    # Outside the database on purpose: it must survive the restore of an older backup.
    return Path(current_app.instance_path) / "tombstones.jsonl"


def _keep_tombstone(digest: str, content: str) -> None:
    path = _tombstone_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"digest": digest, "content": content, "erased_at": utcnow().isoformat()})
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def reapply_erasures() -> int:
    """After a backup restore: erase again every member erased since (tombstones). Idempotent."""
    path = _tombstone_file()
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


def _erase_forum_data(user: User, *, content: str) -> dict[str, int]:
    """The forum's part of an erasure: posts, mentions, threads, archives, the account row."""
    counts = {"mentions": _scrub_mentions(user.username)}
    posts = select(Post.id).where(Post.author_id == user.id)
    revisions = select(PostRevision.id).where(
        or_(PostRevision.post_id.in_(posts), PostRevision.editor_id == user.id)
    )
    if content == "delete":
        counts["quotes"] = _scrub_quotes(posts)
        counts["revisions"] = db.session.execute(
            delete(PostRevision).where(PostRevision.id.in_(revisions))
        ).rowcount
        counts["posts"] = db.session.execute(
            update(Post)
            .where(Post.author_id == user.id)
            .values(source="", html="", deleted_at=func.coalesce(Post.deleted_at, utcnow()))
        ).rowcount
        db.session.execute(
            update(Thread)
            .where(Thread.author_id == user.id)
            .values(title=_("Discussion d'un ancien membre"), slug="discussion")
        )
    else:
        counts["revisions"] = db.session.execute(
            update(PostRevision).where(PostRevision.editor_id == user.id).values(editor_id=None)
        ).rowcount
        counts["posts"] = db.session.execute(
            select(func.count()).where(Post.author_id == user.id)
        ).scalar_one()
    for thread in db.session.scalars(
        select(Thread).where(
            Thread.id.in_(
                select(Post.thread_id).where(
                    Post.author_id == user.id, Post.pending_at.is_not(None)
                )
            )
        )
    ):
        posting.recount(thread)  # their posts waiting for approval are gone from the queue
    db.session.execute(update(Post).where(Post.author_id == user.id).values(author_id=None))
    counts["threads"] = db.session.execute(
        update(Thread).where(Thread.author_id == user.id).values(author_id=None)
    ).rowcount
    db.session.execute(
        update(Thread).where(Thread.last_poster_id == user.id).values(last_poster_id=None)
    )
    db.session.execute(
        update(PostRevision).where(PostRevision.editor_id == user.id).values(editor_id=None)
    )
    counts["notes"] = db.session.execute(
        delete(ModeratorNote).where(ModeratorNote.member_id == user.id)
    ).rowcount
    db.session.execute(
        update(ModeratorNote).where(ModeratorNote.author_id == user.id).values(author_id=None)
    )
    counts["reports"] = db.session.execute(
        delete(Report).where(Report.reporter_id == user.id)
    ).rowcount
    # Their notifications and appeals go; the decisions on appeals stay in the log.
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    counts["appeals"] = db.session.execute(
        delete(Appeal).where(Appeal.member_id == user.id)
    ).rowcount
    db.session.execute(update(Appeal).where(Appeal.decider_id == user.id).values(decider_id=None))
    # The moderation log stays (it is the proof of what was decided), without naming them.
    db.session.execute(
        update(ModerationAction).where(ModerationAction.member_id == user.id).values(member_id=None)
    )
    db.session.execute(
        update(ModerationAction)
        .where(ModerationAction.moderator_id == user.id)
        .values(moderator_id=None)
    )
    # So does the log of admins' access to personal data: the proof an access happened.
    db.session.execute(
        update(PersonalDataAccess)
        .where(PersonalDataAccess.subject_id == user.id)
        .values(subject_id=None, reason=_("[motif retiré : membre effacé]"))
    )
    db.session.execute(
        update(PersonalDataAccess)
        .where(PersonalDataAccess.admin_id == user.id)
        .values(admin_id=None)
    )
    db.session.execute(update(Post).where(Post.hidden_by_id == user.id).values(hidden_by_id=None))
    counts["exports"] = exports.delete_archives(
        select(ExportArchive).where(ExportArchive.subject_ref == user.subject_ref)
    )
    counts["mails"] = mail.forget(accounts.email_of(user))
    user.trades = []
    db.session.delete(user)
    counts["accounts"] = 1
    return counts


QUOTED_BLOCK = re.compile(r"\A(?:>[^\n]*\n)+\n?")


def _scrub_quotes(their_posts) -> int:
    """Posts quoting a deleted member lose the quoted text, not just the name above it."""
    changed = 0
    for post in db.session.scalars(select(Post).where(Post.quoted_post_id.in_(their_posts))):
        post.source = QUOTED_BLOCK.sub(_("> *(message supprimé)*") + "\n\n", post.source, count=1)
        post.html = markup.render(post.source)
        changed += 1
    return changed


def _scrub_mentions(username: str) -> int:
    """Others' posts and their history no longer name the member (mentions, quote headers)."""
    pattern = re.compile(rf"@{re.escape(username)}(?![\w-])", re.IGNORECASE)
    needle = f"%@{username.lower()}%"
    changed = 0
    for post in db.session.scalars(select(Post).where(func.lower(Post.source).like(needle))):
        post.source = pattern.sub(FORMER_MEMBER_MENTION, post.source)
        post.html = markup.render(post.source) if post.source else ""
        changed += 1
    query = select(PostRevision).where(func.lower(PostRevision.source).like(needle))
    for revision in db.session.scalars(query):
        revision.source = pattern.sub(FORMER_MEMBER_MENTION, revision.source)
        changed += 1
    return changed


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
