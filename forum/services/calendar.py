"""The calendar (`/calendrier`): the competition's milestones and the candidates' events, their
history, who is told of a change, and the iCalendar feeds that carry them to phones.

Dates are typed and shown in `CALENDAR_TIMEZONE` and stored in UTC. An all-day event starts
at local midnight of its first day; its `ends_at`, if any, is local midnight of its last day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from forum import markup, pagination, policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.links import absolute_url
from forum.models import Event, EventChange, Trade, User
from forum.models.base import utcnow
from forum.models.calendar import APPROVED, CANCELLED, MEETUP, MILESTONE, PENDING, REFUSED
from forum.services import follows, glossary, notifications, taxonomy
from forum.services.profiles import EDITIONS

TITLE_MIN, TITLE_MAX, PLACE_MAX, URL_MAX, NOTE_MAX = 3, 150, 200, 500, 300
DESCRIPTION_MAX = 20_000
TRADES_MAX = 10
LONGEST = timedelta(days=366)
YEARS = range(2000, 2101)
DEFAULT_EDITION = 28  # when no event says which session is running
FEED_PAST_DAYS = 400  # the feeds keep a year of past events, then let them go
PRODID = "-//L'Etabli//Calendrier du concours MOF//FR"
ICAL_STATUS = {APPROVED: "CONFIRMED", CANCELLED: "CANCELLED", PENDING: "TENTATIVE"}
FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
FRENCH_TIME = re.compile(r"(\d{1,2})\s*[hH:]\s*(\d{2})?(?::\d{2})?")


@dataclass(frozen=True)
class Draft:
    """An event as typed in its form, dates as text: `propose` and `edit_event` check it."""

    title: str = ""
    kind: str = MEETUP
    stage: str = ""
    edition: int | None = None
    trades: Sequence[str] = ()  # slugs
    starts_on: str = ""
    starts_time: str = ""
    ends_on: str = ""
    ends_time: str = ""
    all_day: bool = False
    place: str = ""
    url: str = ""
    description: str = ""


@dataclass(frozen=True)
class _Checked:
    title: str
    kind: str
    stage: str | None
    edition: int
    trades: list[Trade]
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    place: str
    url: str
    description: str


@dataclass(frozen=True)
class Filters:
    trade: Trade | None = None
    stage: str | None = None
    edition: int | None = None

    @property
    def args(self) -> dict[str, Any]:
        """The filters as query-string arguments."""
        found = {
            "trade": self.trade.slug if self.trade else None,
            "stage": self.stage,
            "edition": self.edition,
        }
        return {key: value for key, value in found.items() if value}


# --- reference data and time ---------------------------------------------------------------


@cache
def _stages() -> tuple[tuple[str, str], ...]:
    return tuple((item["slug"], item["name"]) for item in taxonomy.reference_data()["stages"])


def list_stages() -> list[tuple[str, str]]:
    """The competition's stages (slug, name), in their order."""
    return list(_stages())


def stage_name(slug: str | None) -> str:
    return dict(_stages()).get(slug or "", "")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CALENDAR_TIMEZONE"])


def local(moment: datetime) -> datetime:
    """MOMENT in the calendar's time zone."""
    return moment.astimezone(zone())


def last_day(event: Event) -> date:
    """The local day EVENT ends on."""
    return local(event.ends_at or event.starts_at).date()


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone()).astimezone(UTC)


# --- reading -------------------------------------------------------------------------------


def parse_filters(*, trade: str = "", stage: str = "", edition: str = "") -> Filters | None:
    """The filters of a list or a feed from the query string; None if one names nothing."""
    found = taxonomy.get_trade(trade) if trade else None
    number = int(edition) if edition.isascii() and edition.isdigit() and len(edition) < 4 else None
    if (trade and found is None) or (stage and not stage_name(stage)):
        return None
    if edition and number not in EDITIONS:
        return None
    return Filters(trade=found, stage=stage or None, edition=number)


def _upcoming(now: datetime) -> ColumnElement[bool]:
    """Not over yet: a timed event until its end, an all-day one until its last day is over."""
    end = func.coalesce(Event.ends_at, Event.starts_at)
    return or_(
        and_(Event.all_day.is_(True), end > now - timedelta(days=1)),
        and_(Event.all_day.is_(False), end >= now),
    )


