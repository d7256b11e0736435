"""Moderation by appointed candidates: reports, hiding posts, locking and pinning, the log.

Every action records who, what, when and why, and the member concerned is told, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from forum import markup, policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    ModerationAction,
    ModeratorNote,
    Post,
    PostRevision,
    Report,
    ReportReason,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts

REASON_MAX = 1_000
COMMENT_MAX = 1_000


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Indiquez la raison : le membre concerné la recevra."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            "reason", _("La raison ne peut pas dépasser %(n)d caractères.", n=REASON_MAX)
        )
    return reason


def _log(moderator: User, member_id: int | None, action: str, target: str, reason: str) -> None:
    db.session.add(
        ModerationAction(
            moderator_id=moderator.id,
            member_id=member_id,
            action=action,
            target=target,
            reason=reason,
            created_at=utcnow(),
        )
    )


def _tell(member_id: int | None, what: str, reason: str, url: str) -> None:
    """The statement of reasons: what was done, why, and where."""
    member = db.session.get(User, member_id) if member_id else None
    if member is None or member.is_restricted:
        return
    accounts.notify(
        member,
        "moderation",
        what=what,
        reason=reason,
        url=url,
    )


# --- reports --------------------------------------------------------------------------------


def report_post(actor: User, post: Post, *, reason: str, comment: str = "") -> Report:
    """Report POST to the moderators; one open report per member and post."""
    policy.require(policy.can_report_post(actor, post))
    comment = comment.strip()
    error = InvalidInput.collect(
        {
            "reason": None
            if reason in {r.value for r in ReportReason}
            else _("Choisissez une raison."),
            "comment": None
            if len(comment) <= COMMENT_MAX
            else _("Le commentaire ne peut pas dépasser %(n)d caractères.", n=COMMENT_MAX),
        }
    )
    if error:
        raise error
    existing = db.session.scalar(
        select(Report).where(
            Report.post_id == post.id, Report.reporter_id == actor.id, Report.resolved_at.is_(None)
        )
    )
    if existing is not None:
        raise InvalidInput(
            "reason", _("Vous avez déjà signalé ce message ; il est en cours d'examen.")
        )
    report = Report(
        post_id=post.id, reporter_id=actor.id, reason=reason, comment=comment, created_at=utcnow()
    )
    db.session.add(report)
    db.session.commit()
    return report


@dataclass
class ReportGroup:
    post: Post
    reports: list[Report]

    @property
    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for report in self.reports:
            counts[report.reason] = counts.get(report.reason, 0) + 1
        return counts

    @property
    def first_at(self) -> datetime:
        return min(report.created_at for report in self.reports)


def list_open_reports(actor: User) -> list[ReportGroup]:
    """Open reports grouped by post, the most reported first."""
    policy.require(policy.can_moderate(actor))
    reports = db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None))
        .options(joinedload(Report.post).joinedload(Post.author), joinedload(Report.reporter))
        .order_by(Report.created_at)
    ).all()
    groups: dict[int, ReportGroup] = {}
    for report in reports:
        groups.setdefault(report.post_id, ReportGroup(report.post, [])).reports.append(report)
    return sorted(groups.values(), key=lambda g: (-len(g.reports), g.first_at))


def count_open_reports() -> int:
    return db.session.scalar(select(func.count()).where(Report.resolved_at.is_(None))) or 0


def _resolve_reports(post: Post, resolution: str) -> int:
    return db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
    ).rowcount


def dismiss_reports(actor: User, post: Post, *, reason: str) -> int:
    """Close the open reports of POST without acting on it."""
    policy.require(policy.can_moderate(actor))
    reason = _reason(reason)
    closed = _resolve_reports(post, "dismissed")
    _log(actor, post.author_id, "dismiss_reports", f"post:{post.id}", reason)
    db.session.commit()
    return closed


# --- posts and threads ------------------------------------------------------------------------


def hide_post(actor: User, post: Post, *, reason: str) -> Post:
    """Hide POST behind a placeholder giving the reason; its author is told why."""
    policy.require(policy.can_hide_post(actor, post))
    reason = _reason(reason)
    post.hidden_at = utcnow()
    post.hidden_by_id = actor.id
    post.hidden_reason = reason
    _resolve_reports(post, "hidden")
    _log(actor, post.author_id, "hide_post", f"post:{post.id}", reason)
    db.session.commit()
    _tell(
        post.author_id,
        _("Votre message a été masqué."),
        reason,
        absolute_url("forum.post", post_id=post.id),
    )
    return post


def restore_post(actor: User, post: Post, *, reason: str) -> Post:
    """Show a hidden post again."""
    policy.require(policy.can_hide_post(actor, post))
    reason = _reason(reason)
    post.hidden_at = post.hidden_by_id = post.hidden_reason = None
    _log(actor, post.author_id, "restore_post", f"post:{post.id}", reason)
    db.session.commit()
    _tell(
        post.author_id,
        _("Votre message est de nouveau visible."),
        reason,
        absolute_url("forum.post", post_id=post.id),
    )
    return post


REDACTED = "[passage retiré par la modération]"


def redact(actor: User, post: Post, *, passage: str, reason: str) -> Post:
    """Rewrite POST without PASSAGE (personal data exposed), everywhere it is stored.

    Not just hidden at display: the source, the rendering and any former version holding the
    passage are rewritten; the log keeps the action and the reason, never the passage itself.
    """
    policy.require(policy.can_hide_post(actor, post))
    reason = _reason(reason)
    passage = passage.strip()
    if not passage or passage not in post.source:
        raise InvalidInput(
            "passage", _("Copiez exactement le passage à retirer, tel qu'il est écrit.")
        )
    post.source = post.source.replace(passage, REDACTED)
    post.html = markup.render(post.source)
    db.session.execute(
        delete(PostRevision).where(
            PostRevision.post_id == post.id, PostRevision.source.contains(passage, autoescape=True)
        )
    )
    _resolve_reports(post, "redacted")
    _log(actor, post.author_id, "redact_post", f"post:{post.id}", reason)
    db.session.commit()
    _tell(
        post.author_id,
        _("Un passage de votre message a été retiré."),
        reason,
        absolute_url("forum.post", post_id=post.id),
    )
    return post


THREAD_ACTIONS = {
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
}


def change_thread(actor: User, thread: Thread, action: str, *, reason: str) -> Thread:
    """Lock, unlock, pin or unpin THREAD, with the reason in the log."""
    policy.require(policy.can_manage_thread(actor, thread))
    attribute, value = THREAD_ACTIONS[action]
    reason = _reason(reason)
    setattr(thread, attribute, value)
    _log(actor, thread.author_id, f"{action}_thread", f"thread:{thread.id}", reason)
    db.session.commit()
    return thread


def list_log(actor: User, *, limit: int = 200) -> list[ModerationAction]:
    policy.require(policy.can_moderate(actor))
    query = select(ModerationAction).order_by(ModerationAction.id.desc()).limit(limit)
    return list(
        db.session.scalars(
            query.options(
                joinedload(ModerationAction.moderator), joinedload(ModerationAction.member)
            )
        )
    )


# --- members: sanctions and notes -------------------------------------------------------------

PERMANENT = datetime(9999, 12, 31, tzinfo=UTC)
SANCTIONS = {
    "warn": "Avertissement",
    "suspend": "Suspension",
    "ban": "Exclusion",
    "lift": "Levée de sanction",
}


def sanction(actor: User, member: User, kind: str, *, reason: str, days: int | None = None) -> None:
    """Warn, suspend for DAYS, ban (for DAYS, or for good without them), or lift a sanction."""
    policy.require(policy.can_sanction(actor, member))
    reason = _reason(reason)
    if kind not in SANCTIONS:
        raise InvalidInput("kind", _("Choisissez une sanction."))
    if kind == "suspend" and not (days and 0 < days <= 365):
        raise InvalidInput("days", _("Indiquez une durée de 1 à 365 jours."))
    now = utcnow()
    if kind == "suspend":
        member.posting_blocked_until = now + timedelta(days=days)
    elif kind == "ban":
        member.posting_blocked_until = now + timedelta(days=days) if days else PERMANENT
    elif kind == "lift":
        member.posting_blocked_until = None
    _log(actor, member.id, kind, f"user:{member.id}", reason)
    db.session.commit()
    what = {
        "warn": _("Vous recevez un avertissement de la modération."),
        "suspend": _("Vous ne pouvez plus publier pendant %(n)d jours.", n=days or 0),
        "ban": _(
            "Vous êtes exclu du forum : vous pouvez lire et exercer vos droits sur vos "
            "données, mais plus publier."
        ),
        "lift": _("Votre sanction est levée : vous pouvez de nouveau publier."),
    }[kind]
    _tell(member.id, what, reason, absolute_url("privacy.centre"))


def add_note(actor: User, member: User, *, text: str) -> ModeratorNote:
    """A note about MEMBER for the other moderators (in the member's export, art. 15)."""
    policy.require(policy.can_sanction(actor, member))
    text = text.strip()
    if not 0 < len(text) <= COMMENT_MAX:
        raise InvalidInput("text", _("La note doit faire de 1 à %(n)d caractères.", n=COMMENT_MAX))
    note = ModeratorNote(member_id=member.id, author_id=actor.id, text=text, created_at=utcnow())
    db.session.add(note)
    db.session.commit()
    return note


def member_file(actor: User, member: User) -> dict:
    """What moderators see of a member: notes and the log entries about them (no e-mail, no IP)."""
    policy.require(policy.can_moderate(actor))
    notes = db.session.scalars(
        select(ModeratorNote)
        .where(ModeratorNote.member_id == member.id)
        .order_by(ModeratorNote.id.desc())
        .options(joinedload(ModeratorNote.author))
    ).all()
    actions = db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.member_id == member.id)
        .order_by(ModerationAction.id.desc())
        .options(joinedload(ModerationAction.moderator))
    ).all()
    return {"notes": notes, "actions": actions}
