"""The member's notifications: what they are told, read or not."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import pagination
from forum.extensions import db
from forum.models import ModerationAction, Notification, User
from forum.models.base import utcnow


def page_for(actor: User, *, page: int = 1) -> pagination.Page[Notification]:
    """Page PAGE of ACTOR's notifications, newest first, with the decisions they point to."""
    mine = Notification.user_id == actor.id
    total = db.session.scalar(select(func.count()).where(mine)) or 0
    number = pagination.check(page, total)
    query = (
        select(Notification)
        .where(mine)
        .order_by(Notification.id.desc())
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(joinedload(Notification.action).joinedload(ModerationAction.appeal))
    )
    return pagination.Page(items=list(db.session.scalars(query)), number=number, total=total)


def count_unread(actor: User) -> int:
    query = select(func.count()).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def mark_read(actor: User, *, action_id: int | None = None) -> None:
    """Mark ACTOR's notifications read: all of them, or those about one decision."""
    query = update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)
    )
    if action_id is not None:
        query = query.where(Notification.action_id == action_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()