def _filtered(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.trade is not None:  # an event with no trade concerns every trade
        trade_id = filters.trade.id
        conditions.append(or_(Event.trades.any(Trade.id == trade_id), ~Event.trades.any()))
    if filters.stage:
        conditions.append(Event.stage == filters.stage)
    if filters.edition:
        conditions.append(Event.edition == filters.edition)
    return conditions


def list_events(
    actor: User | None,
    filters: Filters | None = None,
    *,
    past: bool = False,
    page: int = 1,
    now: datetime | None = None,
) -> pagination.Page[Event]:
    """The events ACTOR may see, to come (soonest first) or PAST (latest session first)."""
    now = now or utcnow()
    when = _upcoming(now)
    conditions = [policy.visible_events(actor), ~when if past else when]
    conditions += _filtered(filters or Filters())
    total = db.session.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    number = pagination.check(page, total)
    order = (Event.edition.desc(), Event.starts_at.desc()) if past else (Event.starts_at,)
    query = (
        select(Event)
        .where(*conditions)
        .order_by(*order, Event.id)
        .options(selectinload(Event.trades), joinedload(Event.organiser))
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
    )
    return pagination.Page(items=list(db.session.scalars(query)), number=number, total=total)


def list_pending(actor: User) -> list[Event]:
    """The proposals waiting for a moderator, oldest first."""
    policy.require(policy.can_review_events(actor))
    query = (
        select(Event)
        .where(Event.status == PENDING)
        .order_by(Event.created_at, Event.id)
        .options(selectinload(Event.trades), joinedload(Event.organiser))
    )
    return list(db.session.scalars(query))


def past_editions(actor: User | None, *, now: datetime | None = None) -> list[int]:
    """The sessions that have past events ACTOR may see, latest first."""
    query = (
        select(Event.edition)
        .where(
            policy.visible_events(actor), ~_upcoming(now or utcnow()), Event.edition.is_not(None)
        )
        .distinct()
        .order_by(Event.edition.desc())
    )
    return list(db.session.scalars(query))


def current_edition(*, now: datetime | None = None) -> int:
    """The session of the next published milestone, else the latest one with an event."""
    upcoming = select(Event.edition).where(
        Event.status == APPROVED, Event.kind == MILESTONE, _upcoming(now or utcnow())
    )
    found = db.session.scalar(upcoming.order_by(Event.starts_at).limit(1))
    found = found or db.session.scalar(select(func.max(Event.edition)))
    return found or DEFAULT_EDITION


def get_event(actor: User | None, event_id: int) -> Event | None:
    """The event EVENT_ID if ACTOR may see it."""
    event = db.session.get(Event, event_id)
    return event if event is not None and policy.can_see_event(actor, event) else None


def draft_of(event: Event) -> Draft:
    """EVENT as its form shows it, in the calendar's time zone."""
    start = local(event.starts_at)
    end = local(event.ends_at) if event.ends_at else None
    return Draft(
        title=event.title,
        kind=event.kind,
        stage=event.stage or "",
        edition=event.edition,
        trades=[trade.slug for trade in event.trades],
        starts_on=start.date().isoformat(),
        starts_time="" if event.all_day else start.strftime("%H:%M"),
        ends_on=end.date().isoformat() if end else "",
        ends_time=end.strftime("%H:%M") if end and not event.all_day else "",
        all_day=event.all_day,
        place=event.place,
        url=event.url,
        description=event.description_source,
    )


# --- checking what was typed ---------------------------------------------------------------


def _day(raw: str) -> tuple[date | None, str | None]:
    raw = raw.strip()
    try:
        found = FRENCH_DATE.fullmatch(raw)
        day = date(*map(int, found.groups()[::-1])) if found else date.fromisoformat(raw)
    except ValueError:
        return None, _("Donnez une date comme 31/03/2026.")
    if day.year not in YEARS:
        return None, _("Donnez une date entre 2000 et 2100.")
    return day, None


def _time(raw: str) -> tuple[time | None, str | None]:
    """A time typed as 14:30 (what a browser sends), 14h30 or 14h; none if left empty."""
    if not raw.strip():
        return None, None
    found = FRENCH_TIME.fullmatch(raw.strip())
    try:
        if found:
            return time(int(found.group(1)), int(found.group(2) or 0)), None
    except ValueError:
        pass
    return None, _("Donnez une heure comme 14:30.")


def _dates(draft: Draft) -> tuple[datetime | None, datetime | None, dict[str, str | None]]:
    """The start and end in UTC, or French messages for the date and time fields."""
    problems: dict[str, str | None] = {}
    missing = (None, _("Indiquez la date de début."))
    start_day, problems["starts_on"] = _day(draft.starts_on) if draft.starts_on.strip() else missing
    end_day, problems["ends_on"] = _day(draft.ends_on) if draft.ends_on.strip() else (None, None)
    start_time = end_time = None
    if not draft.all_day:
        start_time, problems["starts_time"] = _time(draft.starts_time)
        end_time, problems["ends_time"] = _time(draft.ends_time)
        if start_time is None and not problems["starts_time"]:
            problems["starts_time"] = _(
                "Indiquez l'heure de début, ou cochez « Toute la journée »."
            )
        if end_day and end_time is None and not problems["ends_time"]:
            problems["ends_time"] = _("Indiquez l'heure de fin.")
    if any(problems.values()) or start_day is None:
        return None, None, problems
    if draft.all_day:
        starts_at = _at(start_day, time.min)
        ends_at = _at(end_day, time.min) if end_day and end_day != start_day else None
        wrong = end_day is not None and end_day < start_day
    else:
        starts_at = _at(start_day, start_time)
        ends_at = _at(end_day or start_day, end_time) if end_time else None
        wrong = ends_at is not None and ends_at <= starts_at
    field = "ends_on" if end_day else "ends_time"
    if wrong:
        problems[field] = _("La fin doit venir après le début.")
    elif ends_at is not None and ends_at - starts_at > LONGEST:
        problems[field] = _("Un événement ne peut pas durer plus d'un an.")
    return starts_at, ends_at, problems


def _trades(slugs: Sequence[str], event: Event | None) -> tuple[list[Trade], str | None]:
    wanted = list(dict.fromkeys(slug.strip() for slug in slugs if slug and slug.strip()))
    if len(wanted) > TRADES_MAX:
        return [], _("Choisissez au plus %(n)d métiers.", n=TRADES_MAX)
    kept = {trade.id for trade in event.trades} if event is not None else set()
    found = []
    for slug in wanted:
        trade = taxonomy.get_trade(slug[:80])
        if trade is None:
            return [], _("Ce métier n'existe pas : %(slug)s.", slug=slug[:80])
        if not trade.is_active and trade.id not in kept:
            return [], _("Le métier « %(name)s » n'est plus proposé.", name=trade.name)
        found.append(trade)
    return list({trade.id: trade for trade in found}.values()), None


def _url_problem(url: str) -> str | None:
    if not url:
        return None
    if len(url) > URL_MAX:
        return _("Le lien ne peut pas dépasser %(n)d caractères.", n=URL_MAX)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return _("Donnez une adresse web complète, qui commence par https://.")
    return None


def _check(actor: User, draft: Draft, event: Event | None = None) -> _Checked:
    """DRAFT's values, or InvalidInput with a French message for each wrong field."""
    title, place = " ".join(draft.title.split()), " ".join(draft.place.split())
    url, description = draft.url.strip(), draft.description.replace("\r\n", "\n").strip()
    kind = MILESTONE if policy.can_publish_official(actor) else draft.kind
    stage = draft.stage.strip()
    trades, trades_problem = _trades(draft.trades, event)
    starts_at, ends_at, date_problems = _dates(draft)
    error = InvalidInput.collect(
        {
            "title": _("Donnez un titre à l'événement.")
            if len(title) < TITLE_MIN
            else _("Le titre ne peut pas dépasser %(n)d caractères.", n=TITLE_MAX)
            if len(title) > TITLE_MAX
            else None,
            "kind": _("Choisissez le type d'événement.")
            if kind not in (MILESTONE, MEETUP)
            else None,
            "stage": _("Choisissez une étape de la liste.")
            if stage and not stage_name(stage)
            else _("Une étape du concours se rattache à l'une de ses étapes : choisissez-la.")
            if kind == MILESTONE and not stage
            else None,
            "edition": _("Choisissez une session de la liste.")
            if draft.edition not in EDITIONS
            else None,
            "trades": trades_problem,
            **date_problems,
            "place": _("Le lieu ne peut pas dépasser %(n)d caractères.", n=PLACE_MAX)
            if len(place) > PLACE_MAX
            else _("Indiquez un lieu, ou un lien pour un événement en ligne.")
            if not place and not url
            else None,
            "url": _url_problem(url),
            "description": _(
                "La description ne peut pas dépasser %(n)d caractères.", n=DESCRIPTION_MAX
            )
            if len(description) > DESCRIPTION_MAX
            else None,
        }
    )
    if error:
        raise error
    assert starts_at is not None and draft.edition is not None
    return _Checked(
        title=title,
        kind=kind,
        stage=stage or None,
        edition=draft.edition,
        trades=trades,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=draft.all_day,
        place=place,
        url=url,
        description=description,
    )


def _note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise InvalidInput("note", _("La note ne peut pas dépasser %(n)d caractères.", n=NOTE_MAX))
    return note


# --- writing -------------------------------------------------------------------------------


def propose(actor: User, draft: Draft) -> Event:
    """Add ACTOR's event: a member's waits for a moderator, a moderator's is published at
    once, and COET staff publish official milestones."""
    policy.require(policy.can_propose_event(actor))
    checked = _check(actor, draft)
    official = policy.can_publish_official(actor)
    status = APPROVED if official or policy.can_review_events(actor) else PENDING
    event = _create(actor, checked, status=status, official=official)
    db.session.commit()
    return event


def _create(
    actor: User, checked: _Checked, *, status: str, official: bool, now: datetime | None = None
) -> Event:
    now = now or utcnow()
    event = Event(uid=f"{uuid4()}@etabli", status=status, is_official=official, sequence=0)
    _fill(event, checked)
    event.organiser_id, event.created_at, event.updated_at = actor.id, now, now
    db.session.add(event)
    db.session.flush()
    _record(actor, event, "created", now=now, new=(event.starts_at, event.ends_at))
    follows.follow_on_post(actor, event)
    return event


def _fill(event: Event, checked: _Checked) -> None:
    event.title, event.kind, event.stage = checked.title, checked.kind, checked.stage
    event.edition, event.trades, event.all_day = checked.edition, checked.trades, checked.all_day
    event.starts_at, event.ends_at = checked.starts_at, checked.ends_at
    event.place, event.url = checked.place, checked.url
    event.description_source = checked.description
    event.description_html = (
        markup.render(checked.description, terms=glossary.terms()) if checked.description else ""
    )


def _record(actor: User | None, event: Event, what: str, *, now: datetime, **change: Any) -> None:
    old, new = change.pop("old", (None, None)), change.pop("new", (None, None))
    db.session.add(
        EventChange(
            event_id=event.id,
            changed_by_id=actor.id if actor else None,
            changed_at=now,
            what=what,
            old_starts_at=old[0],
            old_ends_at=old[1],
            new_starts_at=new[0],
            new_ends_at=new[1],
            **change,
        )
    )


def edit_event(actor: User, event: Event, draft: Draft, *, note: str = "") -> Event:
    """Change EVENT as ACTOR typed it. A new date or place is kept in its history, raises
    its SEQUENCE (calendar apps replace their copy) and is told to its followers."""
    policy.require(policy.can_edit_event(actor, event))
    note = _note(note)
    _apply(actor, event, _check(actor, draft, event), note=note)
    db.session.commit()
    return event


def _apply(
    actor: User, event: Event, checked: _Checked, *, note: str, now: datetime | None = None
) -> None:
    now = now or utcnow()
    old_dates, new_dates = (event.starts_at, event.ends_at), (checked.starts_at, checked.ends_at)
    moved_dates = old_dates != new_dates or event.all_day != checked.all_day
    moved_place = (event.place, event.url) != (checked.place, checked.url)
    old_place = event.place
    before = _fields(event)
    _fill(event, checked)
    if before == _fields(event) and not (moved_dates or moved_place):
        return  # nothing changed: no history line, no notice
    what = "rescheduled" if moved_dates else "moved" if moved_place else "edited"
    dates = {"old": old_dates, "new": new_dates} if moved_dates else {}
    place = {"old_place": old_place} if moved_place else {}
    _record(actor, event, what, now=now, note=note, **dates, **place)
    event.updated_at = now
    if moved_dates or moved_place:
        event.sequence += 1
        _tell(actor, event)


def _fields(event: Event) -> tuple:
    trades = tuple(sorted(trade.id for trade in event.trades))
    return (event.title, event.kind, event.stage, event.edition, event.description_source, trades)


def cancel(actor: User, event: Event, *, note: str = "") -> Event:
    """Cancel a published event: it stays listed, struck through, and its followers are told."""
    policy.require(policy.can_edit_event(actor, event))
    note = _note(note)
    if event.status != APPROVED:
        raise InvalidInput("note", _("Seul un événement publié peut être annulé."))
    now = utcnow()
    event.status, event.updated_at = CANCELLED, now
    event.sequence += 1
    _record(actor, event, "cancelled", now=now, note=note)
    _tell(actor, event)
    db.session.commit()
    return event


def approve(actor: User, event: Event) -> Event:
    """Publish a member's proposal; its organiser is told."""
    return _review(actor, event, APPROVED, "approved", note="")


def refuse(actor: User, event: Event, *, note: str = "") -> Event:
    """Refuse a member's proposal: it stays theirs to read, with the moderator's note."""
    return _review(actor, event, REFUSED, "refused", note=_note(note))


def _review(actor: User, event: Event, status: str, what: str, *, note: str) -> Event:
    policy.require(policy.can_review_events(actor))
    if event.status != PENDING:
        raise InvalidInput("note", _("Cette proposition a déjà été examinée."))
    now = utcnow()
    # Published for the first time: the feeds never carried it, so its SEQUENCE stays.
    event.status, event.reviewed_by_id, event.reviewed_at = status, actor.id, now
    event.updated_at = now
    _record(actor, event, what, now=now, note=note)
    _tell(actor, event, also=[event.organiser_id])
    db.session.commit()
    return event


def _tell(actor: User | None, event: Event, *, also: Sequence[int | None] = ()) -> None:
    """Tell EVENT's followers (and ALSO) who may see it, but not ACTOR, of its change."""
    ids = or_(User.id.in_(follows.followers_of(event)), User.id.in_([i for i in also if i]))
    members = [
        member
        for member in db.session.scalars(select(User).where(ids, policy.told_members()))
        if (actor is None or member.id != actor.id) and policy.can_see_event(member, event)
    ]
    notifications.tell(members, "event_change", event=event, grouped=True, by=actor)


def set_following(actor: User, event: Event, following: bool) -> None:
    """Follow EVENT to be told when its date or place changes, or stop."""
    policy.require(policy.can_see_event(actor, event))
    follows.set_following(actor, event, following)


# --- iCalendar (RFC 5545) -----------------------------------------------------------------


def feed_events(filters: Filters | None = None, *, now: datetime | None = None) -> list[Event]:
    """What the public feeds carry: the published and cancelled events of the past year and
    to come. Never a proposal: a feed is fetched without a session and cached."""
    since = (now or utcnow()) - timedelta(days=FEED_PAST_DAYS)
    query = (
        select(Event)
        .where(
            policy.visible_events(None),
            func.coalesce(Event.ends_at, Event.starts_at) >= since,
            *_filtered(filters or Filters()),
        )
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.trades))
        .limit(2000)
    )
    return list(db.session.scalars(query))


