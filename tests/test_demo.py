"""The demo data of `make run`: a lively forum in French, deterministic and loaded once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    Conversation,
    Follow,
    Message,
    Notification,
    Post,
    PostPhoto,
    PostRevision,
    Reaction,
    Report,
    Role,
    Thread,
    ThreadSolution,
    User,
)
from forum.services import accounts, demo, posting
from tests.conftest import METADATAS, _create_schema, _empty_tables, make_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One demo load for the whole module (it writes some 2,000 posts): tests only read it."""
    app = make_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        _create_schema()
        result = demo.load()
    yield app, result
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def loaded(demo_app):
    app, result = demo_app
    with app.app_context():
        yield result


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query))


def test_the_demo_is_a_lively_forum(loaded):
    assert loaded.created
    assert _count(User) == 63
    assert 180 <= _count(Thread) <= 220
    assert 950 <= _count(Post) <= 1_100
    assert _count(select(Post).where(Post.quoted_post_id.is_not(None)).subquery()) > 100
    assert _count(PostRevision) > 50
    topics_used = db.session.scalar(select(func.count(func.distinct(Thread.topic_id))))
    assert topics_used == 11


def test_the_demo_shows_reactions_solved_questions_follows_and_notices(loaded):
    solved = db.session.scalars(select(Thread).join(ThreadSolution)).all()

    assert _count(Reaction) > 100
    assert len(solved) > 10 and all(thread.is_solved for thread in solved)
    assert _count(select(Follow).where(Follow.topic_id.is_not(None)).subquery()) >= 10
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert {"reply", "reaction", "solution"} <= kinds
    assert _count(Conversation) == 2 and _count(Message) == 6
    assert _count(PostPhoto) == 3


def test_the_demo_reports_match_their_posts_and_members_joined_before_posting(loaded):
    reports = {r.reason: r.post for r in db.session.scalars(select(Report))}
    first_posts = dict(
        db.session.execute(
            select(Post.author_id, func.min(Post.created_at)).group_by(Post.author_id)
        ).all()
    )

    assert "https://" in reports["spam"].source
    assert reports["off_topic"].thread.topic.slug == "financement"
    assert "rue des Artisans" in reports["personal_data"].source
    for user in db.session.scalars(select(User)):
        assert user.created_at < first_posts.get(user.id, user.created_at + timedelta(1))


def test_demo_replies_are_written_for_their_own_thread():
    content = demo._content()
    threads = [*content["pinned"], *(t for ts in content["threads"].values() for t in ts)]
    replies = [reply for thread in threads for reply in thread["replies"]]

    assert "replies" not in content and "topic_replies" not in content  # no shared pool
    assert all(thread["replies"] for thread in threads)
    assert len(replies) == len(set(replies))  # no sentence reused across threads


def test_the_demo_has_pinned_charter_and_financing_faq(loaded):
    pinned = db.session.scalars(select(Thread.title).where(Thread.is_pinned)).all()

    assert any("Charte" in title for title in pinned)
    assert any("FAQ financement" in title for title in pinned)


def test_the_demo_gives_the_moderators_reports_to_handle(loaded):
    reasons = set(db.session.scalars(select(Report.reason).where(Report.resolved_at.is_(None))))

    assert reasons == {"spam", "off_topic", "personal_data"}


def test_the_demo_has_a_thread_long_enough_to_paginate(loaded):
    assert db.session.scalar(select(func.max(Thread.post_count))) > 40


def test_the_demo_counters_are_exact(loaded):
    for thread in db.session.scalars(select(Thread)):
        assert thread.post_count == _count(
            select(Post).where(Post.thread_id == thread.id).subquery()
        )


def test_demo_accounts_log_in_with_the_printed_password(loaded):
    assert accounts.authenticate("admin", demo.PASSWORD).role is Role.ADMIN
    assert accounts.authenticate("julien-boulanger", demo.PASSWORD).role is Role.MEMBER
    assert ("coet_officiel", "coet_staff") in loaded.accounts


def _summary():
    threads = db.session.scalars(select(Thread).order_by(Thread.id))
    return [(t.title, t.post_count, t.author.username, t.is_pinned) for t in threads]


def test_the_demo_is_deterministic(loaded, tmp_path):
    first = _summary()
    other = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")

    with other.app_context():
        for metadata in METADATAS:
            metadata.create_all(db.engine)
        demo.load()
        second = _summary()
        db.session.remove()
        db.engine.dispose()

    assert first == second


def test_loading_again_changes_nothing(loaded):
    threads, posts = _count(Thread), _count(Post)

    again = demo.load()

    assert not again.created
    assert (_count(Thread), _count(Post)) == (threads, posts)
    assert ("admin", "admin") in again.accounts


def test_demo_posts_are_french_markdown_rendered_safely(loaded):
    thread = db.session.scalar(select(Thread).where(Thread.title.like("FAQ financement%")))
    first = posting.list_posts(thread).items[0]

    assert "<table>" in first.html and "<strong>" in first.html
    assert "financ" in first.source
