"""Bookmarks: a member keeps posts to read again (`/me/bookmarks`), privately."""

from __future__ import annotations

from flask import g
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from forum import pagination, policy
from forum.extensions import db, unless_done_meanwhile
from forum.models import Bookmark, Post, Thread, User
from forum.models.base import utcnow


def toggle(actor: User, post: Post) -> bool:
    """Keep POST for ACTOR, or let it go if kept; whether it is kept now. A bookmark can always
    be let go (even of a post hidden since); only a post they may read can be kept."""
    policy.require(actor is not None)
    mine = (Bookmark.user_id == actor.id, Bookmark.post_id == post.id)
    if db.session.execute(delete(Bookmark).where(*mine)).rowcount:
        db.session.commit()
        return False
    policy.require(policy.can_bookmark(actor, post))
    with unless_done_meanwhile():
        db.session.add(Bookmark(user_id=actor.id, post_id=post.id, created_at=utcnow()))
        db.session.commit()
    return True


def kept_ids(actor: User | None) -> frozenset[int]:
    """The ids of the posts ACTOR keeps: one query a request, whatever the page shows."""
    if actor is None:
        return frozenset()
    if "bookmarked" not in g:
        query = select(Bookmark.post_id).where(Bookmark.user_id == actor.id)
        g.bookmarked = frozenset(db.session.scalars(query))
    return g.bookmarked


def list_bookmarks(actor: User, *, page: int = 1) -> pagination.Page[Post]:
    """The posts ACTOR keeps and may still read, the last kept first."""
    policy.require(actor is not None)
    kept = (
        select(Post)
        .join(Bookmark, Bookmark.post_id == Post.id)
        .where(Bookmark.user_id == actor.id, policy.visible_posts(actor))
    )
    total = db.session.scalar(select(func.count()).select_from(kept.subquery())) or 0
    number = pagination.check(page, total)
    posts = db.session.scalars(
        kept.options(joinedload(Post.thread).joinedload(Thread.author), joinedload(Post.author))
        .order_by(Bookmark.created_at.desc(), Post.id.desc())
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
    )
    return pagination.Page(items=list(posts), number=number, total=total)
