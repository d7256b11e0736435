"""Retention: the forum's rules for each duration of the inventory, applied by gdpr/'s engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    Appeal,
    Device,
    Event,
    LoginEvent,
    ModerationAction,
    Notification,
    PersonalDataAccess,
    Post,
    PostPhoto,
    PostRevision,
    Report,
    User,
)
from forum.models.base import utcnow
from forum.models.calendar import REFUSED
from forum.services import accounts, erasure, exports
from gdpr import retention
from gdpr.models import (
    ConsentEvent,
    Erasure,
    ErasureCertificate,
    ExportArchive,
    HoldAccess,
    HoldReading,
    HoldRecord,
    ReviewTask,
    SubjectRequest,
)
from gdpr.retention import Rule

WARNING_NOTICE_DAYS = 30  # between the warning e-mail and the erasure


def _purge(session: Session, model, condition, dry_run: bool) -> int:
    """Delete the rows of MODEL matching CONDITION (unless DRY_RUN); how many there were."""
    due = select(model.id).where(condition)
    count = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    if not dry_run and count:
        session.execute(delete(model).where(model.id.in_(due)))
    return count


def _last_activity():
    return func.coalesce(User.last_login_at, User.created_at)


def unverified_accounts(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Accounts whose address was never confirmed (7 days)."""
    users = session.scalars(
        select(User).where(
            User.email_verified_at.is_(None),
            User.created_at < cutoff,
            User.restricted_at.is_(None),  # art. 18: nothing but storage while restricted
        )
    ).all()
    if not dry_run:
        for user in users:
            erasure.erase_now(user, content="delete")
    return len(users)


