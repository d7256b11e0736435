"""The calendar (`/calendrier`): the competition's milestones and the candidates' events, with
the history of their changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from forum.models.moderation import MODERATOR_LINK
from forum.models.taxonomy import Trade
from gdpr.annotations import Erase, not_personal, personal

if TYPE_CHECKING:
    from forum.models.users import User

NOT_PERSONAL = not_personal()
ORGANISER = personal(
    "identity", purpose="calendar", basis="contract", retention="account", erase=Erase.ANONYMISE
)
# What the organiser wrote: kept without their name, or emptied, as they choose on erasure.
EVENT_TEXT = personal(
    "content",
    purpose="calendar",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    placeholder="",
)
EVENT_TITLE = personal(
    "content",
    purpose="calendar",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    placeholder="Événement d'un ancien membre",
)
# Derived from the description: erased with it, not exported twice.
EVENT_RENDERED = personal(
    "content",
    purpose="calendar",
    basis="contract",
    retention="account",
    erase=Erase.CONTENT,
    export=False,
    placeholder="",
)
# Who changed an event, and why: kept in its history without their name.
CHANGER = personal(
    "identity", purpose="calendar", basis="contract", retention="account", erase=Erase.ANONYMISE
)

# Event status: proposed by a member and waiting; approved (listed); refused; cancelled (still
# listed, struck through, so that who planned to come knows).
PENDING, APPROVED, REFUSED, CANCELLED = "pending", "approved", "refused", "cancelled"
# A milestone of the competition (with its stage) or the candidates' own event.
MILESTONE, MEETUP = "milestone", "meetup"

event_trades = Table(
    "event_trades",
    Base.metadata,
    Column(
        "event_id",
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
        info=NOT_PERSONAL,
    ),
    Column("trade_id", ForeignKey("trades.id"), primary_key=True, index=True, info=NOT_PERSONAL),
)


class Event(Base):
    """A date in the calendar. No trade: it concerns every trade. `uid` names it in the
    iCalendar feeds for ever; `sequence` rises with each change of its date, place or status."""

    __tablename__ = "events"
    __table_args__ = {"info": {"subject": "organiser_id"}, "sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    uid: Mapped[str] = mapped_column(String(80), unique=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(String(12), info=NOT_PERSONAL)
    stage: Mapped[str | None] = mapped_column(String(60), index=True, info=NOT_PERSONAL)
    edition: Mapped[int | None] = mapped_column(index=True, info=NOT_PERSONAL)
    title: Mapped[str] = mapped_column(String(150), info=EVENT_TITLE)
    description_source: Mapped[str] = mapped_column(Text, default="", info=EVENT_TEXT)
    description_html: Mapped[str] = mapped_column(Text, default="", info=EVENT_RENDERED)
    starts_at: Mapped[datetime] = mapped_column(index=True, info=NOT_PERSONAL)
    ends_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false(), info=NOT_PERSONAL)
    place: Mapped[str] = mapped_column(String(200), default="", info=EVENT_TEXT)
    url: Mapped[str] = mapped_column(String(500), default="", info=EVENT_TEXT)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=ORGANISER
    )
    # Published by COET-MOF staff: shown with their badge, edited by staff only.
    is_official: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=NOT_PERSONAL
    )
    status: Mapped[str] = mapped_column(String(12), index=True, info=NOT_PERSONAL)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=MODERATOR_LINK)
    reviewed_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0", info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(info=NOT_PERSONAL)

    trades: Mapped[list[Trade]] = relationship(secondary=event_trades, order_by=Trade.name)
    organiser: Mapped[User | None] = relationship(foreign_keys=[organiser_id])
    changes: Mapped[list[EventChange]] = relationship(
        order_by="EventChange.id", viewonly=True, back_populates="event"
    )

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.status}>"


class EventChange(Base):
    """One line of an event's history: what changed (its dates, its place, its status), by
    whom, and their note. The former place is the organiser's words (`content_of`)."""

    __tablename__ = "event_changes"
    __table_args__ = {"info": {"subject": "changed_by_id", "content_of": "event_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=CHANGER)
    changed_at: Mapped[datetime] = mapped_column(info=CHANGER)
    # created, approved, refused, rescheduled, moved, edited, cancelled, restored
    what: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    old_starts_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    old_ends_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    new_starts_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    new_ends_at: Mapped[datetime | None] = mapped_column(info=NOT_PERSONAL)
    old_place: Mapped[str | None] = mapped_column(String(200), info=EVENT_TEXT)
    note: Mapped[str] = mapped_column(String(300), default="", info=CHANGER)

    event: Mapped[Event] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<EventChange {self.event_id} {self.what}>"
