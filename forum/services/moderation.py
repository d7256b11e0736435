"""Moderation by appointed candidates: reports, hiding posts, locking and pinning, the log.

Every action records who, what, when and why, and the member concerned is told, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from forum import charter, policy, slugs
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    Appeal,
    Guide,
    Message,
    ModerationAction,
    ModeratorNote,
    Notification,
    Post,
    PostRevision,
    Report,
    ReportReason,
    Thread,
    ThreadRedirect,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts, notifications, posting

REASON_MAX = 500  # what a placeholder shows in full (hidden_reason, moderation_note)
COMMENT_MAX = 1_000


@dataclass(frozen=True)
class Grounds:
    """Why a moderator acts: the reason sent to the member, the charter rule, how it was seen."""

    reason: str
    rule: str | None = None
    detection: str | None = None


def _grounds(action: str, grounds: Grounds, *, post: Post | None = None) -> Grounds:
    """GROUNDS checked for ACTION; the rule defaults to the one the reports on POST point to."""
    reason = grounds.reason.strip()
    rule = grounds.rule or None
    if rule is None and post is not None and action in charter.APPEALABLE:
        rule = _rule_of_reports(post)
    detection = grounds.detection or ("report" if _has_open_reports(post) else "moderator")
    error = InvalidInput.collect(
        {
            "reason": _("Indiquez la raison : le membre concerné la recevra.")
            if not reason
            else _("La raison ne peut pas dépasser %(n)d caractères.", n=REASON_MAX)
            if len(reason) > REASON_MAX
            else None,
            "rule": _("Indiquez la règle de la charte appliquée.")
            if rule is None and action in charter.APPEALABLE
            else _("Choisissez une règle de la charte.")
            if rule is not None and rule not in charter.RULES
            else None,
            "detection": None
            if detection in charter.DETECTIONS
            else _("Choisissez comment le problème a été repéré."),
        }
    )
    if error:
        raise error
    return Grounds(reason, rule, detection)


def _has_open_reports(post: Post | None) -> bool:
    if post is None or post.id is None:
        return False
    query = select(Report.id).where(Report.post_id == post.id, Report.resolved_at.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def _rule_of_reports(post: Post) -> str | None:
    reasons = db.session.scalars(
        select(Report.reason).where(Report.post_id == post.id, Report.resolved_at.is_(None))
    )
    return charter.rule_for_reports(reasons)


def _log(
    moderator: User,
    member_id: int | None,
    action: str,
    target: str,
    grounds: Grounds,
    *,
    ends_at: datetime | None = None,
) -> ModerationAction:
    """Write the log line; the member concerned finds the statement in their notifications."""
    entry = ModerationAction(
        moderator_id=moderator.id,
        member_id=member_id,
        action=action,
        target=target,
        reason=grounds.reason,
        rule=grounds.rule,
        detection=grounds.detection,
        ends_at=ends_at,
        created_at=utcnow(),
    )
    db.session.add(entry)
    member = db.session.get(User, member_id) if member_id else None
    if _told(member, action, moderator):
        db.session.add(
            Notification(user_id=member.id, kind="moderation", action=entry, created_at=utcnow())
        )
    return entry


def _told(member: User | None, action: str, moderator: User) -> bool:
    # A frozen account (art. 18) is not processed further; nobody is told of their own act.
    return (
        member is not None
        and action in charter.STATEMENTS
        and member.id != moderator.id
        and not member.is_restricted
    )


def _commit_and_tell(*entries: ModerationAction) -> None:
    """Commit, then mail the statement of reasons to members who want e-mail notifications."""
    db.session.commit()
    for entry in entries:
        member = entry.member
        if _told(member, entry.action, entry.moderator) and member.notify_by_email:
            accounts.notify(
                member,
                "moderation",
                entry=entry,
                appealable=charter.APPEALABLE,
                appeal_days=charter.APPEAL_DAYS,
                url=absolute_url("notifications.decision", action_id=entry.id),
            )


def _log_for_authors(
    moderator: User, thread: Thread, post_ids: list[int], action: str, target: str, grounds: Grounds
) -> list[ModerationAction]:
    """One log line, hence one statement, for the thread's author and each author of a post
    the action moved."""
    authors = db.session.scalars(
        select(Post.author_id).where(Post.id.in_(post_ids), Post.author_id.is_not(None)).distinct()
    ).all()
    members = [m for m in dict.fromkeys([thread.author_id, *sorted(authors)]) if m] or [None]
    return [_log(moderator, member_id, action, target, grounds) for member_id in members]


# --- reports --------------------------------------------------------------------------------


def report_post(actor: User, post: Post, *, reason: str, comment: str = "") -> Report:
    """Report POST to the moderators; one open report per member and post."""
    policy.require(policy.can_report_post(actor, post))
    return _report(actor, Report.post_id, post.id, reason=reason, comment=comment)


def report_message(
    actor: User, message: Message, *, reason: str, comment: str = "", member_ids: set[int]
) -> Report:
    """Report a private MESSAGE: the moderators see that message only, never the rest of its
    conversation (MEMBER_IDS: the conversation's members)."""
    policy.require(policy.can_report_message(actor, message, member_ids))
    return _report(actor, Report.message_id, message.id, reason=reason, comment=comment)


def _report(actor: User, link, target_id: int, *, reason: str, comment: str) -> Report:
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
            link == target_id, Report.reporter_id == actor.id, Report.resolved_at.is_(None)
        )
    )
    if existing is not None:
        raise InvalidInput(
            "reason", _("Vous avez déjà signalé ce message ; il est en cours d'examen.")
        )
    report = Report(reporter_id=actor.id, reason=reason, comment=comment, created_at=utcnow())
    setattr(report, link.key, target_id)
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
        .where(Report.resolved_at.is_(None), Report.post_id.is_not(None))
        .options(
            joinedload(Report.post).joinedload(Post.author),
            joinedload(Report.post).joinedload(Post.thread),
            joinedload(Report.reporter),
        )
        .order_by(Report.created_at)
    ).all()
    groups: dict[int, ReportGroup] = {}
    for report in reports:
        groups.setdefault(report.post_id, ReportGroup(report.post, [])).reports.append(report)
    return sorted(groups.values(), key=lambda g: (-len(g.reports), g.first_at))


