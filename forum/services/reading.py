"""Unread tracking: how far each member has read each thread; threads with new posts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from forum import pagination, policy
from forum.extensions import db
from forum.models import Post, ReadMark, Thread, Topic, Trade, User, thread_trades
from forum.models.base import utcnow


def _baseline(reader: User):
    """Everything written before this counts as read: the account's creation, or the last
    « tout marquer comme lu »."""
    return max(filter(None, (reader.created_at, reader.all_read_at)))


def mark_seen(reader: User | None, thread: Thread, posts: Sequence[Post]) -> None:
    """READER has seen POSTS of THREAD (a page of it): the mark only moves forward."""
    if not posts or not policy.can_follow(reader):
        return
    last = max(posts, key=lambda post: post.id)
    if last.created_at <= _baseline(reader):
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ReadMark).values(
        user_id=reader.id,
        thread_id=thread.id,
        last_read_post_id=last.id,
        read_up_to=last.created_at,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReadMark.user_id, ReadMark.thread_id],
            set_={
                "last_read_post_id": statement.excluded.last_read_post_id,
                "read_up_to": statement.excluded.read_up_to,
            },
            where=ReadMark.last_read_post_id < statement.excluded.last_read_post_id,
        )
    )
    db.session.commit()


def with_new_posts(reader: User | None, threads: Sequence[Thread]) -> frozenset[int]:
    """The ids of THREADS that have posts READER has not seen, in one query."""
    if not threads or not policy.can_follow(reader):
        return frozenset()
    baseline = _baseline(reader)
    marks = dict(
        db.session.execute(
            select(ReadMark.thread_id, ReadMark.read_up_to).where(
                ReadMark.user_id == reader.id,
                ReadMark.thread_id.in_([thread.id for thread in threads]),
            )
        ).all()
    )
    return frozenset(
        thread.id
        for thread in threads
        if thread.last_posted_at > max(baseline, marks.get(thread.id, baseline))
    )


def first_unread_page(reader: User, thread: Thread) -> tuple[int, int | None]:
    """The page of THREAD holding the first post READER has not seen, and that post's id
    (None: everything is read, the last page)."""
    mark = db.session.get(ReadMark, (reader.id, thread.id))
    on_page = policy.posts_on_thread_page(reader)
    after = (
        Post.id > mark.last_read_post_id
        if mark is not None and mark.read_up_to > _baseline(reader)
        else Post.created_at > _baseline(reader)
    )
    first = db.session.scalar(
        select(func.min(Post.id)).where(Post.thread_id == thread.id, on_page, after)
    )
    if first is None:
        total = db.session.scalar(select(func.count()).where(Post.thread_id == thread.id, on_page))
        return pagination.page_of(max((total or 1) - 1, 0)), None
    before = db.session.scalar(
        select(func.count()).where(Post.thread_id == thread.id, on_page, Post.id < first)
    )
    return pagination.page_of(before or 0), first


def mark_all_read(reader: User, *, topic: Topic | None = None, trade: Trade | None = None) -> None:
    """Everything READER may open counts as read: in TOPIC, in TRADE, or everywhere."""
    policy.require(policy.can_follow(reader))
    if topic is None and trade is None:
        reader.all_read_at = utcnow()
        db.session.execute(delete(ReadMark).where(ReadMark.user_id == reader.id))
        db.session.commit()
        return
    where = [policy.visible_threads(reader)]
    if topic is not None:
        where.append(Thread.topic_id == topic.id)
    if trade is not None:
        in_trade = select(thread_trades.c.thread_id).where(thread_trades.c.trade_id == trade.id)
        where.append(Thread.id.in_(in_trade))
    threads = select(Thread.id).where(*where)
    db.session.execute(
        delete(ReadMark).where(ReadMark.user_id == reader.id, ReadMark.thread_id.in_(threads))
    )
    last_post = select(func.max(Post.id)).where(Post.thread_id == Thread.id).scalar_subquery()
    marks = select(literal(reader.id), Thread.id, last_post, Thread.last_posted_at).where(*where)
    db.session.execute(
        insert(ReadMark).from_select(
            ["user_id", "thread_id", "last_read_post_id", "read_up_to"], marks
        )
    )
    db.session.commit()
