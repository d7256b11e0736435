"""Threads, posts and the edit history of posts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import search_index
from forum.models.base import REASON_WITHDRAWN, Base
from forum.models.moderation import MODERATOR_LINK
from forum.models.taxonomy import Topic, Trade
from gdpr.annotations import Erase, not_personal, personal

if TYPE_CHECKING:
    from forum.models.community import ThreadSolution
    from forum.models.users import User

NOT_PERSONAL = not_personal()
AUTHOR = personal(
    "identity", purpose="attribution", basis="contract", retention="account", erase=Erase.ANONYMISE
)
# What the member wrote: kept without their name, or emptied, as they choose on erasure.
LAST_POSTER = personal(
    "identity",
    purpose="attribution",
    basis="contract",
    retention="account",
    erase=Erase.ANONYMISE,
    export=False,
)
WRITING = personal(
    "content", purpose="publication", basis="contract", retention="account", erase=Erase.CONTENT
)
# When it was written: names nobody once the author is gone.
WRITTEN_AT = personal(
    "content", purpose="publication", basis="contract", retention="account", erase=Erase.ANONYMISE
)
# Derived from the source: erased with it, not exported twice.
RENDERED = personal(
    "content",
    purpose="publication",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    export=False,
)
TITLE = personal(
    "content",
    purpose="publication",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    placeholder="Discussion d'un ancien membre",
)
# The title, as spelled in the address.
TITLE_SLUG = personal(
    "content",
    purpose="publication",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    export=False,
    placeholder="discussion",
)
# A moderator's words shown with the post (why it was hidden, edited or deleted).
MODERATION_TEXT = personal(
    "moderation",
    purpose="moderation",
    basis="legitimate_interest",
    retention="account",
    erase=Erase.ANONYMISE,
    placeholder=REASON_WITHDRAWN,
)

# Which moderator acted is their data, not the member's (left out of the export, art. 15(4)).
MODERATED_BY = MODERATOR_LINK

thread_trades = Table(
    "thread_trades",
    Base.metadata,
    Column(
        "thread_id",
        ForeignKey("threads.id", ondelete="CASCADE"),
        primary_key=True,
        info=NOT_PERSONAL,
    ),
    Column("trade_id", ForeignKey("trades.id"), primary_key=True, index=True, info=NOT_PERSONAL),
)


class Thread(Base):
    __tablename__ = "threads"
    # Ids are never reused (SQLite AUTOINCREMENT): a merged thread's address keeps redirecting.
    __table_args__ = (
        Index("ix_threads_listing", "is_pinned", "last_posted_at"),
        # The home page's latest threads, a topic's list in its order (deep pages included).
        Index("ix_threads_recent", "last_posted_at", "id"),
        Index("ix_threads_topic_listing", "topic_id", "is_pinned", "last_posted_at", "id"),
        {"info": {"subject": "author_id"}, "sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    title: Mapped[str] = mapped_column(String(150), info=TITLE)
    slug: Mapped[str] = mapped_column(String(80), info=TITLE_SLUG)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True, info=NOT_PERSONAL)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, info=AUTHOR)
    created_at: Mapped[datetime] = mapped_column(info=WRITTEN_AT)
    # Denormalised for the lists, kept exact in the transaction of every write.
    post_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    last_posted_at: Mapped[datetime] = mapped_column(info=NOT_PERSONAL)
    # Who posted last: another member's data, more often than not (not in the author's export).
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=LAST_POSTER)
    is_pinned: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)
    is_locked: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=NOT_PERSONAL
    )
    # Opened by a new member whose first posts wait for a moderator: listed only once approved.
    pending_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    # Replies waiting for approval: not in post_count, but on the pages their viewers see.
    pending_count: Mapped[int] = mapped_column(default=0, server_default="0", info=NOT_PERSONAL)

    topic: Mapped[Topic] = relationship()
    trades: Mapped[list[Trade]] = relationship(secondary=thread_trades, order_by=Trade.name)
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id])
    # The reply marked as the answer (see forum/services/solutions.py).
    solution: Mapped[ThreadSolution | None] = relationship(viewonly=True)

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def is_solved(self) -> bool:
        """Its solution is in it and published (`posting.is_solved` for lists)."""
        post = self.solution.post if self.solution is not None else None
        return (
            post is not None
            and post.thread_id == self.id
            and not (post.is_hidden or post.is_deleted or post.is_pending)
        )

    @property
    def is_pending(self) -> bool:
        return self.pending_at is not None

    def __repr__(self) -> str:
        return f"<Thread {self.id}>"


class Post(Base):
    __tablename__ = "posts"
    # Ids are never reused: permalinks (/p/<id>) and log entries keep pointing at one post.
    __table_args__ = (
        Index("ix_posts_thread_order", "thread_id", "id"),
        Index("ix_posts_recent", "created_at", "id"),  # the feeds: the latest posts first
        {"info": {"subject": "author_id"}, "sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), info=NOT_PERSONAL
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, info=AUTHOR)
    source: Mapped[str] = mapped_column(Text, info=WRITING)
    html: Mapped[str] = mapped_column(Text, info=RENDERED)
    # The words of the post, without the quotation it opens with: what search reads. Set
    # whenever `html` is (below); bulk SQL that empties `html` empties it too.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="", info=RENDERED)
    created_at: Mapped[datetime] = mapped_column(info=WRITTEN_AT)
    edited_at: Mapped[datetime | None] = mapped_column(info=WRITTEN_AT)
    # Soft delete: the placeholder stays in the thread; retention purges the text later.
    deleted_at: Mapped[datetime | None] = mapped_column(index=True, info=NOT_PERSONAL)
    quoted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    # Hidden by a moderator: a placeholder with the reason; the author and moderators still see it.
    hidden_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATED_BY)
    hidden_reason: Mapped[str | None] = mapped_column(String(500), info=MODERATION_TEXT)
    # A moderator's word on their edit or deletion of the post, shown with it.
    moderation_note: Mapped[str | None] = mapped_column(String(500), info=MODERATION_TEXT)
    # A new member's post waiting for a moderator: seen by its author and the moderators only.
    pending_at: Mapped[datetime | None] = mapped_column(index=True, info=NOT_PERSONAL)
    # Optimistic locking: two edits of the same version cannot both win silently.
    version: Mapped[int] = mapped_column(default=1, server_default="1", info=NOT_PERSONAL)

    __mapper_args__ = {"version_id_col": version}

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    quoted_post: Mapped[Post | None] = relationship(remote_side=[id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_pending(self) -> bool:
        return self.pending_at is not None

    def __repr__(self) -> str:
        return f"<Post {self.id} in {self.thread_id}>"


@event.listens_for(Post.html, "set")
def _index_words(post: Post, html: str, _old, _initiator) -> None:
    post.search_text = search_index.plain_text(html)


search_index.attach(Thread.__table__)
search_index.attach(Post.__table__)


class PostRevision(Base):
    """A former version of a post, kept when it is edited."""

    __tablename__ = "post_revisions"
    # Who edited is the editor's data; the former text belongs to the post's author.
    __table_args__ = {"info": {"subject": "editor_id", "content_of": "post_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=AUTHOR)
    source: Mapped[str] = mapped_column(Text, info=WRITING)
    created_at: Mapped[datetime] = mapped_column(info=WRITTEN_AT)  # when this version was replaced

    editor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PostRevision {self.id} of {self.post_id}>"


class ThreadRedirect(Base):
    """A thread merged into another: its old address leads to the one it joined."""

    __tablename__ = "thread_redirects"

    old_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=NOT_PERSONAL)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )

    def __repr__(self) -> str:
        return f"<ThreadRedirect {self.old_id} -> {self.thread_id}>"
