"""Atom feeds (RFC 4287) of the latest posts: everywhere, per topic, per trade.

A feed is read by anyone, logged in or not, and by programs that keep it: it holds only what
a visitor may read (`policy.visible_posts(None)`), titles masked as a visitor sees them, and
no e-mail address (an author is a username, or « Ancien membre »).
"""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, joinedload

from forum import markup, policy
from forum.extensions import db
from forum.links import absolute_url
from forum.models import Post, Thread, Topic, Trade, thread_trades
from forum.models.base import utcnow
from forum.services import posting

ENTRIES = 50
VISITOR = None  # a feed is what a visitor sees, whoever fetches it


def _latest(topic: Topic | None, trade: Trade | None) -> list[Post]:
    query = (
        select(Post)
        .where(policy.visible_posts(VISITOR))
        .options(
            joinedload(Post.thread).joinedload(Thread.author),
            joinedload(Post.author),
            # A quotation is shown only if the visitor may read the quoted post.
            joinedload(Post.quoted_post).joinedload(Post.thread),
            joinedload(Post.quoted_post).joinedload(Post.author),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(ENTRIES)
    )
    if topic is not None:  # correlated: the latest posts are read in order, not the topic's all
        their_thread = aliased(Thread)  # the policy's filter has its own
        query = query.where(
            exists().where(their_thread.id == Post.thread_id, their_thread.topic_id == topic.id)
        )
    if trade is not None:
        query = query.where(
            exists().where(
                thread_trades.c.thread_id == Post.thread_id, thread_trades.c.trade_id == trade.id
            )
        )
    return list(db.session.scalars(query).unique())


def _content(post: Post) -> str:
    """The post as a visitor reads it: a quotation of a post they may not read is left out."""
    quoted = post.quoted_post
    if quoted is not None and not policy.can_read_post(VISITOR, quoted):
        return markup.without_leading_quote(post.html)
    return post.html


def atom(*, topic: Topic | None = None, trade: Trade | None = None) -> bytes:
    """The feed of the latest posts, of TOPIC or TRADE if given."""
    if topic is not None:
        title, home = topic.name, absolute_url("forum.topic", slug=topic.slug)
        self_url = absolute_url("forum.topic_feed", slug=topic.slug)
    elif trade is not None:
        title, home = trade.name, absolute_url("forum.trade", slug=trade.slug)
        self_url = absolute_url("forum.trade_feed", slug=trade.slug)
    else:
        title, home = _("Derniers messages"), absolute_url("main.home")
        self_url = absolute_url("forum.latest_feed")
    posts = _latest(topic, trade)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(f"{title} · L'Établi")
    feed.subtitle(_("Le forum des candidats au concours « Un des Meilleurs Ouvriers de France »"))
    feed.link(href=home, rel="alternate", type="text/html")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.author(name="L'Établi")
    feed.language("fr")
    feed.updated(max((_updated(post) for post in posts), default=utcnow()))
    for post in posts:
        entry = feed.add_entry(order="append")
        url = absolute_url("forum.post", post_id=post.id)
        entry.id(url)
        entry.title(posting.title_for(VISITOR, post.thread))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.author(name=post.author.username if post.author else _("Ancien membre"))
        entry.published(post.created_at)
        entry.updated(_updated(post))
        entry.content(_content(post), type="html")
    return feed.atom_str(pretty=True)


def _updated(post: Post):
    return post.edited_at or post.created_at
