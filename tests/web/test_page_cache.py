"""The page cache (forum.cache): a page is served again only while nothing it shows has
changed, whoever or whatever wrote the change; a member's page is theirs alone; every reader
gets their own CSRF token."""

from __future__ import annotations

import re
from contextlib import contextmanager

import psycopg
import pytest
import redis
from sqlalchemy import event, select, text

from forum import cache
from forum.extensions import db
from forum.models import Post, Role, User
from forum.services import erasure, moderation, posting
from forum.services.moderation import Grounds
from tests.conftest import BACKEND, IS_POSTGRES, Client
from tests.factories import PASSWORD, make_thread, make_user, open_session
from tests.sql import recording


def thread_path(app, title="Financer sa préparation", body="Le **CPF** marche-t-il ?"):
    with app.app_context():
        thread = make_thread(title=title, body=body)
        return thread.id, f"/t/{thread.id}-{thread.slug}"


def sign_in(app, client, **overrides) -> int:
    with app.app_context():
        user = make_user(**overrides)
        session_id = open_session(user)
        user_id = user.id
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return user_id


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("SELECT * FROM posts", False),
        ("  select value from cache_generation", False),
        ("INSERT INTO posts (body) VALUES (?)", True),
        ('UPDATE "threads" SET title = ?', True),
        ("DELETE FROM users WHERE id = ?", True),
        ("INSERT INTO read_marks (user_id) VALUES (?) ON CONFLICT DO UPDATE SET x = 1", False),
        ("DELETE FROM read_marks WHERE user_id = ?", False),
        ("WITH gone AS (SELECT id FROM posts) DELETE FROM posts", True),
        ("TRUNCATE posts", True),
        ("CREATE TABLE notes (id INTEGER)", False),
        ("SAVEPOINT sa_savepoint_1", False),
    ],
)
def test_what_counts_as_a_write(statement, writes):
    assert cache.writes_content(statement) is writes


def test_a_visitors_page_is_served_again_without_rendering(app, client):
    _, path = thread_path(app)
    first = client.get(path)
    with recording(app) as statements:
        again = client.get(path)

    assert again.status_code == 200 and again.data == first.data
    assert len(statements) == 1, statements  # the generation, nothing else


def _in_transaction(dbapi_connection) -> bool:
    """Whether the database connection itself is inside a transaction (BEGIN was sent)."""
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    return dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


@contextmanager
def transactions_of(app):
    """For each statement run in the block, whether it ran inside a transaction."""
    seen: list[bool] = []
    with app.app_context():
        engine = db.engine

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(_in_transaction(conn.connection.dbapi_connection))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def test_a_page_served_again_opens_no_transaction(app):
    """On PostgreSQL a transaction is two more round trips (BEGIN, ROLLBACK) on every page:
    a visitor's generation, a member's session lookup are read in autocommit."""
    _, path = thread_path(app)
    visitor, member = app.test_client(), app.test_client()
    sign_in(app, member)
    for client in (visitor, member):
        client.get(path)
        with transactions_of(app) as seen:
            again = client.get(path)

        assert again.status_code == 200 and seen == [False]  # one statement, on its own
    assert "/auth/logout" in again.get_data(as_text=True)  # the member, still signed in


def test_a_reply_reaches_the_pages_that_show_it(app, client):
    thread_id, path = thread_path(app)
    for page in ("/", "/topics/financement", path):
        assert "Réponse toute fraîche" not in client.get(page).get_data(as_text=True)
    with app.app_context():
        posting.reply(make_user(), posting.get_thread(thread_id), body="Réponse toute fraîche")

    assert "Réponse toute fraîche" in client.get(path).get_data(as_text=True)
    assert "1 réponse" in client.get("/topics/financement").get_data(as_text=True)


def test_a_member_reads_the_visitors_feed_and_its_next_version(app, client):
    """A feed is written for visitors: a member is served the same one, under the generation
    their session's lookup read; a reply reaches it for both."""
    thread_id, _ = thread_path(app)
    member = app.test_client()
    sign_in(app, member, username="wanda-vanniere")
    member.get("/")  # the welcome message is shown and gone
    for reader in (client, member):
        assert "Réponse pour le flux" not in reader.get("/feeds/latest.atom").get_data(as_text=True)
    with app.app_context():
        posting.reply(make_user(), posting.get_thread(thread_id), body="Réponse pour le flux")

    for reader in (member, client):
        assert "Réponse pour le flux" in reader.get("/feeds/latest.atom").get_data(as_text=True)
    with recording(app) as statements:
        assert "wanda-vanniere" not in member.get("/feeds/latest.atom").get_data(as_text=True)
    assert len(statements) == 1, statements


