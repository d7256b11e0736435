"""Pages run a bounded number of SQL statements, whatever the amount of data (no N+1)."""

import re

import pytest

from forum.extensions import db
from forum.models import Role
from forum.services import posting
from tests.factories import make_taxonomy, make_thread, make_user
from tests.sql import recording

# A first visit, rendered (the page cache's generation is one of them): measured (6, 7, 8
# and 6), with a little room: a lazy load in a loop breaks these at once.
LIMITS = {"/": 9, "/topics/financement": 10, "/trades/boulangerie?topic=financement": 11}
# 9, and one each for the reader's bookmarks, the reactions and the photos of the page's
# posts, whether the reader follows the thread, and their unread private messages (header).
THREAD_LIMIT = 14


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
    with recording(app) as statements:
        response = client.get(path)

    assert response.status_code == 200
    assert len(statements) <= limit, statements


def test_a_thread_page_runs_a_bounded_number_of_queries(app, client, busy_forum, login_as):
    login_as()
    with recording(app) as statements:
        response = client.get(busy_forum)

    assert (
        response.status_code == 200 and response.get_data(as_text=True).count('class="post"') == 20
    )
    assert len(statements) <= THREAD_LIMIT, statements


# Search (25 titles of 25 authors), the feed (50 posts) and the directory: no lazy load a row.
ROW_PAGES = {"/search?q=discussion": 10, "/feeds/latest.atom": 5, "/search?q=reponse": 10}


@pytest.mark.parametrize(("path", "limit"), ROW_PAGES.items())
def test_pages_of_results_run_a_bounded_number_of_queries(app, client, busy_forum, path, limit):
    with recording(app) as statements:
        response = client.get(path)

    assert response.status_code == 200
    assert len(statements) <= limit, len(statements)


def test_the_count_does_not_grow_with_the_rows_shown(app, client, busy_forum):
    """The same pages with 5 threads and with 26, a thread of 5 posts and one of 20: the
    statements are the same in number."""
    counts = {}
    for label in ("small", "large"):
        with recording(app) as statements:
            assert client.get(f"/?{label}").status_code == 200
            assert client.get(f"{busy_forum}?{label}").status_code == 200
        counts[label] = len(statements)
        if label == "small":
            with app.app_context():
                thread = posting.get_thread(int(busy_forum.split("/t/")[1].split("-")[0]))
                for n in range(10):
                    make_thread(title=f"Encore une discussion {n}")
                for _ in range(5):
                    posting.reply(make_user(), thread, body="Une de plus")

    assert counts["small"] == counts["large"]


# Served again while nothing changed: a visitor's page costs the generation alone, a
# member's the session's device, then the generation and their read marks in one statement.
HOT_PAGES = ["/", "/topics/financement", "/trades/boulangerie", "/search?q=discussion"]


@pytest.mark.parametrize("path", HOT_PAGES)
def test_a_page_served_again_runs_one_statement(app, client, busy_forum, path):
    client.get(path)
    with recording(app) as statements:
        assert client.get(path).status_code == 200

    assert len(statements) == 1, statements


@pytest.mark.parametrize("path", [*HOT_PAGES, "thread", "/feeds/latest.atom"])
def test_a_members_page_served_again_runs_one_statement(app, client, busy_forum, login_as, path):
    """The session's device, the generation and the member's read marks: one statement."""
    login_as()
    path = busy_forum if path == "thread" else path
    client.get(path)
    with recording(app) as statements:
        assert client.get(path).status_code == 200

    assert len(statements) == 1, statements


@pytest.fixture
def member_with_posts(app):
    """A member with 12 posts in 12 threads: their profile lists the latest."""
    with app.app_context():
        make_taxonomy()
        author = make_user(username="pauline-plumassiere")
        for n in range(12):
            make_thread(author=author, title=f"Question {n:02d}")
    return "/u/pauline-plumassiere"


def test_a_profile_runs_a_bounded_number_of_queries(app, client, member_with_posts):
    with recording(app) as statements:
        response = client.get(member_with_posts)

    assert response.status_code == 200 and response.get_data(as_text=True).count("Question") >= 10
    assert len(statements) <= 10, statements


# The statements of the hot pages that read posts or threads, as PostgreSQL plans them with
# sequential scans ruled out where an index can serve: a plan that still scans a whole table
# has no index to use, which on a million posts is a page that takes seconds.
EXPLAINED = [
    "/",
    "/topics/financement",
    "/trades/boulangerie?topic=financement",
    "/feeds/latest.atom",
]


@pytest.mark.postgres_only
def test_the_hot_queries_use_indexes(app, client, busy_forum, login_as):
    login_as()
    with recording(app) as statements:
        for path in [*EXPLAINED, busy_forum, f"{busy_forum}?page=2", "/search?q=discussion"]:
            assert client.get(path).status_code == 200
    scans, explained = [], 0
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if " posts" not in statement and " threads" not in statement:
                continue
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            explained += 1
            text = "\n".join(row[0] for row in plan)
            if re.search(r"Seq Scan on (posts|threads)\b", text):
                scans.append(f"{statement}\n{text}")
        db.session.rollback()

    assert explained >= 10 and scans == [], "\n\n".join(scans)


# The session's device, the thread, the glossary, its followers and the author's follow, their
# channels and blocks; the thread's counters (the reply's page with them), the post, who sent
# it from where (LCEN), the followers' grouped notices bumped. Measured 9 on both engines.
REPLY_LIMIT = 9


def test_a_reply_runs_a_bounded_number_of_statements(app, client, busy_forum, login_as):
    """The second reply of a member to a thread of 30 posts and 30 followers, as sent from
    its form, and the page it is sent to: the same statements whatever the followers."""
    login_as()
    path = busy_forum.split("-")[0]
    assert client.post(path, data={"body": "Une première réponse."}).status_code == 302
    with recording(app) as statements:
        sent = client.post(path, data={"body": "Merci, une seconde."})
    page = client.get(sent.headers["Location"])

    assert sent.status_code == 302 and "?page=2#p" in sent.headers["Location"]
    assert "Merci, une seconde." in page.get_data(as_text=True)
    writes = [s.sql for s in statements if not s.sql.lstrip().upper().startswith("SELECT")]
    assert len(statements) <= REPLY_LIMIT, [s.sql[:80] for s in statements]
    assert sum(w.lstrip().upper().startswith("INSERT INTO POSTS") for w in writes) == 1
