"""Bookmarks: posts a member keeps to read again, seen by them only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import not_personal, personal

if TYPE_CHECKING:
    from forum.models.threads import Post

# Which posts a member keeps, and when: theirs, private, gone with the account.
BOOKMARK = personal("preference", purpose="bookmarks", basis="contract", retention="account")


class Bookmark(Base):
    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("user_id", "post_id"), {"info": {"subject": "user_id"}})

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=BOOKMARK)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=BOOKMARK
    )
    created_at: Mapped[datetime] = mapped_column(info=BOOKMARK)

    post: Mapped[Post] = relationship()

    def __repr__(self) -> str:
        return f"<Bookmark {self.user_id} {self.post_id}>"
