"""Practical guides (« fiches pratiques »): pages the members write together, revision by
revision."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from forum.models.moderation import MODERATOR_LINK
from forum.models.taxonomy import Topic, Trade
from forum.models.threads import MODERATION_TEXT
from gdpr.annotations import Erase, not_personal, personal

if TYPE_CHECKING:
    from forum.models.threads import Thread
    from forum.models.users import User

NOT_PERSONAL = not_personal()
# Who wrote a version is their data; the words stay with the guide (several members built on
# them, as the privacy policy says): an erased contributor becomes « Ancien membre ».
CONTRIBUTOR = personal(
    "identity", purpose="attribution", basis="contract", retention="account", erase=Erase.ANONYMISE
)
CONTRIBUTION = personal(
    "content", purpose="publication", basis="contract", retention="account", erase=Erase.ANONYMISE
)


class Guide(Base):
    """A guide: its current title and text are those of its last revision (`GuideRevision`),
    the collaborative work of its contributors; who opened it is `created_by`."""

    __tablename__ = "guides"
    __table_args__ = {"info": {"subject": "created_by_id"}, "sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    title: Mapped[str] = mapped_column(String(150), info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(String(80), info=NOT_PERSONAL)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True, info=NOT_PERSONAL)
    trade_id: Mapped[int | None] = mapped_column(
        ForeignKey("trades.id"), index=True, info=NOT_PERSONAL
    )
    source: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)
    html: Mapped[str] = mapped_column(Text, info=NOT_PERSONAL)
    # The stems of its title and words, space-separated and padded ("` financ cpf `"): what
    # search matches (`guides.search_condition`); set whenever the text is.
    search_stems: Mapped[str] = mapped_column(Text, default="", info=NOT_PERSONAL)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=CONTRIBUTOR
    )
    created_at: Mapped[datetime] = mapped_column(info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(index=True, info=NOT_PERSONAL)
    revision_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # The solved thread it was made from (its question and accepted answer: version 1).
    source_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    # Proposed by a thread's author from their solved thread: waits for a moderator.
    pending_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    is_locked: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=NOT_PERSONAL
    )
    hidden_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATOR_LINK)
    hidden_reason: Mapped[str | None] = mapped_column(String(500), info=MODERATION_TEXT)

    topic: Mapped[Topic] = relationship()
    trade: Mapped[Trade | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    source_thread: Mapped[Thread | None] = relationship()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_pending(self) -> bool:
        return self.pending_at is not None

    def __repr__(self) -> str:
        return f"<Guide {self.id}>"


class GuideRevision(Base):
    """One version of a guide: who wrote it, why (a short summary), its whole text."""

    __tablename__ = "guide_revisions"
    __table_args__ = (
        UniqueConstraint("guide_id", "number"),
        {"info": {"subject": "author_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    guide_id: Mapped[int] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), info=NOT_PERSONAL
    )
    number: Mapped[int] = mapped_column(info=NOT_PERSONAL)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=CONTRIBUTOR
    )
    summary: Mapped[str] = mapped_column(String(200), info=CONTRIBUTION)
    title: Mapped[str] = mapped_column(String(150), info=CONTRIBUTION)
    source: Mapped[str] = mapped_column(Text, info=CONTRIBUTION)
    created_at: Mapped[datetime] = mapped_column(info=CONTRIBUTION)
    # A moderator's revert: the number of the version it brought back.
    restores: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<GuideRevision {self.guide_id}.{self.number}>"
