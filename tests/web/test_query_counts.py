"""Pages run a bounded number of SQL statements, whatever the amount of data (no N+1)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from forum.extensions import db
from forum.models import Role
from forum.services import posting
from tests.factories import make_taxonomy, make_thread, make_user

# Measured (5, 6, 7 and 5), with a little room: a lazy load in a loop breaks these at once.
LIMITS = {"/": 8, "/topics/financement": 9, "/trades/boulangerie?topic=financement": 10}
# 8, and one each for the reader's bookmarks, the reactions and the photos of the page's
# posts, whether the reader follows the thread, and their unread private messages (header).
THREAD_LIMIT = 13


@contextmanager
def counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def busy_forum(app):
    """25 threads by 25 authors, with trades, and a thread of 30 posts by 30 authors."""
    with app.app_context():
        make_taxonomy()
        for n in range(25):
            author = make_user(role=Role.COET_STAFF if n % 5 == 0 else Role.MEMBER)
            make_thread(
                author=author, trades=("boulangerie", "glacier"), title=f"Discussion {n:02d}"
            )
        thread = make_thread(trades=("boulangerie",))
        for _ in range(29):
            posting.reply(make_user(), thread, body="Réponse avec **Markdown**")
        return f"/t/{thread.id}-{thread.slug}"


@pytest.mark.parametrize(("path", "limit"), LIMITS.items())
def test_list_pages_run_a_bounded_number_of_queries(app, client, busy_forum, path, limit):
    with counting(app) as statements:
        response = client.get(path)

    assert response.status_code == 200
    assert len(statements) <= limit, statements


def test_a_thread_page_runs_a_bounded_number_of_queries(app, client, busy_forum, login_as):
    login_as()
    with counting(app) as statements:
        response = client.get(busy_forum)

    assert (
        response.status_code == 200 and response.get_data(as_text=True).count('class="post"') == 20
    )
    assert len(statements) <= THREAD_LIMIT, statements


# Search (25 titles of 25 authors), the feed (50 posts) and the directory: no lazy load a row.
ROW_PAGES = {"/search?q=discussion": 9, "/feeds/latest.atom": 4, "/search?q=reponse": 9}


@pytest.mark.parametrize(("path", "limit"), ROW_PAGES.items())
def test_pages_of_results_run_a_bounded_number_of_queries(app, client, busy_forum, path, limit):
    with counting(app) as statements:
        response = client.get(path)

    assert response.status_code == 200
    assert len(statements) <= limit, len(statements)
