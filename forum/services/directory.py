"""The directory of candidates (`/candidates`): only members who chose to be in it, each with
only the fields they chose to show; a filter reads only what its members show."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum import pagination, policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Trade, User, user_trades
from forum.services import profiles, taxonomy


@dataclass(frozen=True)
class Filters:
    trade: Trade | None = None
    region: str | None = None
    edition: int | None = None


def parse_filters(*, trade: str = "", region: str = "", edition: str = "") -> Filters:
    """The directory's filters from the query string; a French message for each bad one."""
    found_trade = taxonomy.get_trade(trade) if trade else None
    number = int(edition) if re.fullmatch(r"[0-9]{1,3}", edition) else None
    error = InvalidInput.collect(
        {
            "trade": _("Ce métier n'existe pas.") if trade and found_trade is None else None,
            "region": _("Choisissez une région de la liste.")
            if region and region not in profiles.regions()
            else None,
            "edition": _("Choisissez une session de la liste.")
            if edition and number not in profiles.EDITIONS
            else None,
        }
    )
    if error:
        raise error
    return Filters(found_trade, region or None, number)


def list_candidates(filters: Filters, *, page: int = 1) -> pagination.Page[User]:
    """Page PAGE of the directory, by username."""
    conditions = [policy.in_directory()]
    if filters.trade is not None:  # a trade a member keeps to themselves filters nothing
        chosen = select(user_trades.c.user_id).where(user_trades.c.trade_id == filters.trade.id)
        conditions += [User.show_trades.is_(True), User.id.in_(chosen)]
    if filters.region is not None:
        conditions += [User.show_region.is_(True), User.region_code == filters.region]
    if filters.edition is not None:
        conditions += [User.show_edition.is_(True), User.edition == filters.edition]
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    number = pagination.check(page, total)
    query = (
        select(User)
        .where(*conditions)
        .order_by(User.username_key)
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(selectinload(User.trades))
    )
    return pagination.Page(items=list(db.session.scalars(query)), number=number, total=total)