def open_reports_of(post: Post) -> list[Report]:
    """The open reports on POST, with their reporters (moderators only see this)."""
    query = (
        select(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .order_by(Report.created_at)
        .options(joinedload(Report.reporter))
    )
    return list(db.session.scalars(query))


def count_open_reports() -> int:
    return db.session.scalar(select(func.count()).where(Report.resolved_at.is_(None))) or 0


def _resolve_reports(post: Post, resolution: str) -> int:
    """Close POST's open reports; their authors are told what became of them."""
    open_reports = (Report.post_id == post.id, Report.resolved_at.is_(None))
    reporters = db.session.scalars(select(Report.reporter_id).where(*open_reports)).all()
    closed = db.session.execute(
        update(Report).where(*open_reports).values(resolved_at=utcnow(), resolution=resolution)
    ).rowcount
    notifications.report_handled(post, reporters, resolution)
    return closed


def dismiss_reports(actor: User, post: Post, grounds: Grounds) -> int:
    """Close the open reports of POST without acting on it."""
    policy.require(policy.can_moderate(actor))
    grounds = _grounds("dismiss_reports", grounds, post=post)
    closed = _resolve_reports(post, "dismissed")
    entry = _log(actor, post.author_id, "dismiss_reports", f"post:{post.id}", grounds)
    _commit_and_tell(entry)
    return closed


@dataclass
class MessageReportGroup:
    message: Message
    reports: list[Report]


def list_message_reports(actor: User) -> list[MessageReportGroup]:
    """Open reports of private messages, grouped by message: the message alone, with its
    author, never the conversation around it."""
    policy.require(policy.can_moderate(actor))
    reports = db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None), Report.message_id.is_not(None))
        .options(joinedload(Report.message).joinedload(Message.author))
        .order_by(Report.created_at)
    ).all()
    groups: dict[int, MessageReportGroup] = {}
    for report in reports:
        groups.setdefault(report.message_id, MessageReportGroup(report.message, [])).reports.append(
            report
        )
    return sorted(groups.values(), key=lambda group: -len(group.reports))


