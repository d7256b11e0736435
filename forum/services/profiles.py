"""Member profiles: what a member tells about themselves, and what they chose to show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import limits, markup, policy, usernames
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Post, Trade, User
from forum.services import consents, taxonomy

DISPLAY_NAME_MAX = limits.DISPLAY_NAME_MAX
BIO_MAX = limits.BIO_MAX
TRADES_MAX = 3
EDITIONS = range(20, 40)  # the competition's sessions ("27e session")


@dataclass(frozen=True)
class Visibility:
    display_name: bool = False
    trades: bool = False
    region: bool = False
    edition: bool = False
    bio: bool = False


def regions() -> dict[str, str]:
    """Region codes and names, from the reference taxonomy."""
    return {region["code"]: region["name"] for region in taxonomy.reference_data()["regions"]}


def get_member(username: str) -> User | None:
    query = select(User).where(User.username_key == usernames.key(username))
    return db.session.scalar(query.options(joinedload(User.trades)))


def _published_by(user: User, viewer: User | None):
    """USER's published posts (not deleted, not waiting) that VIEWER may read."""
    return (
        Post.author_id == user.id,
        Post.deleted_at.is_(None),
        Post.pending_at.is_(None),
        policy.visible_posts(viewer),
    )


def count_posts(user: User, *, viewer: User | None = None) -> int:
    query = select(func.count()).where(*_published_by(user, viewer))
    return db.session.scalar(query) or 0


def list_recent_posts(user: User, limit: int = 10, *, viewer: User | None = None) -> list[Post]:
    """USER's latest published posts that VIEWER may read, with their threads."""
    query = (
        select(Post)
        .where(*_published_by(user, viewer))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
        .options(joinedload(Post.thread))
    )
    return list(db.session.scalars(query))


def update_profile(
    actor: User,
    *,
    display_name: str,
    region_code: str | None,
    edition: int | None,
    trade_ids: Sequence[int],
    bio: str,
    visibility: Visibility,
) -> User:
    """Save ACTOR's own profile and their choice of what to show."""
    display_name = " ".join(display_name.split())
    bio = bio.replace("\r\n", "\n").strip()
    wanted = list(dict.fromkeys(trade_ids))
    trades = list(db.session.scalars(select(Trade).where(Trade.id.in_(wanted)))) if wanted else []
    error = InvalidInput.collect(
        {
            "display_name": _(
                "Le nom affiché ne peut pas dépasser %(n)d caractères.", n=DISPLAY_NAME_MAX
            )
            if len(display_name) > DISPLAY_NAME_MAX
            else None,
            "region": _("Choisissez une région de la liste.")
            if region_code and region_code not in regions()
            else None,
            "edition": _("Choisissez une session de la liste.")
            if edition is not None and edition not in EDITIONS
            else None,
            "trades": _("Choisissez au plus %(n)d métiers existants.", n=TRADES_MAX)
            if len(wanted) > TRADES_MAX
            or len(trades) != len(wanted)
            or not all(trade.is_active for trade in trades if trade not in actor.trades)
            else None,
            "bio": _("La présentation ne peut pas dépasser %(n)d caractères.", n=BIO_MAX)
            if len(bio) > BIO_MAX
            else None,
        }
    )
    if error:
        raise error
    actor.display_name = display_name or None
    actor.region_code = region_code or None
    actor.edition = edition
    actor.trades = trades
    actor.bio_source = bio
    actor.bio_html = markup.render(bio) if bio else ""
    for purpose, given in (
        ("profile.display_name", visibility.display_name),
        ("profile.trades", visibility.trades),
        ("profile.region", visibility.region),
        ("profile.edition", visibility.edition),
        ("profile.bio", visibility.bio),
    ):
        attribute = consents.PURPOSES[purpose]
        if getattr(actor, attribute) != given:  # each change is a consent given or withdrawn
            setattr(actor, attribute, given)
            consents.record_consent(actor, purpose, given, via="profile-form")
    db.session.commit()
    return actor
