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


@pytest.fixture
def shared_knowledge(app_ctx):
    """Guides and calendar events of every kind, by `autrice`, and every kind of reader."""
    from forum.models import Event, Guide
    from forum.services import calendar, guides, solutions

    app_ctx.config["GUIDE_EDIT_MIN_POSTS"] = 0
    moderator = make_user(role=Role.MODERATOR, username="moderatrice")
    staff = make_user(role=Role.COET_STAFF, username="coet")
    author = make_user(username="autrice")
    topic_id = make_thread(author=author).topic_id

    def guide(title: str) -> Guide:
        return guides.create_guide(author, title=title, body="Un texte.", topic_id=topic_id)

    guide_kinds = {"published": guide("Une fiche publiée"), "locked": guide("Une fiche fermée")}
    guides.set_locked(moderator, guide_kinds["locked"], True)
    guide_kinds["hidden"] = guide("Une fiche masquée")
    moderation.hide_guide(moderator, guide_kinds["hidden"], Grounds("Hors charte", "respect"))
    solved = make_thread(author=author, title="Une question résolue ?")
    solutions.set_solution(author, solved, posting.reply(make_user(), solved, body="Réponse."))
    guide_kinds["pending"] = guides.make_from_thread(author, solved)

    def event(actor, **more) -> Event:
        values = {"title": "Rencontre", "edition": 28, "starts_on": "2030-01-10"}
        values |= {"all_day": True, "place": "Lyon"} | more
        return calendar.propose(actor, calendar.Draft(**values))

    event_kinds = {"pending": event(author), "approved": event(author), "refused": event(author)}
    calendar.approve(moderator, event_kinds["approved"])
    calendar.refuse(moderator, event_kinds["refused"], note="Non")
    event_kinds["cancelled"] = event(author)
    calendar.approve(moderator, event_kinds["cancelled"])
    calendar.cancel(author, event_kinds["cancelled"])
    event_kinds["official"] = event(staff, kind="milestone", stage="inscription")
    readers = {
        "visitor": None,
        "member": make_user(),
        "author": author,
        "coet_staff": staff,
        "moderator": moderator,
        "admin": make_user(role=Role.ADMIN),
    }
    return guide_kinds, event_kinds, readers


SEEN_GUIDES = {
    "visitor": {"published", "locked"},
    "member": {"published", "locked"},
    "coet_staff": {"published", "locked"},
    "author": {"published", "locked", "pending"},
    "moderator": {"published", "locked", "pending", "hidden"},
    "admin": {"published", "locked", "pending", "hidden"},
}
SEEN_EVENTS = {
    "visitor": {"approved", "cancelled", "official"},
    "member": {"approved", "cancelled", "official"},
    "coet_staff": {"approved", "cancelled", "official"},
    "author": {"approved", "cancelled", "official", "pending", "refused"},
    "moderator": {"approved", "cancelled", "official", "pending", "refused"},
    "admin": {"approved", "cancelled", "official", "pending", "refused"},
}


@pytest.mark.parametrize("reader", READERS)
def test_guides_and_events_are_seen_alike_one_by_one_and_in_lists(shared_knowledge, reader):
    from forum.models import Event, Guide

    guide_kinds, event_kinds, readers = shared_knowledge
    actor = readers[reader]

    guides_listed = set(db.session.scalars(select(Guide.id).where(policy.visible_guides(actor))))
    events_listed = set(db.session.scalars(select(Event.id).where(policy.visible_events(actor))))

    for kind, guide in guide_kinds.items():
        assert policy.can_see_guide(actor, guide) == (guide.id in guides_listed), (kind, reader)
    for kind, event in event_kinds.items():
        assert policy.can_see_event(actor, event) == (event.id in events_listed), (kind, reader)
    assert {k for k, g in guide_kinds.items() if g.id in guides_listed} == SEEN_GUIDES[reader]
    assert {k for k, e in event_kinds.items() if e.id in events_listed} == SEEN_EVENTS[reader]


@pytest.mark.parametrize("reader", READERS)
def test_who_may_change_guides_and_events(shared_knowledge, reader):
    guide_kinds, event_kinds, readers = shared_knowledge
    actor = readers[reader]

    edits_guides = {
        kind
        for kind, guide in guide_kinds.items()
        if policy.can_edit_guide(actor, guide, experienced=True)
    }
    edits_events = {
        kind for kind, event in event_kinds.items() if policy.can_edit_event(actor, event)
    }

    everything = set(guide_kinds)
    members_guides = {"published"}  # not locked, hidden, nor waiting for a moderator
    assert (
        edits_guides
        == {
            "visitor": set(),
            "member": members_guides,
            "coet_staff": members_guides,
            "author": members_guides,
            "moderator": everything,
            "admin": everything,
        }[reader]
    )
    # An official date: COET staff only; a member's event: its organiser and the moderators.
    theirs = {"pending", "approved", "cancelled", "refused"}
    assert (
        edits_events
        == {
            "visitor": set(),
            "member": set(),
            "coet_staff": {"official"},
            "author": theirs - {"refused"},
            "moderator": theirs,
            "admin": theirs,
        }[reader]
    )