def reported_message(actor: User, message_id: int) -> Message | None:
    """A private message a moderator may look at: one with an open report."""
    policy.require(policy.can_moderate(actor))
    reported = exists().where(Report.message_id == message_id, Report.resolved_at.is_(None))
    return db.session.scalar(select(Message).where(Message.id == message_id, reported))


def report_guide(actor: User, guide: Guide, *, reason: str, comment: str = "") -> Report:
    """Report a guide to the moderators; one open report per member and guide."""
    policy.require(policy.can_report_guide(actor, guide))
    return _report(actor, Report.guide_id, guide.id, reason=reason, comment=comment)


@dataclass
class GuideReportGroup:
    guide: Guide
    reports: list[Report]


def list_guide_reports(actor: User) -> list[GuideReportGroup]:
    """Open reports of guides, grouped by guide, the most reported first."""
    policy.require(policy.can_moderate(actor))
    reports = db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None), Report.guide_id.is_not(None))
        .options(joinedload(Report.guide), joinedload(Report.reporter))
        .order_by(Report.created_at)
    ).all()
    groups: dict[int, GuideReportGroup] = {}
    for report in reports:
        groups.setdefault(report.guide_id, GuideReportGroup(report.guide, [])).reports.append(
            report
        )
    return sorted(groups.values(), key=lambda group: -len(group.reports))


def _resolve_guide_reports(guide: Guide, resolution: str) -> None:
    open_reports = (Report.guide_id == guide.id, Report.resolved_at.is_(None))
    reporters = db.session.scalars(select(Report.reporter_id).where(*open_reports)).all()
    db.session.execute(
        update(Report).where(*open_reports).values(resolved_at=utcnow(), resolution=resolution)
    )
    notifications.report_handled(None, reporters, resolution, guide=guide)


def dismiss_guide_reports(actor: User, guide: Guide, grounds: Grounds) -> None:
    """Close the reports of a guide without acting on it."""
    policy.require(policy.can_moderate_guide(actor, guide))
    grounds = _grounds("dismiss_reports", grounds)
    _resolve_guide_reports(guide, "dismissed")
    _commit_and_tell(_log(actor, None, "dismiss_reports", f"guide:{guide.id}", grounds))


def hide_guide(actor: User, guide: Guide, grounds: Grounds) -> Guide:
    """Hide a guide from everyone but the moderators, with the reason they see; its open
    reports are closed."""
    policy.require(policy.can_moderate_guide(actor, guide))
    if guide.is_hidden:
        raise InvalidInput("reason", _("Cette fiche est déjà masquée."))
    grounds = _grounds("hide_guide", grounds)
    guide.hidden_at, guide.hidden_by_id = utcnow(), actor.id
    guide.hidden_reason = grounds.reason[:REASON_MAX]
    _resolve_guide_reports(guide, "guide_hidden")
    _commit_and_tell(_log(actor, None, "hide_guide", f"guide:{guide.id}", grounds))
    return guide


def restore_guide(actor: User, guide: Guide, grounds: Grounds) -> Guide:
    """Show a hidden guide again."""
    policy.require(policy.can_moderate_guide(actor, guide))
    if not guide.is_hidden:
        raise InvalidInput("reason", _("Cette fiche n'est pas masquée."))
    grounds = _grounds("restore_guide", grounds)
    guide.hidden_at = guide.hidden_by_id = guide.hidden_reason = None
    _commit_and_tell(_log(actor, None, "restore_guide", f"guide:{guide.id}", grounds))
    return guide


def _resolve_message_reports(message: Message, resolution: str) -> None:
    open_reports = (Report.message_id == message.id, Report.resolved_at.is_(None))
    reporters = db.session.scalars(select(Report.reporter_id).where(*open_reports)).all()
    db.session.execute(
        update(Report).where(*open_reports).values(resolved_at=utcnow(), resolution=resolution)
    )
    notifications.report_handled(None, reporters, resolution)


