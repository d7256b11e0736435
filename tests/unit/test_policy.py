"""The policy answers each question once: per object, and as the SQL condition lists use.

For every kind of post (published, hidden, deleted, waiting, refused, a restricted member's,
in a thread waiting for approval) and every kind of reader (visitor, member, the author,
COET staff, moderator, admin), `can_read_post` and `visible_posts` agree, and so do the
thread and thread-page questions.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import policy
from forum.extensions import db
from forum.models import Post, Role, Thread
from forum.services import moderation, posting, restriction
from forum.services.moderation import Grounds
from tests.factories import make_thread, make_user

READERS = ["visitor", "member", "author", "coet_staff", "moderator", "admin"]


@pytest.fixture
def world(app_ctx):
    moderator = make_user(role=Role.MODERATOR, username="moderatrice")
    admin = make_user(role=Role.ADMIN, username="admin")
    author = make_user(username="autrice")
    thread = make_thread(author=make_user(), title="Discussion publique")
    kinds = {"published": posting.reply(author, thread, body="publié")}
    kinds["hidden"] = posting.reply(author, thread, body="masqué")
    moderation.hide_post(moderator, kinds["hidden"], Grounds("Hors charte", "respect"))
    kinds["deleted"] = posting.reply(author, thread, body="supprimé")
    posting.delete_post(author, kinds["deleted"])
    app_ctx.config["MODERATION_NEW_MEMBER_APPROVALS"] = 10
    kinds["pending"] = posting.reply(author, thread, body="en attente")
    kinds["refused"] = posting.reply(author, thread, body="refusé")
    moderation.reject_post(moderator, kinds["refused"], Grounds("Doublon", "on_topic"))
    waiting = make_thread(author=author, title="Discussion en attente", body="en attente")
    kinds["pending_thread"] = db.session.get(Post, posting.first_post_id(waiting))
    app_ctx.config["MODERATION_NEW_MEMBER_APPROVALS"] = 0
    frozen = make_user(username="gele")
    kinds["restricted"] = posting.reply(frozen, thread, body="gelé")
    restriction.restrict(admin, username="gele", reason="Contestation")
    readers = {
        "visitor": None,
        "member": make_user(),
        "author": author,
        "coet_staff": make_user(role=Role.COET_STAFF),
        "moderator": moderator,
        "admin": admin,
    }
    return kinds, readers


@pytest.mark.parametrize("reader", READERS)
def test_reading_one_post_and_listing_posts_give_the_same_answer(world, reader):
    kinds, readers = world
    actor = readers[reader]

    listed = set(db.session.scalars(select(Post.id).where(policy.visible_posts(actor))))
    on_page = set(db.session.scalars(select(Post.id).where(policy.posts_on_thread_page(actor))))

    for kind, post in kinds.items():
        assert policy.can_read_post(actor, post) == (post.id in listed), (kind, reader)
        assert policy.can_see_post(actor, post) == (post.id in on_page), (kind, reader)


@pytest.mark.parametrize("reader", READERS)
def test_opening_one_thread_and_listing_threads_give_the_same_answer(world, reader):
    kinds, readers = world
    actor = readers[reader]

    listed = set(db.session.scalars(select(Thread.id).where(policy.visible_threads(actor))))

    for post in kinds.values():
        assert policy.can_see_thread(actor, post.thread) == (post.thread_id in listed), reader


EXPECTED_READABLE = {
    "visitor": {"published"},
    "member": {"published"},
    "coet_staff": {"published"},
    "author": {"published", "hidden", "deleted", "pending", "refused", "pending_thread"},
    "moderator": {"published", "hidden", "deleted", "pending", "refused", "pending_thread"},
    "admin": {
        "published",
        "hidden",
        "deleted",
        "pending",
        "refused",
        "pending_thread",
        "restricted",
    },
}


@pytest.mark.parametrize("reader", READERS)
def test_who_reads_what(world, reader):
    kinds, readers = world

    readable = {kind for kind, post in kinds.items() if policy.can_read_post(readers[reader], post)}

    assert readable == EXPECTED_READABLE[reader]
