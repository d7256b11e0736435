"""The member's privacy rights: export (art. 15, 20), erasure (art. 17), and retention.

Erasure and retention share one code path: `_erase_member`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from forum import documents, jobs, mail, markup, policy, tokens
from forum.errors import InvalidInput, NotAllowed
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
from forum.services import accounts, devices, posting
from gdpr import consent, erasure, export, legal_hold, register
from gdpr import requests as gdpr_requests
from gdpr.models import (
    ConsentEvent,
    Erasure,
    ErasureCertificate,
    ExportArchive,
    HoldAccess,
    ReviewTask,
    SubjectRequest,
    Tombstone,
)
from gdpr.models import metadata as gdpr_metadata

log = logging.getLogger(__name__)
FORMER_MEMBER_MENTION = "@ancien-membre"
CONTENT_CHOICES = ("anonymise", "delete")


def _ref(user: User) -> str:
    return str(user.id)


def _exports_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


# --- export --------------------------------------------------------------------------------


def list_exports(user: User) -> list[ExportArchive]:
    query = select(ExportArchive).where(ExportArchive.subject_ref == _ref(user))
    return list(db.session.scalars(query.order_by(ExportArchive.id.desc())))


def request_export(actor: User) -> ExportArchive:
    """Record the request and build the archive (a job); the member is told when it is ready."""
    stale = utcnow() - timedelta(hours=1)  # a job that never finished must not block a new one
    pending = [a for a in list_exports(actor) if a.status == "pending" and a.requested_at > stale]
    if pending:
        return pending[0]
    request = gdpr_requests.record(
        db.session, kind="access", channel="self-service", subject_ref=_ref(actor)
    )
    archive = ExportArchive(
        subject_ref=_ref(actor), request_id=request.id, status="pending", requested_at=utcnow()
    )
    db.session.add(archive)
    db.session.commit()
    jobs.enqueue("build_export", archive_id=archive.id)
    return archive


def export_data(user: User) -> dict[str, Any]:
    """Everything the forum holds on USER, as `data.json` describes it (schema version 1)."""
    posts = db.session.scalars(
        select(Post).where(Post.author_id == user.id).order_by(Post.id)
    ).all()
    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id.in_([p.id for p in posts]))
    ).all()
    by_post: dict[int, list] = {}
    for revision in revisions:
        by_post.setdefault(revision.post_id, []).append(
            {"source": revision.source, "replaced_at": revision.created_at}
        )
    return {
        "schema_version": export.SCHEMA_VERSION,
        "generated_at": utcnow(),
        "account": {
            "username": user.username,
            "email": accounts.email_of(user),
            "role": user.role.value,
            "created_at": user.created_at,
        },
        "posts": [
            {
                "id": post.id,
                "thread_id": post.thread_id,
                "thread_title": post.thread.title,
                "created_at": post.created_at,
                "edited_at": post.edited_at,
                "deleted_at": post.deleted_at,
                "source": post.source,
                "revisions": by_post.get(post.id, []),
            }
            for post in posts
        ],
        "logins": [
            {"at": at, "ip": ip, "kind": kind}
            for at, ip, kind in accounts.list_logins(user, limit=1000)
        ],
        "requests": [
            {
                "kind": r.kind,
                "channel": r.channel,
                "received_at": r.received_at,
                "due_at": r.due_at,
                "status": r.status,
                "outcome": r.outcome,
            }
            for r in list_requests(user)
        ],
        "consents": [
            {
                "purpose": e.purpose,
                "given": e.given,
                "document_version": e.document_version,
                "text_hash": e.text_hash,
                "via": e.via,
                "at": e.at,
            }
            for e in consent.history(db.session, _ref(user))
        ],
        # Every personal column of every table, as the inventory declares them.
        "tables": export.collect(db.session, db.metadata.sorted_tables, user.id)
        | export.collect(db.session, gdpr_metadata.sorted_tables, _ref(user)),
    }


@jobs.job("build_export")
def build_export(*, archive_id: int) -> None:
    """Write the ZIP (data.json, schema.json, index.html, posts/*.md) and tell its owner."""
    try:
        _build_export(archive_id)
    except Exception:
        db.session.rollback()
        archive = db.session.get(ExportArchive, archive_id)
        if archive is not None:
            archive.status = "failed"
            db.session.commit()
        log.exception("export %s failed", archive_id)
        raise


def _build_export(archive_id: int) -> None:
    archive = db.session.get(ExportArchive, archive_id)
    if archive is None or archive.status != "pending":
        return
    user = db.session.get(User, int(archive.subject_ref))
    if user is None:
        archive.status = "cancelled"
        db.session.commit()
        return
    data = export_data(user)
    files = {
        "data.json": export.to_json(data),
        "schema.json": (Path(__file__).parent.parent / "data" / "export-schema.json").read_text(),
        "index.html": render_template("privacy/export_index.html", data=data),
    }
    for post in data["posts"]:
        files[f"posts/{post['id']}.md"] = _post_markdown(post)
    archive.filename = f"{secrets.token_hex(16)}.zip"
    export.write_zip(_exports_folder() / archive.filename, files)
    now = utcnow()
    archive.status, archive.ready_at = "ready", now
    archive.expires_at = now + timedelta(
        days=current_app.config["GDPR_RETENTION"]["export_archive"]
    )
    request = db.session.get(SubjectRequest, archive.request_id) if archive.request_id else None
    if request is not None:
        gdpr_requests.close(request, outcome="archive ready")
    db.session.commit()
    accounts.notify(
        user,
        "export_ready",
        url=absolute_url("privacy.download_export", archive_id=archive.id),
        expires_at=archive.expires_at,
    )


def _post_markdown(post: dict[str, Any]) -> str:
    title = post["thread_title"].replace('"', "'")
    created = post["created_at"].isoformat()
    return f'---\nthread: "{title}"\ncreated_at: {created}\n---\n\n{post["source"]}\n'


def archive_path(actor: User, archive_id: int) -> Path | None:
    """The file of ACTOR's ready archive; None for a missing, expired or someone else's one
    (the same answer, so that ids of other members' archives are not told apart)."""
    archive = db.session.get(ExportArchive, archive_id)
    if archive is None or archive.subject_ref != _ref(actor) or archive.status != "ready":
        return None
    if archive.expires_at is None or archive.expires_at < utcnow():
        return None
    return _exports_folder() / archive.filename


def delete_archives(query) -> int:
    """Delete the archives QUERY selects, files and rows."""
    archives = db.session.scalars(query).all()
    for archive in archives:
        if archive.filename:
            (_exports_folder() / archive.filename).unlink(missing_ok=True)
        db.session.delete(archive)
    return len(archives)


# --- erasure -------------------------------------------------------------------------------


def pending_erasure(user: User) -> Erasure | None:
    query = select(Erasure).where(
        Erasure.subject_ref == _ref(user),
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
        db.session, kind="erasure", channel="self-service", subject_ref=_ref(actor)
    )
    grace = current_app.config["GDPR_ERASURE_GRACE_DAYS"]
    scheduled = Erasure(
        subject_ref=_ref(actor),
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
            .where(ConsentEvent.subject_ref == _ref(user))
            .values(subject_ended_at=utcnow())
        )
        db.session.execute(
            update(SubjectRequest)
            .where(SubjectRequest.subject_ref == _ref(user))
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
    counts["exports"] = delete_archives(
        select(ExportArchive).where(ExportArchive.subject_ref == _ref(user))
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
        subject_ref=_ref(user), content=content, requested_at=utcnow(), due_at=utcnow()
    )
    db.session.add(scheduled)
    db.session.flush()
    return _erase_member(user, scheduled)


SECURITY_MEASURES = (
    "Adresses e-mail chiffrées (Fernet, clés tournantes) et retrouvées par empreinte HMAC",
    "Mots de passe en argon2id ; limites de tentatives ; double authentification (à venir)",
    "HTTPS, en-têtes de sécurité, protection CSRF, aucune ressource tierce",
    "Journaux sans donnée personnelle ; conservation limitée et purge journalisée",
)


def register_markdown() -> str:
    """The record of processing activities (art. 30), from the inventory."""
    return register.markdown(
        register.purposes(db.metadata, gdpr_metadata),
        controller="L'Établi",
        recipients="aucun destinataire externe ; hébergeur (sous-traitant)",
        security=SECURITY_MEASURES,
        durations=current_app.config["GDPR_RETENTION"],
    )


# --- requests register ---------------------------------------------------------------------


def list_requests(user: User) -> list[SubjectRequest]:
    query = select(SubjectRequest).where(SubjectRequest.subject_ref == _ref(user))
    return list(db.session.scalars(query.order_by(SubjectRequest.id.desc())))


def record_request(*, kind: str, channel: str, received_on: str, details: str) -> SubjectRequest:
    """A request received by letter, e-mail or in person, entered by an admin."""
    try:
        received = datetime.fromisoformat(received_on.strip()).replace(tzinfo=UTC)
    except ValueError:
        received = None
    error = InvalidInput.collect(
        {
            "kind": None if kind in gdpr_requests.KINDS else _("Choisissez un type de demande."),
            "channel": None if channel in gdpr_requests.CHANNELS else _("Choisissez un canal."),
            "received_on": None
            if received and received <= utcnow()
            else _("Indiquez une date passée, au format AAAA-MM-JJ."),
            "details": None
            if 0 < len(details.strip()) <= 1000
            else _("Décrivez la demande (1 000 caractères au plus)."),
        }
    )
    if error:
        raise error
    request = gdpr_requests.record(
        db.session, kind=kind, channel=channel, received_at=received, details=details.strip()
    )
    db.session.commit()
    return request


def close_request(request: SubjectRequest, *, outcome: str) -> None:
    gdpr_requests.close(request, outcome=outcome.strip()[:500] or "done")
    db.session.commit()


def extend_request(request: SubjectRequest, *, reason: str) -> None:
    """Extend an open request to three months; the reason is required (art. 12(3))."""
    reason = reason.strip()
    if request.closed_at is not None:
        raise InvalidInput("reason", _("Cette demande est close."))
    if not 0 < len(reason) <= 500:
        raise InvalidInput("reason", _("Indiquez le motif de la prolongation."))
    gdpr_requests.extend(request, reason)
    db.session.commit()


# --- consents and policy versions ------------------------------------------------------------

# Optional purposes: each has its own consent, off by default, withdrawable in one click.
PURPOSES = {
    "email_notifications": "notify_by_email",
    "directory": "in_directory",
    "profile.display_name": "show_display_name",
    "profile.trades": "show_trades",
    "profile.region": "show_region",
    "profile.edition": "show_edition",
    "profile.bio": "show_bio",
}
POLICIES = (("terms", "terms"), ("privacy_policy", "privacy"))


def consents(user: User) -> dict[str, bool]:
    """Whether USER consents to each optional purpose now."""
    return {purpose: getattr(user, attribute) for purpose, attribute in PURPOSES.items()}


def record_consent(user: User, purpose: str, given: bool, *, via: str, locale: str = "fr") -> None:
    """Append the proof of a consent given or withdrawn, with the policy text shown then."""
    policy_text = documents.get("privacy", locale)
    consent.record(
        db.session,
        subject_ref=_ref(user),
        purpose=purpose,
        given=given,
        via=via,
        document_version=policy_text.version,
        text_hash=policy_text.text_hash,
    )


def set_consent(actor: User, purpose: str, given: bool, *, via: str, locale: str = "fr") -> None:
    """Give or withdraw consent to PURPOSE: effective at once, logged, account untouched."""
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", _("Ce choix n'existe pas."))
    if getattr(actor, PURPOSES[purpose]) != given:
        setattr(actor, PURPOSES[purpose], given)
        record_consent(actor, purpose, given, via=via, locale=locale)
    db.session.commit()


def policies_to_accept(user: User) -> list[str]:
    """The policy documents (terms, privacy) whose current version USER has not accepted."""
    events = db.session.execute(
        select(ConsentEvent.purpose, ConsentEvent.document_version).where(
            ConsentEvent.subject_ref == _ref(user),
            ConsentEvent.purpose.in_([purpose for purpose, _ in POLICIES]),
            ConsentEvent.given.is_(True),
        )
    ).all()
    accepted = {(purpose, version) for purpose, version in events}
    return [
        name for purpose, name in POLICIES if (purpose, documents.get(name).version) not in accepted
    ]


def accept_policies(actor: User, *, accepted: bool, locale: str = "fr") -> None:
    """Record ACTOR's acceptance of the current terms and privacy policy."""
    if not accepted:
        raise InvalidInput(
            "accept_terms",
            _("Pour continuer à publier, acceptez les nouvelles conditions."),
        )
    for purpose, name in POLICIES:
        document = documents.get(name, locale)
        consent.record(
            db.session,
            subject_ref=_ref(actor),
            purpose=purpose,
            given=True,
            via="policy-update-form",
            document_version=document.version,
            text_hash=document.text_hash,
        )
    db.session.commit()


# --- legal hold (LCEN) -----------------------------------------------------------------------

REASON_MIN = 10


def list_hold_accesses() -> list[HoldAccess]:
    return list(db.session.scalars(select(HoldAccess).order_by(HoldAccess.id.desc())))


def request_hold_access(actor: User, *, post_id: int | None, reason: str) -> HoldAccess:
    """An admin asks to read who published a post, with the reason (a requisition…)."""
    policy.require(policy.is_admin(actor))
    reason = reason.strip()
    error = InvalidInput.collect(
        {
            "post_id": None if post_id else _("Indiquez le numéro du message."),
            "reason": None
            if REASON_MIN <= len(reason) <= 1000
            else _("Donnez le motif précis (une réquisition judiciaire, par exemple)."),
        }
    )
    if error:
        raise error
    access = legal_hold.request_access(
        db.session, item=f"post:{post_id}", reason=reason, admin_ref=_ref(actor)
    )
    db.session.commit()
    return access


def approve_hold_access(actor: User, access: HoldAccess) -> None:
    """A second admin approves the access; the admin who asked cannot."""
    policy.require(policy.is_admin(actor))
    try:
        legal_hold.approve(access, admin_ref=_ref(actor))
    except legal_hold.AccessRefused as error:
        raise InvalidInput(
            "approve", _("Un autre administrateur doit approuver, une seule fois.")
        ) from error
    db.session.commit()


def reveal_hold(actor: User, access: HoldAccess) -> list[tuple[str, datetime]]:
    """The held addresses and times, for the two admins of an approved access; logged."""
    policy.require(
        policy.is_admin(actor) and _ref(actor) in (access.requested_by_ref, access.approved_by_ref)
    )
    try:
        found = legal_hold.reveal(db.session, accounts.vault(), access, reader_ref=_ref(actor))
    except legal_hold.AccessRefused as error:
        raise NotAllowed from error
    except InvalidToken as error:  # encrypted under a key no longer configured
        db.session.rollback()
        raise InvalidInput(
            "access", _("Ces données sont illisibles avec les clés actuelles.")
        ) from error
    db.session.commit()
    return found


# --- restriction (art. 18) -------------------------------------------------------------------

RESTRICTION_REASON_MAX = 500


def list_restricted() -> list[User]:
    return list(db.session.scalars(select(User).where(User.restricted_at.is_not(None))))


def restrict(actor: User, *, username: str, reason: str) -> User:
    """Freeze a member's data while a dispute is examined: hidden, read-only, storage only."""
    policy.require(policy.is_admin(actor))
    member = accounts.get_user_by_username(username.strip()) if username.strip() else None
    reason = reason.strip()
    error = InvalidInput.collect(
        {
            "username": None if member else _("Aucun membre ne porte ce nom."),
            "reason": None
            if 0 < len(reason) <= RESTRICTION_REASON_MAX
            else _("Indiquez le motif (500 caractères au plus)."),
        }
    )
    if error:
        raise error
    member.restricted_at = utcnow()
    member.restriction_reason = reason
    request = gdpr_requests.record(
        db.session, kind="restriction", channel="e-mail", subject_ref=_ref(member)
    )
    gdpr_requests.close(request, outcome="restricted")
    db.session.commit()
    accounts.notify(
        member,
        "restricted",
    )
    return member


def lift_restriction(actor: User, member: User) -> None:
    """End the restriction: the member's data is processed normally again."""
    policy.require(policy.is_admin(actor))
    member.restricted_at = None
    member.restriction_reason = None
    lifted = gdpr_requests.record(
        db.session, kind="restriction", channel="e-mail", subject_ref=_ref(member)
    )
    gdpr_requests.close(lifted, outcome="restriction lifted")
    db.session.commit()
    accounts.notify(
        member,
        "restriction_lifted",
    )


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
