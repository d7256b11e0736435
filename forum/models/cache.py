"""The generation number of the page cache (forum.cache): one row, bumped by every write."""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, event
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base
from gdpr.annotations import not_personal

NOT_PERSONAL = not_personal()


class CacheGeneration(Base):
    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    value: Mapped[int] = mapped_column(BigInteger, default=0, info=NOT_PERSONAL)


event.listen(
    CacheGeneration.__table__,
    "after_create",
    DDL("INSERT INTO cache_generation (id, value) VALUES (1, 0)"),
)
