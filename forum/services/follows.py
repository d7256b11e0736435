"""Following a thread, a topic, a trade, a guide or a calendar event: to be told of what is
new there."""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select

from forum import policy
from forum.extensions import db, unless_done_meanwhile
from forum.models import Event, Follow, Guide, Thread, Topic, Trade, User, thread_trades
from forum.models.base import utcnow

Target = Thread | Topic | Trade | Guide | Event
_COLUMNS = {
    Thread: Follow.thread_id,
    Topic: Follow.topic_id,
    Trade: Follow.trade_id,
    Guide: Follow.guide_id,
    Event: Follow.event_id,
}


def _column(target: Target):
    return _COLUMNS[type(target)]


def _row(actor: User, target: Target) -> Follow | None:
    query = select(Follow).where(Follow.user_id == actor.id, _column(target) == target.id)
    return db.session.scalar(query)


def follows(actor: User | None, target: Target) -> bool:
    """Whether ACTOR follows TARGET now."""
    if actor is None:
        return False
    row = _row(actor, target)
    return row is not None and row.active


def set_following(actor: User, target: Target, following: bool) -> None:
    """Follow TARGET, or stop: a thread left this way is not followed again by posting in it."""
    policy.require(policy.can_follow(actor))
    with unless_done_meanwhile():
        row = _row(actor, target)
        if row is None:
            row = Follow(user_id=actor.id, created_at=utcnow(), active=following)
            setattr(row, _column(target).key, target.id)
            db.session.add(row)
        else:
            row.active = following
        db.session.commit()


def follow_on_post(actor: User, target: Thread | Guide | Event) -> None:
    """Follow TARGET for ACTOR who posts in it (writes a version of the guide, proposes the
    event), if they want that and never left it. No commit."""
    if not actor.follow_on_post or _row(actor, target) is not None:
        return
    row = Follow(user_id=actor.id, created_at=utcnow())
    setattr(row, _column(target).key, target.id)
    db.session.add(row)
    db.session.flush()


def followers_of(target: Target) -> Select:
    """The ids of the members who follow TARGET itself."""
    return select(Follow.user_id).where(_column(target) == target.id, Follow.active.is_(True))


def thread_followers(thread: Thread, poster: User | None) -> tuple[list[User], bool]:
    """The members told of what is new in THREAD as its followers (`policy.told_members`), and
    whether POSTER has a follow row of it (following it, or having left it): one statement, so
    that a reply by a member who follows already reads nothing more (`follow_on_post`)."""
    own = Follow.user_id == poster.id if poster is not None else false()
    rows = db.session.execute(
        select(User, Follow.active)
        .join(Follow, Follow.user_id == User.id)
        .where(
            Follow.thread_id == thread.id,
            or_(and_(Follow.active.is_(True), policy.told_members()), own),
        )
    ).all()
    poster_id = poster.id if poster is not None else None
    followers = [user for user, active in rows if active and user.id != poster_id]
    return followers, any(user.id == poster_id for user, _active in rows)


def followers_of_place(thread: Thread) -> Select:
    """The ids of the members who follow THREAD's topic or one of its trades."""
    trades = select(thread_trades.c.trade_id).where(thread_trades.c.thread_id == thread.id)
    return select(Follow.user_id).where(
        Follow.active.is_(True),
        or_(Follow.topic_id == thread.topic_id, Follow.trade_id.in_(trades)),
    )


def list_followed(actor: User) -> dict[str, list]:
    """What ACTOR follows, by kind, for their settings page."""
    mine = (Follow.user_id == actor.id, Follow.active.is_(True))
    threads = db.session.scalars(
        select(Thread)
        .join(Follow, Follow.thread_id == Thread.id)
        .where(*mine, policy.visible_threads(actor))
        .order_by(Thread.last_posted_at.desc())
        .limit(200)
    )
    topics = db.session.scalars(
        select(Topic).join(Follow, Follow.topic_id == Topic.id).where(*mine).order_by(Topic.name)
    )
    trades = db.session.scalars(
        select(Trade).join(Follow, Follow.trade_id == Trade.id).where(*mine).order_by(Trade.name)
    )
    return {"threads": list(threads), "topics": list(topics), "trades": list(trades)}