def dismiss_message_reports(actor: User, message: Message, grounds: Grounds) -> None:
    """Close the reports of a private message without acting on it."""
    policy.require(policy.can_moderate(actor))
    grounds = _grounds("dismiss_reports", grounds)
    _resolve_message_reports(message, "dismissed")
    db.session.commit()


def remove_message(actor: User, message: Message, grounds: Grounds) -> Message:
    """Remove a reported private message from its conversation (a placeholder stays); its
    author receives the statement of reasons, and may appeal."""
    policy.require(policy.can_moderate(actor))
    if message.removed_at is not None:
        raise InvalidInput("reason", _("Ce message a déjà été retiré."))
    grounds = _grounds("remove_message", grounds)
    message.removed_at = utcnow()
    message.source = message.html = ""  # the placeholder stays, the words go
    _resolve_message_reports(message, "removed")
    target = f"message:{message.id}"
    _commit_and_tell(_log(actor, message.author_id, "remove_message", target, grounds))
    return message


# --- posts ------------------------------------------------------------------------------------


def _post_url(post: Post) -> str:
    return absolute_url("forum.post", post_id=post.id)


def hide_post(actor: User, post: Post, grounds: Grounds) -> Post:
    """Hide POST behind a placeholder giving the reason; its author is told why."""
    policy.require(policy.can_hide_post(actor, post))
    if post.is_hidden:
        raise InvalidInput("reason", _("Ce message est déjà masqué."))
    grounds = _grounds("hide_post", grounds, post=post)
    post.hidden_at = utcnow()
    post.hidden_by_id = actor.id
    post.hidden_reason = grounds.reason[:500]
    _resolve_reports(post, "hidden")
    _commit_and_tell(_log(actor, post.author_id, "hide_post", f"post:{post.id}", grounds))
    return post


def restore_post(actor: User, post: Post, grounds: Grounds) -> Post:
    """Show a hidden post again."""
    policy.require(policy.can_hide_post(actor, post))
    if not post.is_hidden:
        raise InvalidInput("reason", _("Ce message n'est pas masqué."))
    grounds = _grounds("restore_post", grounds, post=post)
    post.hidden_at = post.hidden_by_id = post.hidden_reason = None
    _commit_and_tell(_log(actor, post.author_id, "restore_post", f"post:{post.id}", grounds))
    return post


def edit_post(
    actor: User, post: Post, *, body: str, grounds: Grounds, version: int | None = None
) -> Post:
    """Rewrite POST as a moderator: the former text stays in its history, the note is shown."""
    policy.require(policy.can_moderate_post(actor, post))
    grounds = _grounds("edit_post", grounds, post=post)
    if not posting.revise(actor, post, body=body, version=version):
        raise InvalidInput("body", _("Le texte n'a pas changé."))
    post.moderation_note = grounds.reason[:500]
    try:
        _resolve_reports(post, "edited")  # flushes the edit: a concurrent one shows up here
        entry = _log(actor, post.author_id, "edit_post", f"post:{post.id}", grounds)
        posting.commit_edit()
    except StaleDataError:
        db.session.rollback()
        raise posting.edited_meanwhile() from None
    _commit_and_tell(entry)
    return post


def delete_post(actor: User, post: Post, grounds: Grounds) -> Post:
    """Delete POST as a moderator: a placeholder with the reason, retention purges the text."""
    policy.require(policy.can_moderate_post(actor, post))
    if post.is_deleted:
        raise InvalidInput("reason", _("Ce message est déjà supprimé."))
    grounds = _grounds("delete_post", grounds, post=post)
    post.deleted_at = utcnow()
    post.moderation_note = grounds.reason[:500]
    if post.is_pending:
        posting.recount(post.thread)
    _resolve_reports(post, "deleted")
    _commit_and_tell(_log(actor, post.author_id, "delete_post", f"post:{post.id}", grounds))
    return post


