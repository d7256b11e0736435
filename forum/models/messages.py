"""Private conversations between two to ten members, and the members one blocks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import Erase, not_personal, personal, variant

if TYPE_CHECKING:
    from forum.models.users import User

# A private message's words: removed on erasure whatever the member chose for their public
# posts (the conversation keeps « Ancien membre » and a placeholder in their place).
MESSAGE = personal(
    "content",
    purpose="private messages",
    basis="contract",
    retention="account",
    placeholder="[message supprimé : membre effacé]",
)
MESSAGE_RENDERED = variant(MESSAGE, export=False, placeholder="")
# Who wrote, who started: « Ancien membre » once erased; when, names nobody then.
MESSAGE_AUTHOR = personal(
    "identity",
    purpose="private messages",
    basis="contract",
    retention="account",
    erase=Erase.ANONYMISE,
)
MESSAGE_AT = variant(MESSAGE_AUTHOR, category="content")
# The title its starter wrote: kept without their name, or emptied, as they choose on erasure.
CONVERSATION_TITLE = variant(
    MESSAGE_AUTHOR, category="content", erase=Erase.CONTENT, placeholder="Conversation"
)
# Who takes part in a conversation, and how far they have read it.
TAKING_PART = personal(
    "preference", purpose="private messages", basis="contract", retention="account"
)
# Whom a member blocks: theirs. Once the blocked member is erased, the row blocks nobody.
BLOCKING = personal("preference", purpose="private messages", basis="contract", retention="account")
BLOCKED = variant(BLOCKING, erase=Erase.ANONYMISE, export=False)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = {"info": {"subject": "started_by_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    title: Mapped[str] = mapped_column(String(150), info=CONVERSATION_TITLE)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=MESSAGE_AUTHOR
    )
    created_at: Mapped[datetime] = mapped_column(info=MESSAGE_AT)
    last_message_at: Mapped[datetime] = mapped_column(info=not_personal())

    members: Mapped[list[ConversationMember]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Conversation {self.id}>"


class ConversationMember(Base):
    __tablename__ = "conversation_members"
    __table_args__ = {"info": {"subject": "user_id"}}

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True, info=not_personal()
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True, info=TAKING_PART
    )
    joined_at: Mapped[datetime] = mapped_column(info=TAKING_PART)
    last_read_message_id: Mapped[int] = mapped_column(default=0, info=TAKING_PART)

    conversation: Mapped[Conversation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ConversationMember {self.conversation_id} {self.user_id}>"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_order", "conversation_id", "id"),
        {"info": {"subject": "author_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), info=not_personal()
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=MESSAGE_AUTHOR
    )
    source: Mapped[str] = mapped_column(Text, info=MESSAGE)
    html: Mapped[str] = mapped_column(Text, info=MESSAGE_RENDERED)
    created_at: Mapped[datetime] = mapped_column(info=MESSAGE_AT)
    # Removed by a moderator after a report: the placeholder stays, the words go.
    removed_at: Mapped[datetime | None] = mapped_column(info=not_personal())

    conversation: Mapped[Conversation] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Message {self.id} in {self.conversation_id}>"


class Block(Base):
    """A member blocks another: no private message, no mention from them reaches the member."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("user_id", "blocked_id"),
        {"info": {"subject": "user_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=BLOCKING)
    blocked_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, info=BLOCKED
    )
    created_at: Mapped[datetime] = mapped_column(info=BLOCKING)

    blocked: Mapped[User | None] = relationship(foreign_keys=[blocked_id])

    def __repr__(self) -> str:
        return f"<Block {self.user_id} -> {self.blocked_id}>"
