"""Reactions: « Merci » and « Utile » on posts, one of each per member and post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum import policy
from forum.extensions import db, unless_done_meanwhile
from forum.models import Post, Reaction, User
from forum.models.base import utcnow
from forum.services import notifications

KINDS = {"merci": _l("Merci"), "utile": _l("Utile")}


@dataclass
class OnPost:
    """The reactions to one post: who gave each kind, and which ones the reader gave."""

    names: dict[str, list[str]] = field(default_factory=dict)
    mine: set[str] = field(default_factory=set)

    def count(self, kind: str) -> int:
        return len(self.names.get(kind, ()))


def toggle(actor: User, post: Post, kind: str) -> bool:
    """Give KIND to POST as ACTOR, or take it back if given; whether it is given now. Taking
    one back is always possible; its author is told of a new one (grouped while unread)."""
    policy.require(actor is not None and kind in KINDS)
    mine = (Reaction.user_id == actor.id, Reaction.post_id == post.id, Reaction.kind == kind)
    if db.session.execute(delete(Reaction).where(*mine)).rowcount:
        db.session.commit()
        return False
    policy.require(policy.can_react(actor, post))
    with unless_done_meanwhile():
        db.session.add(Reaction(user_id=actor.id, post_id=post.id, kind=kind, created_at=utcnow()))
        db.session.flush()
        if post.author is not None:
            notifications.tell(
                [post.author], "reaction", post=post, detail=kind, grouped=True, by=actor
            )
        db.session.commit()
    return True


def on_posts(reader: User | None, posts: Sequence[Post]) -> dict[int, OnPost]:
    """The reactions to POSTS, in one query: the names of those who reacted (not members
    whose data is restricted), oldest first."""
    ids = [post.id for post in posts]
    found: dict[int, OnPost] = {post_id: OnPost() for post_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Reaction.post_id, Reaction.kind, User.id, User.username)
        .join(User, User.id == Reaction.user_id)
        .where(Reaction.post_id.in_(ids), policy.named_members())
        .order_by(Reaction.id)
    )
    for post_id, kind, user_id, username in rows:
        found[post_id].names.setdefault(kind, []).append(username)
        if reader is not None and user_id == reader.id:
            found[post_id].mine.add(kind)
    return found