REDACTED = "[passage retiré par la modération]"


def redact(actor: User, post: Post, *, passage: str, grounds: Grounds) -> Post:
    """Rewrite POST without PASSAGE (personal data exposed), everywhere it is stored.

    Not just hidden at display: the source, the rendering and any former version holding the
    passage are rewritten; the log keeps the action and the reason, never the passage itself.
    """
    policy.require(policy.can_hide_post(actor, post))
    passage = passage.strip()
    try:
        grounds = _grounds("redact_post", grounds, post=post)
    except InvalidInput as error:
        problem = error
    else:
        problem = None
    if not passage or passage not in post.source:
        missing = InvalidInput(
            "passage", _("Copiez exactement le passage à retirer, tel qu'il est écrit.")
        )
        raise InvalidInput("passage", missing.message, more=problem.errors if problem else None)
    if problem:
        raise problem
    redacted = post.source.replace(passage, REDACTED)
    html = posting.render_post(redacted)  # its reads before the change (no early flush)
    post.source, post.html = redacted, html
    db.session.execute(
        delete(PostRevision).where(
            PostRevision.post_id == post.id, PostRevision.source.contains(passage, autoescape=True)
        )
    )
    _resolve_reports(post, "redacted")
    _commit_and_tell(_log(actor, post.author_id, "redact_post", f"post:{post.id}", grounds))
    return post


def log_residue_replacement(actor: User, *, member_id: int | None, target: str) -> None:
    """Log, like a redaction and without the passage, that an admin replaced what an erasure
    left of a member in TARGET; the member it belongs to is told. Commits."""
    grounds = Grounds(
        _("Effacement d'un membre : son nom est remplacé par « Ancien membre »."),
        rule="privacy",
        detection="moderator",
    )
    _commit_and_tell(_log(actor, member_id, "replace_residue", target, grounds))


def list_pending_posts(actor: User) -> list[Post]:
    """New members' posts waiting for a moderator, oldest first."""
    policy.require(policy.can_moderate(actor))
    query = (
        select(Post)
        .where(Post.pending_at.is_not(None), Post.deleted_at.is_(None))
        .order_by(Post.pending_at, Post.id)
        .options(joinedload(Post.author), joinedload(Post.thread))
    )
    return list(db.session.scalars(query))


def count_pending_posts() -> int:
    query = select(func.count()).where(Post.pending_at.is_not(None), Post.deleted_at.is_(None))
    return db.session.scalar(query) or 0


def _claim(post: Post, **values: object) -> None:
    """Take POST out of the queue with VALUES, once: a second moderator at the same moment
    finds it gone (the UPDATE matches no row) instead of counting it twice."""
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.pending_at.is_not(None), Post.deleted_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise InvalidInput("reason", _("Ce message n'attend plus de validation."))
    db.session.refresh(post)