def test_a_post_hidden_by_a_moderator_leaves_every_cached_page(app, client):
    thread_id, path = thread_path(app)
    with app.app_context():
        post = posting.reply(make_user(), posting.get_thread(thread_id), body="Propos injurieux")
        post_id = post.id
    assert "injurieux" in client.get(path).get_data(as_text=True)
    assert "Propos" in client.get("/search?q=injurieux").get_data(as_text=True)
    with app.app_context():
        moderation.hide_post(
            make_user(role=Role.MODERATOR),
            db.session.get(Post, post_id),
            Grounds("Hors sujet", "on_topic"),
        )

    assert "injurieux" not in client.get(path).get_data(as_text=True)
    assert "Propos" not in client.get("/search?q=injurieux").get_data(as_text=True)


@pytest.mark.parametrize("how", ["session", "connection"])
def test_bulk_sql_outside_the_orm_reaches_cached_pages(app, client, how):
    """Erasure and retention write in bulk SQL: the bump is made by the statements themselves."""
    _, path = thread_path(app, body="Texte premier")
    assert "Texte premier" in client.get(path).get_data(as_text=True)
    with app.app_context():
        statement = text("UPDATE posts SET html = '<p>Texte effacé</p>'")
        if how == "session":
            db.session.execute(statement)
            db.session.commit()
        else:
            with db.engine.begin() as connection:
                connection.execute(statement)

    assert "Texte effacé" in client.get(path).get_data(as_text=True)


def test_a_rolled_back_write_keeps_the_cache(app, client):
    _, path = thread_path(app)
    client.get(path)
    with app.app_context():
        before = cache.current_generation()
        db.session.execute(text("UPDATE posts SET html = '<p>Jamais écrit</p>'"))
        db.session.rollback()
        assert cache.current_generation() == before
    assert "Jamais écrit" not in client.get(path).get_data(as_text=True)


def test_a_members_page_is_theirs_alone(app, client):
    _, path = thread_path(app)
    member = app.test_client()
    sign_in(app, member, username="ursule-doreuse")
    assert "ursule-doreuse" in member.get(path).get_data(as_text=True)
    other = app.test_client()
    sign_in(app, other, username="victor-verrier")

    assert "ursule-doreuse" not in client.get(path).get_data(as_text=True)
    page = other.get(path).get_data(as_text=True)
    assert "victor-verrier" in page and "ursule-doreuse" not in page


def test_a_members_read_marks_reach_their_cached_lists(app):
    member = app.test_client()
    sign_in(app, member)
    _, path = thread_path(app)  # written after the member joined: new to them
    assert "Nouveaux messages" in member.get("/topics/financement").get_data(as_text=True)
    member.get(path)  # marks it read, which does not bump the generation

    assert "Nouveaux messages" not in member.get("/topics/financement").get_data(as_text=True)


def test_opening_a_thread_leaves_the_others_cache_alone(app, client):
    _, path = thread_path(app)
    client.get(path)
    member = app.test_client()
    sign_in(app, member)
    with app.app_context():
        before = cache.current_generation()
    member.get(path)
    member.get(path)
    with app.app_context():
        assert cache.current_generation() == before


def test_no_consent_query_on_every_request(app):
    member = app.test_client()
    sign_in(app, member)
    member.get("/")
    with recording(app) as statements:
        assert member.get("/").status_code == 200

    assert not [s for s in statements if "consent" in s.sql.lower()], statements
    assert len(statements) <= 2, statements  # the session's device, then the cache's key


def tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def test_every_reader_gets_their_own_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    _, path = thread_path(app)
    first, second = app.test_client(), app.test_client()
    first_tokens = tokens(first.get(path).get_data(as_text=True))
    second_tokens = tokens(second.get(path).get_data(as_text=True))

    assert len(first_tokens) == 1 and len(second_tokens) == 1
    assert first_tokens != second_tokens
    for browser, token in ((first, first_tokens), (second, second_tokens)):
        response = browser.post("/locale", data={"locale": "en", "csrf_token": token.pop()})
        assert response.status_code == 302
    assert second.post("/locale", data={"locale": "fr", "csrf_token": "x"}).status_code == 400