def ical(events: Sequence[Event], *, name: str, uid: str = "calendrier@etabli") -> bytes:
    """EVENTS as an iCalendar object named NAME: one VEVENT per event, under its stable UID,
    with a SEQUENCE that rises with each change of its date, place or status."""
    calendar = icalendar.Calendar.new(name=name, prodid=PRODID, uid=uid)
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(timedelta(hours=6)))
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _vevent(event: Event) -> icalendar.Event:
    if event.all_day:
        start: date | datetime = local(event.starts_at).date()
        end: date | datetime | None = last_day(event) + timedelta(days=1)  # DTEND is exclusive
    else:
        start, end = event.starts_at.astimezone(UTC), event.ends_at
    description = event.description_source
    if event.url:
        description = f"{description}\n\n{event.url}".strip()
    cancelled = f"[{_('Annulé')}] " if event.is_cancelled else ""
    stage = stage_name(event.stage)
    return icalendar.Event.new(
        uid=event.uid,
        sequence=event.sequence,
        stamp=event.updated_at.astimezone(UTC),  # no METHOD: DTSTAMP is the last revision
        last_modified=event.updated_at.astimezone(UTC),
        created=event.created_at.astimezone(UTC),
        start=start,
        end=end.astimezone(UTC) if isinstance(end, datetime) else end,
        summary=cancelled + event.title,
        description=description or None,
        location=event.place or event.url or None,
        url=absolute_url("calendar.event", event_id=event.id),
        status=ICAL_STATUS.get(event.status, "TENTATIVE"),
        categories=[stage] if stage else (),  # an empty CATEGORIES would be invalid
    )