def _publish(post: Post) -> None:
    """Publish POST, and its thread if POST opens it (counted in its topic and trades once)."""
    thread = post.thread
    opened = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id, Thread.pending_at.is_not(None))
        .values(pending_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if opened:
        posting.count_thread(thread.topic, thread.trades, +1)
    db.session.refresh(thread)
    posting.recount(thread)


def _check_pending(post: Post) -> None:
    if not post.is_pending or post.is_deleted:
        raise InvalidInput("reason", _("Ce message n'attend plus de validation."))


def approve_post(actor: User, post: Post, grounds: Grounds) -> Post:
    """Publish a new member's pending post (a thread's opening post before its replies)."""
    policy.require(policy.can_moderate_post(actor, post))
    _check_pending(post)
    if post.thread.is_pending and posting.first_post_id(post.thread) != post.id:
        raise InvalidInput("reason", _("Validez d'abord le message qui ouvre cette discussion."))
    grounds = _grounds("approve_post", grounds, post=post)
    _claim(post, pending_at=None)
    _publish(post)
    if posting.first_post_id(post.thread) == post.id:
        notifications.thread_published(post.thread, post)
    else:
        notifications.post_published(post)
    _commit_and_tell(_log(actor, post.author_id, "approve_post", f"post:{post.id}", grounds))
    return post


def reject_post(actor: User, post: Post, grounds: Grounds) -> Post:
    """Refuse a new member's pending post: never published; its author sees why, and may appeal.

    A refused opening post leaves its thread unpublished for good.
    """
    policy.require(policy.can_moderate_post(actor, post))
    _check_pending(post)
    grounds = _grounds("reject_post", Grounds(grounds.reason, grounds.rule, "approval"), post=post)
    _claim(post, deleted_at=utcnow(), moderation_note=grounds.reason[:500])
    posting.recount(post.thread)
    _commit_and_tell(_log(actor, post.author_id, "reject_post", f"post:{post.id}", grounds))
    return post


# --- threads ----------------------------------------------------------------------------------

THREAD_ACTIONS = {
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
}


def change_thread(actor: User, thread: Thread, action: str, grounds: Grounds) -> Thread:
    """Lock, unlock, pin or unpin THREAD, with the reason in the log."""
    policy.require(policy.can_manage_thread(actor, thread))
    attribute, value = THREAD_ACTIONS[action]
    if getattr(thread, attribute) == value:
        raise InvalidInput("reason", _("C'est déjà le cas."))
    grounds = _grounds(f"{action}_thread", grounds)
    setattr(thread, attribute, value)
    entry = _log(actor, thread.author_id, f"{action}_thread", f"thread:{thread.id}", grounds)
    _commit_and_tell(entry)
    return thread


def move_thread(
    actor: User, thread: Thread, *, topic_id: int | None, trade_ids: list[int], grounds: Grounds
) -> Thread:
    """Put THREAD in another topic and/or other trades."""
    policy.require(policy.can_manage_thread(actor, thread))
    topic, topic_problem = posting.choose_topic(topic_id)
    trades, trades_problem = posting.choose_trades(trade_ids)
    try:
        grounds = _grounds("move_thread", grounds)
    except InvalidInput as error:
        problems = error.errors
    else:
        problems = {}
    error = InvalidInput.collect({"topic": topic_problem, "trades": trades_problem, **problems})
    if error:
        raise error
    if topic.id == thread.topic_id and {t.id for t in trades} == {t.id for t in thread.trades}:
        raise InvalidInput("topic", _("La discussion est déjà dans ce sujet et ces métiers."))
    if not thread.is_pending:
        posting.count_thread(thread.topic, thread.trades, -1)
        posting.count_thread(topic, trades, +1)
    thread.topic = topic
    thread.trades = trades
    entry = _log(actor, thread.author_id, "move_thread", f"thread:{thread.id}", grounds)
    _commit_and_tell(entry)
    return thread


def merge_threads(actor: User, source: Thread, target: Thread, grounds: Grounds) -> Thread:
    """Move every post of SOURCE into TARGET (in date order); SOURCE's address leads there."""
    policy.require(policy.can_manage_thread(actor, source))
    grounds = _grounds("merge_thread", grounds)
    if target.id == source.id:
        raise InvalidInput("target", _("Choisissez une autre discussion que celle-ci."))
    if target.is_pending:
        raise InvalidInput("target", _("Cette discussion attend encore d'être validée."))
    moved = list(db.session.scalars(select(Post.id).where(Post.thread_id == source.id)))
    entries = _log_for_authors(
        actor, source, moved, "merge_thread", f"thread:{source.id}>{target.id}", grounds
    )
    db.session.execute(update(Post).where(Post.thread_id == source.id).values(thread_id=target.id))
    db.session.execute(
        update(ThreadRedirect)
        .where(ThreadRedirect.thread_id == source.id)
        .values(thread_id=target.id)
    )
    db.session.add(ThreadRedirect(old_id=source.id, thread_id=target.id))
    if not source.is_pending:
        posting.count_thread(source.topic, source.trades, -1)
    db.session.delete(source)
    db.session.flush()
    db.session.expire_all()
    posting.recount(target)
    _commit_and_tell(*entries)
    return target


def split_thread(
    actor: User, thread: Thread, *, post_ids: list[int], title: str, grounds: Grounds
) -> Thread:
    """Move the chosen posts of THREAD into a new thread of the same topic and trades."""
    policy.require(policy.can_manage_thread(actor, thread))
    wanted = set(post_ids)
    posts = (
        list(
            db.session.scalars(
                select(Post)
                .where(Post.thread_id == thread.id, Post.id.in_(wanted))
                .order_by(Post.id)
            )
        )
        if wanted
        else []
    )
    title = " ".join(title.split())
    try:
        grounds = _grounds("split_thread", grounds)
    except InvalidInput as error:
        problems = error.errors
    else:
        problems = {}
    first_id = posting.first_post_id(thread)
    error = InvalidInput.collect(
        {
            "posts": _("Cochez au moins un message à déplacer.")
            if not posts or len(posts) != len(wanted)
            else _("Le premier message reste dans sa discussion : ne le cochez pas.")
            if first_id in wanted
            else None,
            "title": posting.title_problem(title),
            **problems,
        }
    )
    if error:
        raise error
    opener = posts[0]
    new = Thread(
        title=title,
        slug=slugs.slugify(title) or "discussion",
        topic=thread.topic,
        author_id=opener.author_id,
        created_at=opener.created_at,
        last_posted_at=opener.created_at,
        post_count=0,
        pending_at=opener.pending_at,  # an opening post still waiting: so does its thread
    )
    new.trades = list(thread.trades)
    db.session.add(new)
    db.session.flush()
    moved = [post.id for post in posts]
    entries = _log_for_authors(
        actor, thread, moved, "split_thread", f"thread:{thread.id}>{new.id}", grounds
    )
    db.session.execute(update(Post).where(Post.id.in_(moved)).values(thread_id=new.id))
    if not new.is_pending:
        posting.count_thread(new.topic, new.trades, +1)
    db.session.flush()
    db.session.expire_all()
    posting.recount(thread)
    posting.recount(new)
    _commit_and_tell(*entries)
    return new


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
SANCTIONS = ("warn", "suspend", "ban", "lift")


def sanction(
    actor: User, member: User, kind: str, grounds: Grounds, *, days: int | None = None
) -> ModerationAction:
    """Warn, suspend for DAYS, ban (for DAYS, or for good without them), or lift a sanction."""
    policy.require(policy.can_sanction(actor, member))
    if kind not in SANCTIONS:
        raise InvalidInput("kind", _("Choisissez une sanction."))
    grounds = _grounds(kind, grounds)
    if kind == "suspend" and not (days and 0 < days <= 365):
        raise InvalidInput("days", _("Indiquez une durée de 1 à 365 jours."))
    if kind == "ban" and days is not None and not 0 < days <= 3650:
        raise InvalidInput("days", _("Indiquez une durée de 1 à 3 650 jours, ou aucune."))
    now = utcnow()
    ends_at = None
    if kind == "suspend":
        ends_at = member.posting_blocked_until = now + timedelta(days=days)
    elif kind == "ban":
        ends_at = member.posting_blocked_until = now + timedelta(days=days) if days else PERMANENT
    elif kind == "lift":
        member.posting_blocked_until = None
    entry = _log(actor, member.id, kind, f"user:{member.id}", grounds, ends_at=ends_at)
    _commit_and_tell(entry)
    return entry


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
        .options(joinedload(ModerationAction.moderator), joinedload(ModerationAction.appeal))
    ).all()
    return {"notes": notes, "actions": actions}


