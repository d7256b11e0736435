"""Reports of posts and the append-only moderation log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import Erase, not_personal, personal, variant

if TYPE_CHECKING:
    from forum.models.guides import Guide
    from forum.models.messages import Message
    from forum.models.threads import Post
    from forum.models.users import User

NOT_PERSONAL = not_personal()
# A report outlives its author's account until its own retention ends (moderators may still
# be handling it): it stays without them, and without their words.
REPORTER = personal(
    "identity",
    purpose="moderation",
    basis="legitimate_interest",
    retention="report",
    erase=Erase.ANONYMISE,
)
REPORTED_AT = variant(REPORTER, category="content")
REPORT_TEXT = variant(REPORTED_AT, placeholder="")
# The log outlives the account (anonymised): the proof of what was decided, five years.
MODERATION = personal(
    "identity",
    purpose="moderation",
    basis="legitimate_interest",
    retention="moderation_log",
    erase=Erase.ANONYMISE,
)
# The statement of reasons is the proof of the decision: kept as written until the log's
# retention ends (a name in it is found by the scan after an erasure, and reviewed).
MODERATION_STATEMENT = variant(MODERATION, erase=Erase.HOLD)
# Who moderated: kept in the log, anonymised with them, left out of the member's export.
MODERATOR = variant(MODERATION, export=False)
# Who wrote a note, or hid a post: a link that lasts as long as their account.
MODERATOR_LINK = personal(
    "identity",
    purpose="moderation",
    basis="legitimate_interest",
    retention="account",
    erase=Erase.ANONYMISE,
    export=False,
)


class ReportReason(StrEnum):
    SPAM = "spam"
    HARASSMENT = "harassment"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    CHEATING = "cheating"
    OTHER = "other"


class Report(Base):
    """A member's report of a post, a private message or a guide (one of them); who reported
    is seen by moderators only."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_open", "post_id", "resolved_at"),
        {"info": {"subject": "reporter_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=REPORTER
    )
    reason: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    comment: Mapped[str] = mapped_column(Text, default="", info=REPORT_TEXT)
    created_at: Mapped[datetime] = mapped_column(info=REPORTED_AT)
    resolved_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    resolution: Mapped[str | None] = mapped_column(String(20), info=NOT_PERSONAL)

    post: Mapped[Post | None] = relationship()
    message: Mapped[Message | None] = relationship()
    guide: Mapped[Guide | None] = relationship()
    reporter: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Report {self.id} on {self.post_id}>"


class ModerationAction(Base):
    """One line of the moderation log: who did what, to what, when and why. Append-only."""

    __tablename__ = "moderation_actions"
    __table_args__ = {"info": {"subject": "member_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATOR)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=MODERATION
    )  # the member concerned
    # What was decided about the member, and on what: their data (in their export). A target
    # "user:<id>" names them: the erasure rewrites it (forum/privacy.py).
    action: Mapped[str] = mapped_column(String(30), info=MODERATION)
    target: Mapped[str] = mapped_column(String(40), info=MODERATION)  # "post:12", "user:3"
    reason: Mapped[str] = mapped_column(Text, info=MODERATION_STATEMENT)
    # The statement of reasons: which rule of the charter, and how the matter came to light.
    rule: Mapped[str | None] = mapped_column(String(30), info=MODERATION)
    detection: Mapped[str | None] = mapped_column(String(20), info=MODERATION)
    ends_at: Mapped[datetime | None] = mapped_column(info=MODERATION)  # of a suspension or ban
    created_at: Mapped[datetime] = mapped_column(index=True, info=MODERATION)

    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    appeal: Mapped[Appeal | None] = relationship(
        back_populates="action", foreign_keys="Appeal.action_id"
    )

    def __repr__(self) -> str:
        return f"<ModerationAction {self.id} {self.action} {self.target}>"


NOTE = personal(
    "moderation", purpose="moderation", basis="legitimate_interest", retention="account"
)


class ModeratorNote(Base):
    """What moderators note about a member: seen by moderators only, in the member's export."""

    __tablename__ = "moderator_notes"
    __table_args__ = {"info": {"subject": "member_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, info=NOTE
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATOR_LINK)
    text: Mapped[str] = mapped_column(Text, info=NOTE)
    created_at: Mapped[datetime] = mapped_column(info=NOTE)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<ModeratorNote {self.id}>"


# An appeal and its answer are kept with the decision, as long as the log keeps it (the
# member's words included: the proof of what was contested); the link to the member goes.
APPEAL_TEXT = variant(MODERATION, category="content", erase=Erase.HOLD)
APPELLANT = MODERATION


class Appeal(Base):
    """A member contesting a moderation action against them: once, decided by someone else."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("action_id"),
        Index("ix_appeals_open", "decided_at"),
        {"info": {"subject": "member_id"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    action_id: Mapped[int] = mapped_column(ForeignKey("moderation_actions.id"), info=NOT_PERSONAL)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, info=APPELLANT
    )
    text: Mapped[str] = mapped_column(Text, info=APPEAL_TEXT)
    created_at: Mapped[datetime] = mapped_column(info=APPEAL_TEXT)
    decided_at: Mapped[datetime | None] = mapped_column(info=APPEAL_TEXT)
    decider_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATOR)
    decision: Mapped[str | None] = mapped_column(String(20), info=APPEAL_TEXT)  # upheld, overturned
    decision_reason: Mapped[str | None] = mapped_column(Text, info=APPEAL_TEXT)

    action: Mapped[ModerationAction] = relationship(
        back_populates="appeal", foreign_keys=[action_id]
    )
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    decider: Mapped[User | None] = relationship(foreign_keys=[decider_id])

    @property
    def is_open(self) -> bool:
        return self.decided_at is None

    def __repr__(self) -> str:
        return f"<Appeal {self.id} of action {self.action_id}>"