def test_a_flashed_message_is_shown_not_cached_over(app, client):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Votre message est publié.")]

    assert "Votre message est publié." in client.get("/").get_data(as_text=True)
    assert "Votre message est publié." not in client.get("/").get_data(as_text=True)


def test_two_workers_agree_on_the_generation(app_factory, tmp_path):
    """Each gunicorn worker has its own cache; the generation in the database tells them."""
    url = BACKEND if IS_POSTGRES else f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = app_factory(SQLALCHEMY_DATABASE_URI=url), app_factory(SQLALCHEMY_DATABASE_URI=url)
    thread_id, path = thread_path(one)
    reader = one.test_client()
    assert "Ajout par l'autre" not in reader.get(path).get_data(as_text=True)
    with two.app_context():
        posting.reply(make_user(), posting.get_thread(thread_id), body="Ajout par l'autre")

    assert "Ajout par l'autre" in reader.get(path).get_data(as_text=True)


def test_pages_live_in_redis_when_redis_is_set(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    app.test_client_class = Client
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter("etabli:page:*"):
        store.delete(key)
    _, path = thread_path(app)
    client = app.test_client()
    first = client.get(path)

    assert first.status_code == 200 and list(store.scan_iter("etabli:page:*"))
    with recording(app) as statements:
        assert client.get(path).data == first.data
    assert len(statements) == 1


def test_the_cache_can_be_turned_off(app_factory):
    app = app_factory(PAGE_CACHE=False)
    _, path = thread_path(app)
    client = app.test_client()
    client.get(path)
    with recording(app) as statements:
        client.get(path)

    assert len(statements) > 1


def test_the_memory_store_keeps_to_its_budget():
    store = cache.MemoryStore(budget=8000)
    for n in range(10):
        store.set(str(n), b"x" * 900, ttl=60)

    assert store.used <= 8000
    assert store.get("0") is None and store.get("9") == b"x" * 900
    store.set("big", b"y" * 2000, ttl=60)  # more than an eighth of the budget: not kept
    assert store.get("big") is None
    store.set("gone", b"z", ttl=-1)
    assert store.get("gone") is None


def test_an_erasure_leaves_every_cached_page(app, client, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    thread_id, path = thread_path(app)
    with app.app_context():
        member = make_user(username="gaspard-graveur")
        posting.reply(member, posting.get_thread(thread_id), body="Mon expérience du dossier")
        member_id = member.id
    for page in (path, "/u/gaspard-graveur", "/search?q=experience"):
        assert "gaspard-graveur" in client.get(page).get_data(as_text=True)
    with app.app_context():
        erasure.schedule_erasure(
            db.session.get(User, member_id), password=PASSWORD, content="delete"
        )
        time_machine.shift(60 * 60 * 24 * 8)
        assert erasure.run_due_erasures()

    page = client.get(path).get_data(as_text=True)
    assert "gaspard-graveur" not in page and "Mon expérience" not in page
    assert client.get("/u/gaspard-graveur").status_code == 404
    assert "gaspard-graveur" not in client.get("/search?q=experience").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?utm=1", "?page=1&x=2", "?q=" + "b" * 600])
def test_made_up_addresses_are_not_kept(app, client, query):
    """Made-up parameters or huge addresses would crowd the real pages out of the cache."""
    _, path = thread_path(app)
    client.get(path + query)
    with recording(app) as statements:
        assert client.get(path + query).status_code in (200, 404)

    assert len(statements) > 1


def test_a_replayed_cookie_after_logout_gets_the_visitors_page(app):
    member = app.test_client()
    sign_in(app, member, username="odile-orfevre")
    _, path = thread_path(app)
    assert "odile-orfevre" in member.get(path).get_data(as_text=True)
    cookie = member.get_cookie("session").value
    with app.app_context():
        from forum.services import devices

        user = db.session.scalar(select(User).where(User.username == "odile-orfevre"))
        devices.end_other_sessions(user, keep=None)
        db.session.commit()
    replayed = app.test_client()
    replayed.set_cookie("session", cookie)

    assert "odile-orfevre" not in replayed.get(path).get_data(as_text=True)
