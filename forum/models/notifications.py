"""In-app notifications: what the member is told, listed on /me/notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import not_personal, personal

if TYPE_CHECKING:
    from forum.models.calendar import Event
    from forum.models.guides import Guide
    from forum.models.messages import Conversation
    from forum.models.moderation import ModerationAction
    from forum.models.threads import Post, Thread

NOTICE = personal("content", purpose="notification", basis="contract", retention="notification")


class Notification(Base):
    """One thing the member is told. Moderation notices point at their log entry; the others
    at the post (a reply, a mention…) or the thread (a new thread) they are about. Notices of
    the same kind about the same thing are grouped while unread (`count`)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_inbox", "user_id", "read_at"),
        {"info": {"subject": "user_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=NOTICE)
    kind: Mapped[str] = mapped_column(String(30), info=NOTICE)  # what the member was told of
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_actions.id"), index=True, info=not_personal()
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=NOTICE
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True, info=NOTICE
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True, info=NOTICE
    )
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), index=True, info=NOTICE
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True, info=NOTICE
    )
    # What became of a report ("hidden", "dismissed"…), or the reaction given.
    detail: Mapped[str | None] = mapped_column(String(20), info=NOTICE)
    count: Mapped[int] = mapped_column(default=1, server_default="1", info=NOTICE)
    created_at: Mapped[datetime] = mapped_column(info=NOTICE)
    read_at: Mapped[datetime | None] = mapped_column(info=NOTICE)
    # Sent by e-mail (at once, or in a daily digest): never twice.
    emailed_at: Mapped[datetime | None] = mapped_column(info=NOTICE)

    action: Mapped[ModerationAction | None] = relationship()
    post: Mapped[Post | None] = relationship()
    thread: Mapped[Thread | None] = relationship()
    conversation: Mapped[Conversation | None] = relationship()
    guide: Mapped[Guide | None] = relationship()
    event: Mapped[Event | None] = relationship()

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind}>"
