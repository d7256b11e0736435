"""Bookmarks: a member keeps posts to read again; private, only what they may still read,
in their export, gone with their account."""

from __future__ import annotations

import json
import zipfile

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Bookmark, Post, Role, User
from forum.services import erasure, exports, moderation
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_post, make_thread, make_user, open_session


def _as(app, client, user_id):
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(db.session.get(User, user_id))
    return client


def test_a_member_keeps_a_post_and_finds_it_in_their_bookmarks(app, client, login_as):
    with app.app_context():
        post = make_post(body="Le calendrier des épreuves qualificatives.")
        post_id = post.id
    login_as()

    kept = client.post(f"/p/{post_id}/bookmark")
    page = client.get("/me/bookmarks").get_data(as_text=True)
    thread = client.get(f"/p/{post_id}", follow_redirects=True).get_data(as_text=True)
    let_go = client.post(f"/p/{post_id}/bookmark")
    after = client.get("/me/bookmarks").get_data(as_text=True)

    assert kept.status_code == 302
    assert "Le calendrier des épreuves qualificatives." in page
    assert "Retirer des signets" in thread
    assert let_go.status_code == 302 and "Aucun signet" in after


def test_bookmarks_are_private_and_need_a_session(app, client):
    with app.app_context():
        post_id = make_post(body="Texte gardé par une autre.").id
        owner = make_user(username="gardienne")
        owner_id = owner.id
    _as(app, client, owner_id).post(f"/p/{post_id}/bookmark")

    anonymous = app.test_client()
    other = app.test_client()
    with app.app_context(), other.session_transaction() as session:
        session["_user_id"] = open_session(make_user())

    assert anonymous.get("/me/bookmarks").status_code == 302  # to the login page
    assert anonymous.post(f"/p/{post_id}/bookmark").status_code == 302
    assert "Texte gardé par une autre." not in other.get("/me/bookmarks").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 1


def test_a_post_that_is_hidden_leaves_the_bookmarks(app, client):
    with app.app_context():
        post = make_post(body="Bientôt masqué par la modération.")
        reader = make_user()
        reader_id, post_id = reader.id, post.id
    client = _as(app, client, reader_id)
    client.post(f"/p/{post_id}/bookmark")
    with app.app_context():
        moderator = make_user(role=Role.MODERATOR)
        hidden = db.session.get(Post, post_id)
        moderation.hide_post(moderator, hidden, Grounds("Hors charte", "respect"))

    page = client.get("/me/bookmarks").get_data(as_text=True)
    let_go = client.post(f"/p/{post_id}/bookmark")  # still kept: letting it go works
    again = client.post(f"/p/{post_id}/bookmark")

    assert "Bientôt masqué" not in page
    assert let_go.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0
    assert again.status_code in (403, 404)  # a post one may not read cannot be kept


def test_bookmarks_are_exported_and_erased_with_the_account(app_ctx, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    from forum.services import bookmarks

    member = make_user(username="lectrice")
    post = make_post(thread=make_thread(), body="À relire.")
    bookmarks.toggle(member, post)

    archive = exports.request_export(member)
    data = json.loads(zipfile.ZipFile(exports.archive_path(member, archive.id)).read("data.json"))
    erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)
    erasure.run_due_erasures()

    assert data["tables"]["bookmarks"][0]["post_id"] == post.id
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0


def test_a_member_whose_data_is_restricted_keeps_no_new_bookmark(app_ctx):
    """Art. 18: while restricted, nothing but storage: no new bookmark."""
    import pytest as _pytest

    from forum.errors import NotAllowed
    from forum.services import bookmarks, restriction

    member = make_user(username="gelee-signets")
    post = make_post(body="Un message public.")
    restriction.restrict(make_user(role=Role.ADMIN), username="gelee-signets", reason="Litige")

    with _pytest.raises(NotAllowed):
        bookmarks.toggle(member, post)
