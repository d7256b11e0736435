"""The competition's trade groups and trades, and the topics candidates asked for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import not_personal

NOT_PERSONAL = not_personal()


class TradeGroup(Base):
    __tablename__ = "trade_groups"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(String(80), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(160), info=NOT_PERSONAL)
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)

    trades: Mapped[list[Trade]] = relationship(
        back_populates="group", order_by="Trade.position, Trade.name"
    )

    def __repr__(self) -> str:
        return f"<TradeGroup {self.slug}>"


class Trade(Base):
    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(String(80), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(160), info=NOT_PERSONAL)
    description: Mapped[str] = mapped_column(Text, default="", info=NOT_PERSONAL)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("trade_groups.id"), index=True, info=NOT_PERSONAL
    )
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    thread_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # A retired trade takes no new thread; a merged one also redirects to its successor.
    retired_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id"), info=NOT_PERSONAL)

    group: Mapped[TradeGroup] = relationship(back_populates="trades")

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def __repr__(self) -> str:
        return f"<Trade {self.slug}>"


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(String(80), unique=True, info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(160), info=NOT_PERSONAL)
    description: Mapped[str] = mapped_column(Text, default="", info=NOT_PERSONAL)
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    thread_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    retired_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), info=NOT_PERSONAL)

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class SlugRedirect(Base):
    """An old address of a trade or topic (renamed or merged) and where it leads now."""

    __tablename__ = "slug_redirects"
    __table_args__ = (UniqueConstraint("kind", "old_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(String(10), info=NOT_PERSONAL)  # "trade" or "topic"
    old_slug: Mapped[str] = mapped_column(String(80), info=NOT_PERSONAL)
    target_id: Mapped[int] = mapped_column(info=NOT_PERSONAL)

    def __repr__(self) -> str:
        return f"<SlugRedirect {self.kind} {self.old_slug} -> {self.target_id}>"