def deleted_posts(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """The text and photos of posts deleted by their author (30 days); the placeholder stays."""
    due = select(Post.id).where(Post.deleted_at < cutoff, Post.source != "")
    count = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    if not dry_run and count:
        ids = list(session.scalars(due))
        session.execute(delete(PostRevision).where(PostRevision.post_id.in_(ids)))
        session.execute(delete(PostPhoto).where(PostPhoto.post_id.in_(ids)))  # files: sweep
        session.execute(
            update(Post).where(Post.id.in_(ids)).values(source="", html="", search_text="")
        )
    return count


def export_archives(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Export archives, deleted 7 days after they were made."""
    due = select(ExportArchive).where(ExportArchive.requested_at < cutoff)
    if dry_run:
        return session.scalar(select(func.count()).select_from(due.subquery())) or 0
    return exports.delete_archives(due)


def inactive_warnings(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Warn accounts unused for about 23 months that they will be erased unless they log in."""
    users = session.scalars(
        select(User).where(
            User.email_verified_at.is_not(None),  # unconfirmed accounts have their own rule
            User.restricted_at.is_(None),
            _last_activity() < cutoff,
            User.inactivity_warned_at.is_(None),
        )
    ).all()
    if not dry_run:
        for user in users:
            user.inactivity_warned_at = utcnow()
            accounts.notify(
                user,
                "inactive_warning",
                login_url=absolute_url("auth.login"),
            )
    return len(users)


def inactive_accounts(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Accounts unused for 24 months and warned a month before: erased, posts anonymised."""
    warned_long_enough = utcnow() - timedelta(days=WARNING_NOTICE_DAYS)
    users = session.scalars(
        select(User).where(
            User.email_verified_at.is_not(None),
            User.restricted_at.is_(None),
            _last_activity() < cutoff,
            User.inactivity_warned_at < warned_long_enough,
        )
    ).all()
    if not dry_run:
        for user in users:
            erasure.erase_now(user, content="anonymise")
    return len(users)


def consent_proofs(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Consent proofs, five years after the account ended."""
    return _purge(session, ConsentEvent, ConsentEvent.subject_ended_at < cutoff, dry_run)


def legal_hold(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Author identification data (IP address, time), one year after publication (LCEN)."""
    return _purge(session, HoldRecord, HoldRecord.at < cutoff, dry_run)


def login_history(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Login history (time, address), six months."""
    return _purge(session, LoginEvent, LoginEvent.at < cutoff, dry_run)


def idle_devices(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Signed-in devices unused for 30 days: signed out, and their record deleted."""
    return _purge(session, Device, Device.last_seen_on < cutoff.date(), dry_run)


def tombstones(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Tombstones of erased members, once no backup as old may be restored (a year)."""
    return erasure.forget_tombstones(cutoff, dry_run=dry_run)


def closed_requests(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Data-subject requests, five years after they were closed (proof of compliance)."""
    return _purge(session, SubjectRequest, SubjectRequest.closed_at < cutoff, dry_run)


def hold_accesses(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """The log of access to held data, five years after the request."""
    due = select(HoldAccess.id).where(HoldAccess.requested_at < cutoff)
    count = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    if not dry_run and count:
        ids = list(session.scalars(due))
        session.execute(delete(HoldReading).where(HoldReading.access_id.in_(ids)))
        session.execute(delete(HoldAccess).where(HoldAccess.id.in_(ids)))
    return count


def personal_data_accesses(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """The log of admins' access to e-mail and IP addresses, five years."""
    condition = PersonalDataAccess.created_at < cutoff
    return _purge(session, PersonalDataAccess, condition, dry_run)


def outbox_mails(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Mail written to the outbox folder (no SMTP server): addresses in files, 30 days."""
    folder = Path(current_app.config["MAIL_OUTBOX"])
    due = [
        path
        for path in (folder.glob("*.eml") if folder.exists() else [])
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff
    ]
    if not dry_run:
        for path in due:
            path.unlink(missing_ok=True)
    return len(due)


def moderation_log(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Decisions of moderation, with their appeals and notices, five years on (a sanction
    still running is kept until it ends)."""
    over = or_(ModerationAction.ends_at.is_(None), ModerationAction.ends_at < utcnow())
    due = select(ModerationAction.id).where(ModerationAction.created_at < cutoff, over)
    count = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    if not dry_run and count:
        ids = list(session.scalars(due))
        session.execute(delete(Notification).where(Notification.action_id.in_(ids)))
        session.execute(delete(Appeal).where(Appeal.action_id.in_(ids)))
        session.execute(delete(ModerationAction).where(ModerationAction.id.in_(ids)))
    return count


def handled_reports(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Reports, a year after a moderator handled them (open ones wait)."""
    return _purge(session, Report, Report.resolved_at < cutoff, dry_run)


def refused_events(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Members' calendar proposals a moderator refused, a month after (with their history)."""
    return _purge(
        session, Event, and_(Event.status == REFUSED, Event.reviewed_at < cutoff), dry_run
    )


def read_notifications(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Notifications, six months after they were read."""
    return _purge(session, Notification, Notification.read_at < cutoff, dry_run)


def handled_review_tasks(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """What an erasure left behind, a month after an admin dealt with it."""
    return _purge(session, ReviewTask, ReviewTask.resolved_at < cutoff, dry_run)


def erasure_records(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Scheduled erasures (executed or cancelled) and their certificates, five years on."""
    ended = func.coalesce(Erasure.executed_at, Erasure.cancelled_at)
    count = _purge(session, Erasure, ended < cutoff, dry_run)
    return count + _purge(
        session, ErasureCertificate, ErasureCertificate.executed_at < cutoff, dry_run
    )


RETENTION_RULES = [
    Rule(
        "unverified_accounts",
        "unverified_account",
        unverified_accounts,
        tables=("users",),
        erases_subjects=True,
        since="registration",
    ),
    Rule(
        "deleted_posts",
        "deleted_post",
        deleted_posts,
        tables=("posts", "post_revisions", "post_photos"),
        since="deletion",
    ),
    Rule(
        "export_archives",
        "export_archive",
        export_archives,
        tables=("gdpr_exports",),
        since="preparation",
    ),
    Rule(
        "inactive_warnings",
        "account_warning",
        inactive_warnings,
        tables=("users",),
        since="last_activity",
    ),
    Rule(
        "inactive_accounts",
        "account",
        inactive_accounts,
        tables=("users",),
        erases_subjects=True,
        since="last_activity",
    ),
    Rule(
        "consent_proofs",
        "consent_proof",
        consent_proofs,
        tables=("gdpr_consent_events",),
        since="account_end",
    ),
    Rule(
        "legal_hold", "legal_hold", legal_hold, tables=("gdpr_hold_records",), since="publication"
    ),
    Rule("login_history", "login_history", login_history, tables=("login_events",), since="login"),
    Rule("idle_devices", "device", idle_devices, tables=("devices",), since="last_use"),
    Rule("tombstones", "tombstone", tombstones, tables=("gdpr_tombstones",), since="erasure"),
    Rule(
        "closed_requests",
        "request_proof",
        closed_requests,
        tables=("gdpr_requests",),
        since="closing",
    ),
    Rule(
        "hold_accesses",
        "access_log",
        hold_accesses,
        tables=("gdpr_hold_access", "gdpr_hold_readings"),
        since="access",
    ),
    Rule(
        "personal_data_accesses",
        "access_log",
        personal_data_accesses,
        tables=("personal_data_accesses",),
        since="access",
    ),
    Rule(
        "moderation_log",
        "moderation_log",
        moderation_log,
        tables=("moderation_actions", "appeals", "notifications"),
        since="decision",
    ),
    Rule("handled_reports", "report", handled_reports, tables=("reports",), since="handling"),
    Rule(
        "refused_events",
        "refused_event",
        refused_events,
        tables=("events", "event_changes", "event_trades"),
        since="decision",
    ),
    Rule(
        "read_notifications",
        "notification",
        read_notifications,
        tables=("notifications",),
        since="reading",
    ),
    Rule(
        "review_tasks",
        "review_task",
        handled_review_tasks,
        tables=("gdpr_review_tasks",),
        since="handling",
    ),
    Rule(
        "erasure_records",
        "erasure_proof",
        erasure_records,
        tables=("gdpr_erasures", "gdpr_certificates"),
        since="erasure_end",
    ),
    Rule("outbox_mails", "outbox", outbox_mails, since="writing"),
]


def apply_retention(*, dry_run: bool = False) -> list[retention.Outcome]:
    """Apply every rule with the configured durations (`flask gdpr retention`)."""
    durations = current_app.config["GDPR_RETENTION"]
    outcomes = retention.run(db.session, RETENTION_RULES, durations, dry_run=dry_run)
    if not dry_run and any(outcome.count for outcome in outcomes):
        erasure.settle_on_disk()
    return outcomes
