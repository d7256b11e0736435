"""Photos of work attached to posts: re-encoded files under the instance folder, one row each."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import not_personal, personal

if TYPE_CHECKING:
    from forum.models.threads import Post

# A photo the member published with a post: theirs, in their export (the file too), gone with
# the post and with the erasure, whatever they chose for their text.
PHOTO = personal("content", purpose="publication", basis="contract", retention="account")


class PostPhoto(Base):
    __tablename__ = "post_photos"
    __table_args__ = {"info": {"subject": "user_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=PHOTO)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=PHOTO
    )
    position: Mapped[int] = mapped_column(info=PHOTO)
    # The random name of its files (`<token>.<ext>`, `<token>-t.<ext>`), never guessable.
    token: Mapped[str] = mapped_column(String(40), unique=True, info=PHOTO)
    extension: Mapped[str] = mapped_column(String(4), info=PHOTO)  # jpg or png
    width: Mapped[int] = mapped_column(info=PHOTO)
    height: Mapped[int] = mapped_column(info=PHOTO)
    thumb_width: Mapped[int] = mapped_column(info=PHOTO)
    thumb_height: Mapped[int] = mapped_column(info=PHOTO)
    size: Mapped[int] = mapped_column(info=PHOTO)  # bytes, as stored
    created_at: Mapped[datetime] = mapped_column(info=PHOTO)

    post: Mapped[Post] = relationship()

    @property
    def mimetype(self) -> str:
        return "image/png" if self.extension == "png" else "image/jpeg"

    def __repr__(self) -> str:
        return f"<PostPhoto {self.id} of {self.post_id}>"
