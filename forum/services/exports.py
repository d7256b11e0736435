"""Access and portability (art. 15, 20): the member's archive, built as a job."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import charter, jobs, labels
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    Conversation,
    ConversationMember,
    Message,
    ModerationAction,
    Notification,
    Post,
    PostRevision,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts, notifications, photos, subject_requests
from gdpr import consent, export, legal_hold
from gdpr import requests as gdpr_requests
from gdpr.annotations import of
from gdpr.models import (
    ExportArchive,
    SubjectRequest,
)
from gdpr.models import metadata as gdpr_metadata

log = logging.getLogger(__name__)


def exports_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


def list_exports(user: User) -> list[ExportArchive]:
    query = select(ExportArchive).where(ExportArchive.subject_ref == user.subject_ref)
    return list(db.session.scalars(query.order_by(ExportArchive.id.desc())))


def request_export(actor: User) -> ExportArchive:
    """Record the request and build the archive (a job); the member is told when it is ready."""
    stale = utcnow() - timedelta(hours=1)  # a job that never finished must not block a new one
    pending = [a for a in list_exports(actor) if a.status == "pending" and a.requested_at > stale]
    if pending:
        return pending[0]
    request = gdpr_requests.record(
        db.session, kind="access", channel="self-service", subject_ref=actor.subject_ref
    )
    archive = ExportArchive(
        subject_ref=actor.subject_ref,
        request_id=request.id,
        status="pending",
        requested_at=utcnow(),
    )
    db.session.add(archive)
    db.session.commit()
    jobs.enqueue("build_export", archive_id=archive.id)
    return archive


HELD_BASIS = _l(
    "Obligation légale de l'hébergeur (LCEN, article 6 ; décret 2021-1362) : l'adresse IP et "
    "l'heure de chaque publication sont gardées un an, chiffrées et à part, pour les remettre à "
    "l'autorité judiciaire qui les requiert ; elles survivent à l'effacement du compte jusqu'à "
    "la fin de cette année (RGPD, article 17(3)(b))."
)


def export_data(user: User) -> dict[str, Any]:
    """Everything the forum holds on USER, as `data.json` describes it (schema version 1);
    nothing about anyone else (who moderated, who reported, who posted last)."""
    config = current_app.config
    return {
        "schema_version": export.SCHEMA_VERSION,
        "generated_at": utcnow(),
        "controller": {
            "name": config["PRIVACY_CONTROLLER"],
            "contact": config["PRIVACY_CONTACT"],
            "dpo": config["PRIVACY_DPO"] or None,
        },
        "account": {
            "username": user.username,
            "email": accounts.email_of(user),
            "role": user.role.value,
            "created_at": user.created_at,
        },
        "posts": _posts(user),
        "decisions": _decisions(user),
        "notifications": _notifications(user),
        "conversations": _conversations(user),
        "held_identification": {
            "basis": str(HELD_BASIS),
            "records": [
                {"item": item, "ip": ip, "at": at}
                for item, ip, at in legal_hold.records_of(
                    db.session, accounts.vault(), user.subject_ref
                )
            ],
        },
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
            for r in subject_requests.list_requests(user)
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
            for e in consent.history(db.session, user.subject_ref)
        ],
        # Every personal column of every table, as the inventory declares them.
        "tables": export.collect(db.session, db.metadata.sorted_tables, user.id)
        | export.collect(db.session, gdpr_metadata.sorted_tables, user.subject_ref),
    }


def _posts(user: User) -> list[dict[str, Any]]:
    # The threads' titles with the posts, in batches: not one query per thread.
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .order_by(Post.id)
        .options(selectinload(Post.thread).load_only(Thread.id, Thread.title))
    ).all()
    revisions = db.session.scalars(
        select(PostRevision).where(
            PostRevision.post_id.in_(select(Post.id).where(Post.author_id == user.id))
        )
    ).all()
    by_post: dict[int, list] = {}
    for revision in revisions:
        by_post.setdefault(revision.post_id, []).append(
            {"source": revision.source, "replaced_at": revision.created_at}
        )
    return [
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
    ]


def _decisions(user: User) -> list[dict[str, Any]]:
    """Every moderation decision about USER, with its statement of reasons and appeal."""
    query = select(ModerationAction).where(ModerationAction.member_id == user.id)
    found = []
    for action in db.session.scalars(query.order_by(ModerationAction.id)):
        said = charter.statement(action)
        contest = action.appeal
        found.append(
            {
                "id": action.id,
                "action": action.action,
                "statement": str(said.what),
                "target": action.target,
                "reason": action.reason,
                "rule": action.rule,
                "rule_title": str(said.rule.title) if said.rule else None,
                "detection": action.detection,
                "created_at": action.created_at,
                "ends_at": action.ends_at,
                "appeal": {
                    "text": contest.text,
                    "created_at": contest.created_at,
                    "decided_at": contest.decided_at,
                    "decision": contest.decision,
                    "decision_reason": contest.decision_reason,
                }
                if contest
                else None,
            }
        )
    return found


def _conversations(user: User) -> list[dict[str, Any]]:
    """The member's conversations: their titles, who takes part (usernames), and the member's
    own messages — not the others' words, which are theirs."""
    mine = select(ConversationMember.conversation_id).where(ConversationMember.user_id == user.id)
    conversations = db.session.scalars(
        select(Conversation)
        .where(Conversation.id.in_(mine))
        .order_by(Conversation.id)
        .options(selectinload(Conversation.members).joinedload(ConversationMember.user))
    ).all()
    own = db.session.execute(
        select(Message.conversation_id, Message.source, Message.created_at)
        .where(Message.author_id == user.id, Message.conversation_id.in_(mine))
        .order_by(Message.id)
    ).all()
    messages: dict[int, list[dict[str, Any]]] = {}
    for conversation_id, source, created_at in own:
        messages.setdefault(conversation_id, []).append({"text": source, "created_at": created_at})
    return [
        {
            "title": conversation.title,
            "started_at": conversation.created_at,
            "participants": sorted(member.user.username for member in conversation.members),
            "my_messages": messages.get(conversation.id, []),
        }
        for conversation in conversations
    ]


