"""Trades and topics: the reference data, look-ups by slug, and what admins change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum import policy, slugs
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import (
    SlugRedirect,
    Thread,
    Topic,
    Trade,
    TradeGroup,
    User,
    thread_trades,
    user_trades,
)
from forum.models.base import utcnow

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "mof_taxonomy.json"
NAME_MAX = 160


@dataclass(frozen=True)
class LoadResult:
    groups: int
    trades: int
    topics: int


def reference_data() -> dict[str, Any]:
    """The taxonomy shipped with the project (copied from the competition's reference)."""
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def _known_slugs(model: type[Trade] | type[Topic], kind: str) -> set[str]:
    current = set(db.session.scalars(select(model.slug)))
    # A renamed or merged entry must not come back under its old slug.
    old = select(SlugRedirect.old_slug).where(SlugRedirect.kind == kind)
    return current | set(db.session.scalars(old))


def load_reference() -> LoadResult:
    """Add whatever reference trade groups, trades and topics are missing; idempotent."""
    data = reference_data()
    trades_known = _known_slugs(Trade, "trade")
    topics_known = _known_slugs(Topic, "topic")
    added = {"groups": 0, "trades": 0, "topics": 0}
    for group_position, group_data in enumerate(data["trade_groups"]):
        group = db.session.scalar(select(TradeGroup).where(TradeGroup.slug == group_data["slug"]))
        if group is None:
            group = TradeGroup(
                slug=group_data["slug"], name=group_data["name"], position=group_position
            )
            db.session.add(group)
            added["groups"] += 1
        for position, trade in enumerate(group_data["trades"]):
            if trade["slug"] not in trades_known:
                db.session.add(
                    Trade(slug=trade["slug"], name=trade["name"], group=group, position=position)
                )
                added["trades"] += 1
    for position, topic in enumerate(data["topics"]):
        if topic["slug"] not in topics_known:
            db.session.add(
                Topic(
                    slug=topic["slug"],
                    name=topic["name"],
                    description=topic.get("description", ""),
                    position=position,
                )
            )
            added["topics"] += 1
    db.session.commit()
    return LoadResult(**added)


# --- reading -------------------------------------------------------------------------------


def list_groups() -> list[TradeGroup]:
    """Every trade group, in order, with its trades loaded."""
    query = select(TradeGroup).order_by(TradeGroup.position, TradeGroup.name)
    return list(db.session.scalars(query.options(selectinload(TradeGroup.trades))))


def list_topics(*, active_only: bool = True) -> list[Topic]:
    query = select(Topic).order_by(Topic.position, Topic.name)
    if active_only:
        query = query.where(Topic.retired_at.is_(None))
    return list(db.session.scalars(query))


def list_trades(*, active_only: bool = True) -> list[Trade]:
    query = select(Trade).join(TradeGroup).order_by(TradeGroup.position, Trade.position)
    if active_only:
        query = query.where(Trade.retired_at.is_(None))
    return list(db.session.scalars(query))


def _by_slug(model: type[Trade] | type[Topic], kind: str, slug: str) -> Trade | Topic | None:
    item = db.session.scalar(select(model).where(model.slug == slug))
    if item is None:
        target = db.session.scalar(
            select(SlugRedirect.target_id).where(
                SlugRedirect.kind == kind, SlugRedirect.old_slug == slug
            )
        )
        item = db.session.get(model, target) if target is not None else None
    # A merged entry leads to what it was merged into.
    seen = set()
    while item is not None and item.merged_into_id is not None and item.id not in seen:
        seen.add(item.id)
        item = db.session.get(model, item.merged_into_id)
    return item


def get_trade(slug: str) -> Trade | None:
    """The trade SLUG names now or named before (renamed, merged); None if unknown."""
    return _by_slug(Trade, "trade", slug)  # type: ignore[return-value]


def get_topic(slug: str) -> Topic | None:
    """The topic SLUG names now or named before (renamed, merged); None if unknown."""
    return _by_slug(Topic, "topic", slug)  # type: ignore[return-value]


# --- administration ------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", _("Indiquez un nom."))
    if len(name) > NAME_MAX:
        raise InvalidInput("name", _("Le nom ne peut pas dépasser %(n)d caractères.", n=NAME_MAX))
    return name


def _free_slug(model: type[Trade] | type[Topic], kind: str, name: str, own_id: int | None) -> str:
    slug = slugs.slugify(name)
    if not slug:
        raise InvalidInput("name", _("Le nom doit contenir au moins une lettre ou un chiffre."))
    holder = db.session.scalar(select(model.id).where(model.slug == slug))
    redirect = db.session.scalar(
        select(SlugRedirect.target_id).where(
            SlugRedirect.kind == kind, SlugRedirect.old_slug == slug
        )
    )
    if (holder is not None and holder != own_id) or (redirect is not None and redirect != own_id):
        raise InvalidInput("name", _("Ce nom (ou son adresse) est déjà utilisé."))
    return slug


def _commit_name(item: Trade | Topic) -> None:
    """Commit a new or renamed entry; a concurrent request may have taken the name first."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput("name", _("Ce nom (ou son adresse) est déjà utilisé.")) from None


def create_trade(actor: User, *, name: str, group_id: int, description: str = "") -> Trade:
    """Add a trade to a group."""
    policy.require(policy.can_manage_taxonomy(actor))
    name = _clean_name(name)
    group = db.session.get(TradeGroup, group_id)
    if group is None:
        raise InvalidInput("group", _("Choisissez un groupe de métiers."))
    trade = Trade(
        name=name,
        slug=_free_slug(Trade, "trade", name, None),
        group=group,
        description=description.strip(),
        position=len(group.trades),
    )
    db.session.add(trade)
    _commit_name(trade)
    return trade


def create_topic(actor: User, *, name: str, description: str = "") -> Topic:
    """Add a topic."""
    policy.require(policy.can_manage_taxonomy(actor))
    name = _clean_name(name)
    position = db.session.scalar(select(func.count()).select_from(Topic)) or 0
    topic = Topic(
        name=name,
        slug=_free_slug(Topic, "topic", name, None),
        description=description.strip(),
        position=position,
    )
    db.session.add(topic)
    _commit_name(topic)
    return topic


def rename(
    actor: User, item: Trade | Topic, *, name: str, description: str | None = None
) -> Trade | Topic:
    """Rename a trade or topic (and set its description); its old address keeps working."""
    policy.require(policy.can_manage_taxonomy(actor))
    kind = "trade" if isinstance(item, Trade) else "topic"
    name = _clean_name(name)
    slug = _free_slug(type(item), kind, name, item.id)
    if slug != item.slug:
        db.session.execute(
            delete(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == slug)
        )
        db.session.add(SlugRedirect(kind=kind, old_slug=item.slug, target_id=item.id))
        item.slug = slug
    item.name = name
    if description is not None:
        item.description = description.strip()
    _commit_name(item)
    return item


def set_retired(actor: User, item: Trade | Topic, *, retired: bool) -> Trade | Topic:
    """Retire a trade or topic (no new thread; its threads and address stay), or restore it."""
    policy.require(policy.can_manage_taxonomy(actor))
    if item.merged_into_id is not None and not retired:
        raise InvalidInput("item", _("Une entrée fusionnée ne peut pas être rétablie."))
    item.retired_at = utcnow() if retired else None
    db.session.commit()
    return item


def merge(actor: User, source: Trade | Topic, target: Trade | Topic) -> Trade | Topic:
    """Fold SOURCE into TARGET: its threads (and members, for a trade) move; its address follows."""
    policy.require(policy.can_manage_taxonomy(actor))
    if type(source) is not type(target) or source.id == target.id:
        raise InvalidInput("target", _("Choisissez une autre entrée du même type."))
    if source.merged_into_id is not None:
        raise InvalidInput("target", _("Cette entrée a déjà été fusionnée."))
    if target.merged_into_id is not None:
        raise InvalidInput("target", _("Cette entrée a elle-même été fusionnée."))
    if isinstance(source, Trade):
        _move_links(thread_trades, "thread_id", source.id, target.id)
        _move_links(user_trades, "user_id", source.id, target.id)
    else:
        db.session.execute(
            update(Thread).where(Thread.topic_id == source.id).values(topic_id=target.id)
        )
    source.merged_into_id = target.id
    source.retired_at = utcnow()
    db.session.flush()
    recount(target)
    recount(source)
    db.session.commit()
    return target


def _move_links(table: Any, owner: str, source_id: int, target_id: int) -> None:
    """Re-point association rows from trade SOURCE to TARGET without creating duplicates."""
    owner_column = table.c[owner]
    already = select(owner_column).where(table.c.trade_id == target_id)
    db.session.execute(
        insert(table).from_select(
            [owner, "trade_id"],
            select(owner_column, literal(target_id)).where(
                table.c.trade_id == source_id, owner_column.not_in(already)
            ),
        )
    )
    db.session.execute(delete(table).where(table.c.trade_id == source_id))


def recount(item: Trade | Topic) -> None:
    """Set the thread counter of ITEM from the threads themselves."""
    if isinstance(item, Trade):
        query = (
            select(func.count())
            .select_from(thread_trades)
            .where(thread_trades.c.trade_id == item.id)
        )
    else:
        query = select(func.count()).select_from(Thread).where(Thread.topic_id == item.id)
    item.thread_count = db.session.scalar(query) or 0