# --- statements of reasons and appeals --------------------------------------------------------

APPEAL_MIN, APPEAL_MAX = 10, 2_000
DECISIONS = ("upheld", "overturned")


def get_decision(actor: User | None, action_id: int) -> ModerationAction | None:
    """The log entry ACTION_ID, for the member it concerns or a moderator; None if absent or
    not theirs (the same answer: ids of other members' decisions are not told apart)."""
    entry = db.session.get(ModerationAction, action_id)
    if entry is None or not policy.can_see_decision(actor, entry):
        return None
    return entry


def appeal(actor: User, entry: ModerationAction, *, text: str) -> Appeal:
    """ACTOR contests ENTRY, once; another moderator than the one who acted decides."""
    policy.require(policy.can_appeal(actor, entry))
    text = text.strip()
    if not APPEAL_MIN <= len(text) <= APPEAL_MAX:
        raise InvalidInput(
            "text",
            _(
                "Expliquez en %(min)d à %(max)d caractères pourquoi la décision vous semble "
                "injuste.",
                min=APPEAL_MIN,
                max=APPEAL_MAX,
            ),
        )
    contest = Appeal(action=entry, member_id=actor.id, text=text, created_at=utcnow())
    db.session.add(contest)
    try:
        db.session.commit()
    except IntegrityError:  # sent twice at once: the first one counts
        db.session.rollback()
        raise InvalidInput("text", _("Cette décision est déjà contestée.")) from None
    return contest