def _notice_text(notice: Notification) -> str:
    """What the notice was about, naming nobody else (the decision's statement, or its kind)."""
    if notice.action:
        return str(charter.statement(notice.action).what)
    kind = notifications.KINDS.get(notice.kind)
    return str(kind.label) if kind else notice.kind


def _notifications(user: User) -> list[dict[str, Any]]:
    query = select(Notification).where(Notification.user_id == user.id)
    return [
        {
            "kind": notice.kind,
            "text": _notice_text(notice),
            "count": notice.count,
            "created_at": notice.created_at,
            "read_at": notice.read_at,
        }
        for notice in db.session.scalars(query.order_by(Notification.id))
    ]


SCHEMA = Path(__file__).parent.parent / "data" / "export-schema.json"


def schema() -> dict[str, Any]:
    """`schema.json`: the fixed sections, and `tables` described from the inventory itself."""
    described = json.loads(SCHEMA.read_text(encoding="utf-8"))
    tables = {}
    for metadata in (db.metadata, gdpr_metadata):
        for table in metadata.sorted_tables:
            columns = {
                column.name: {
                    "description": f"{labels.label(labels.CATEGORIES, data.category)} — "
                    f"{labels.label(labels.PURPOSES, data.purpose)}"
                }
                for column in table.columns
                if (data := of(column)) is not None and data.export
            }
            if columns and table.info.get("subject"):
                tables[table.name] = {
                    "type": "array",
                    "items": {"type": "object", "properties": columns},
                }
    described["properties"]["tables"]["properties"] = tables
    return described


def _readable(data: dict[str, Any]) -> str:
    """`index.html`, in French (the reference language of the forum's texts)."""
    with force_locale("fr"):
        return render_template("privacy/export_index.html", data=data)


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
        "schema.json": export.to_json(schema()),
        "index.html": _readable(data),
    }
    for post in data["posts"]:
        files[f"posts/{post['id']}.md"] = _post_markdown(post)
    for name, path in photos.of_member(user):  # the photos themselves, as stored
        if path.exists():
            files[name] = path.read_bytes()
    archive.filename = f"{secrets.token_hex(16)}.zip"
    export.write_zip(exports_folder() / archive.filename, files)
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
    if archive is None or archive.subject_ref != actor.subject_ref or archive.status != "ready":
        return None
    if archive.expires_at is None or archive.expires_at < utcnow():
        return None
    return exports_folder() / archive.filename


def delete_archives(query) -> int:
    """Delete the archives QUERY selects, files and rows."""
    archives = db.session.scalars(query).all()
    for archive in archives:
        if archive.filename:
            (exports_folder() / archive.filename).unlink(missing_ok=True)
        db.session.delete(archive)
    return len(archives)
