"""What makes members come back: follows, reactions, read marks, solutions, notice settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import not_personal, personal

if TYPE_CHECKING:
    from forum.models.threads import Post
    from forum.models.users import User

# What a member follows (a thread, a topic, a trade), to be told of what is new there.
FOLLOW = personal("preference", purpose="notification", basis="contract", retention="account")
# Who thanked whom for which post: shown on the post to every reader, gone with the account.
REACTION = personal("content", purpose="publication", basis="contract", retention="account")
# How far the member has read each thread: theirs only.
READING = personal("preference", purpose="unread tracking", basis="contract", retention="account")
# How the member wants to be told of each kind of notice.
NOTICE_SETTING = personal(
    "preference", purpose="notification", basis="contract", retention="account"
)


class Follow(Base):
    """A member follows one thread, topic, trade, guide or calendar event. `active` false:
    they stopped following it, and posting in the thread (editing the guide) again does not
    follow it anew."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_follows_user_thread"),
        UniqueConstraint("user_id", "topic_id", name="uq_follows_user_topic"),
        UniqueConstraint("user_id", "trade_id", name="uq_follows_user_trade"),
        UniqueConstraint("user_id", "guide_id", name="uq_follows_user_guide"),
        UniqueConstraint("user_id", "event_id", name="uq_follows_user_event"),
        {"info": {"subject": "user_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=FOLLOW)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True, info=FOLLOW
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True, info=FOLLOW
    )
    trade_id: Mapped[int | None] = mapped_column(
        ForeignKey("trades.id", ondelete="CASCADE"), index=True, info=FOLLOW
    )
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), index=True, info=FOLLOW
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True, info=FOLLOW
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=true(), info=FOLLOW)
    created_at: Mapped[datetime] = mapped_column(info=FOLLOW)

    def __repr__(self) -> str:
        target = self.thread_id or self.topic_id or self.trade_id or self.guide_id or self.event_id
        return f"<Follow {self.user_id} {target}>"


class Reaction(Base):
    """« Merci » or « Utile » on a post: one of each per member and post."""

    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id", "kind"),
        {"info": {"subject": "user_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=REACTION)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=REACTION
    )
    kind: Mapped[str] = mapped_column(String(10), info=REACTION)
    created_at: Mapped[datetime] = mapped_column(info=REACTION)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Reaction {self.kind} {self.user_id} {self.post_id}>"


class ReadMark(Base):
    """The last post of a thread the member has seen, and when it was written."""

    __tablename__ = "read_marks"
    __table_args__ = {"info": {"subject": "user_id"}}

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=READING
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True, info=READING
    )
    last_read_post_id: Mapped[int] = mapped_column(info=READING)
    read_up_to: Mapped[datetime] = mapped_column(info=READING)  # the last read post's date

    def __repr__(self) -> str:
        return f"<ReadMark {self.user_id} {self.thread_id} {self.last_read_post_id}>"


class ThreadSolution(Base):
    """The reply that answered a thread's question, marked by its author or a moderator."""

    __tablename__ = "thread_solutions"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, info=not_personal()
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), unique=True, info=not_personal()
    )
    marked_at: Mapped[datetime] = mapped_column(info=not_personal())

    post: Mapped[Post] = relationship()

    def __repr__(self) -> str:
        return f"<ThreadSolution {self.thread_id} {self.post_id}>"


class NoticeSetting(Base):
    """How a member is told of one kind of notice: not at all, on the site, or also by e-mail
    (with their consent). No row: the kind's default."""

    __tablename__ = "notice_settings"
    __table_args__ = {"info": {"subject": "user_id"}}

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=NOTICE_SETTING
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True, info=NOTICE_SETTING)
    channel: Mapped[str] = mapped_column(String(10), info=NOTICE_SETTING)

    def __repr__(self) -> str:
        return f"<NoticeSetting {self.user_id} {self.kind} {self.channel}>"