def list_open_appeals(actor: User) -> list[Appeal]:
    policy.require(policy.can_moderate(actor))
    query = (
        select(Appeal)
        .where(Appeal.decided_at.is_(None))
        .order_by(Appeal.created_at)
        .options(
            joinedload(Appeal.member),
            joinedload(Appeal.action).joinedload(ModerationAction.moderator),
        )
    )
    return list(db.session.scalars(query))


def count_open_appeals() -> int:
    return db.session.scalar(select(func.count()).where(Appeal.decided_at.is_(None))) or 0


def waiting() -> dict[str, int]:
    """What waits for the moderators: open reports, posts to approve, appeals to decide."""
    return {
        "reports": count_open_reports(),
        "queue": count_pending_posts(),
        "appeals": count_open_appeals(),
    }


def decide_appeal(actor: User, contest: Appeal, *, decision: str, reason: str) -> Appeal:
    """Uphold or overturn the decision CONTEST is about; an overturned one is undone."""
    policy.require(policy.can_decide_appeal(actor, contest))
    if not contest.is_open:
        raise InvalidInput("decision", _("Cette contestation a déjà été tranchée."))
    entry = contest.action
    try:
        grounds = _grounds(f"appeal_{decision}", Grounds(reason, entry.rule, "appeal"))
    except InvalidInput as error:
        problems = error.errors
    else:
        problems = {}
    error = InvalidInput.collect(
        {
            "decision": None if decision in DECISIONS else _("Maintenez ou annulez la décision."),
            **problems,
        }
    )
    if error:
        raise error
    if decision == "overturned":
        _undo(entry)
    contest.decided_at = utcnow()
    contest.decider_id = actor.id
    contest.decision = decision
    contest.decision_reason = grounds.reason
    _commit_and_tell(
        _log(actor, contest.member_id, f"appeal_{decision}", f"appeal:{contest.id}", grounds)
    )
    return contest


def _undo(entry: ModerationAction) -> None:
    """Reverse what ENTRY did, where it can be: a hidden or deleted post, a lock, a sanction.

    A rewrite (edit, redaction), a move, a split or a merge is not undone by itself: the
    moderator deciding the appeal puts things back by hand if needed.
    """
    kind, _sep, ident = entry.target.partition(":")
    if not ident.isdigit():
        return
    if kind == "post":
        post = db.session.get(Post, int(ident))
        if post is None:
            return
        if entry.action == "hide_post":
            post.hidden_at = post.hidden_by_id = post.hidden_reason = None
        elif entry.action in ("delete_post", "reject_post") and post.source:
            post.deleted_at = None
            post.moderation_note = None
            if entry.action == "reject_post":
                post.pending_at = None
                db.session.flush()
                _publish(post)
            else:
                posting.recount(post.thread)
    elif kind == "thread" and entry.action == "lock_thread":
        thread = db.session.get(Thread, int(ident))
        if thread is not None:
            thread.is_locked = False
    elif kind == "user" and entry.action in ("suspend", "ban"):
        member = db.session.get(User, int(ident))
        if member is not None and member.posting_blocked_until == entry.ends_at:
            member.posting_blocked_until = None  # only if no later sanction replaced it