# --- demo ----------------------------------------------------------------------------------

SITE = "https://www.meilleursouvriersdefrance.info"
DEMO_TRADES = ("boulangerie", "ebenisterie", "cuisine-gastronomie")
# Per trade of DEMO_TRADES: title, days from now (plus a week per trade), stage, place, link.
DEMO_MILESTONES = (
    ("Positionnement", 50, "positionnement", "En ligne, sur la plateforme du COET-MOF", ""),
    ("Épreuves qualificatives", 140, "epreuves-qualificatives", "Centre d'examen régional", ""),
    ("Épreuves finales", 320, "epreuves-finales", "Lycée des métiers, annoncé par le COET", ""),
    ("Résultats", 360, "jury", "", SITE),
)
# The candidates' own: title, days from now, local time, trade, place, link.
DEMO_MEETUPS = (
    ("Visio : préparer le positionnement", 10, time(20, 30), "", "", "https://visio.example.org/p"),
    ("Séance de préparation au dossier", 30, time(9), "ebenisterie", "Atelier partagé, Lyon", ""),
    ("Rencontre au salon Europain", 60, time(14), "boulangerie", "Paris Expo", ""),
)


def seed_demo(
    *, official: User, members: Sequence[User], edition: int = 28, now: datetime | None = None
) -> int:
    """The demo's calendar: milestones of EDITION for a few trades (and two of the session
    before, now past), three candidates' events (one rescheduled, one waiting for a
    moderator), and an official date published by OFFICIAL. How many events it made."""
    today = local(now or utcnow()).date()
    people = list(members) or [official]

    def person(number: int) -> User:
        return people[number % len(people)]

    def add(who: User, title: str, day: date, **values: Any) -> Event:
        at, status = values.pop("at", None), values.pop("status", APPROVED)
        trades = [found for slug in values.pop("trades", ()) if (found := taxonomy.get_trade(slug))]
        values = {"kind": MILESTONE, "stage": None, "edition": edition, "ends_at": None} | values
        checked = _Checked(
            title=title,
            trades=trades,
            starts_at=_at(day, at or time.min),
            all_day=at is None,
            **{"place": "", "url": "", "description": ""} | values,
        )
        return _create(who, checked, status=status, official=who is official, now=now)

    made = [
        add(
            official,
            "Clôture des inscriptions",
            today + timedelta(days=21),
            stage="inscription",
            url=SITE,
            description="Dernier jour pour s'inscrire en ligne auprès du COET-MOF.",
        )
    ]
    for number, slug in enumerate(DEMO_TRADES):
        for position, (title, days, stage, place, url) in enumerate(DEMO_MILESTONES):
            day = today + timedelta(days=days + 7 * number)
            name = f"{title} ({_trade_name(slug)})"
            made.append(
                add(person(position), name, day, stage=stage, trades=[slug], place=place, url=url)
            )
    for slug, stage, days in (
        ("boulangerie", "epreuves-finales", 420),
        ("ebenisterie", "jury", 380),
    ):
        name = f"{stage_name(stage)} ({_trade_name(slug)}), {edition - 1}e session"
        day = today - timedelta(days=days)
        made.append(
            add(
                person(1), name, day, stage=stage, trades=[slug], edition=edition - 1, place="Paris"
            )
        )
    meetups = []
    for position, (title, days, at, slug, place, url) in enumerate(DEMO_MEETUPS):
        day = today + timedelta(days=days)
        status = PENDING if position == 2 else APPROVED
        meetups.append(
            add(
                person(position),
                title,
                day,
                kind=MEETUP,
                at=at,
                status=status,
                trades=[slug] if slug else [],
                place=place,
                url=url,
            )
        )
    moved = meetups[1]
    db.session.flush()
    for follower in {person(0).id: person(0), person(2).id: person(2)}.values():
        if follower.id != moved.organiser_id:
            follows.follow_on_post(follower, moved)
    later = _at(today + timedelta(days=37), time(9))
    _apply(
        person(1), moved, _replace(moved, starts_at=later), note="L'atelier est pris ce jour-là."
    )
    db.session.commit()
    return len(made) + len(meetups)


def _trade_name(slug: str) -> str:
    trade = taxonomy.get_trade(slug)
    return trade.name.lower() if trade else slug


def _replace(event: Event, **changes: Any) -> _Checked:
    """EVENT's values with CHANGES, as `_apply` takes them."""
    values = {
        "title": event.title,
        "kind": event.kind,
        "stage": event.stage,
        "edition": event.edition,
        "trades": list(event.trades),
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "all_day": event.all_day,
        "place": event.place,
        "url": event.url,
        "description": event.description_source,
    }
    return _Checked(**values | changes)
