"""The page cache of the hot read pages, invalidated exactly by a generation number.

Every committed transaction that writes to the database — a post, an edit, a reaction, a
moderation decision, an erasure, a retention run, a command, a job — bumps the single row of
`cache_generation` inside that same transaction, whatever wrote it (the ORM, bulk SQL, a raw
connection): the bump is made by an engine event on the statements themselves, not by a list
of places to remember. A page is cached under the generation it was read at, so no page
rendered before a write is served after it; a page read at generation G holds data at least
as new as G (it is read after G), so it is never older than its key says.

The only writes that leave the generation alone are a member's read marks (`read_marks`,
written on every thread they open): what they change — that member's "new posts" markers —
are part of that member's own key (`_member_state`), read with the generation in one query.

What is cached: the body of a page as one viewer sees it, for the endpoints decorated with
`cached_page` — a visitor's page is shared by every visitor in that language; a member's page
is theirs alone. The CSRF token of the session that rendered it is replaced, when it is
served, by the reader's own. Redis holds the pages when REDIS_URL is set (shared by the
workers), an in-process LRU otherwise; either way the generation lives in the database, so
the workers agree on it without a message between them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine

from forum.extensions import autocommit_reads, db

__all__ = ["cached_page", "current_generation", "init_app"]

TABLE = "cache_generation"
# Written on every thread a member opens; their effect is in that member's own key.
PER_READER_TABLES = frozenset({"read_marks", TABLE, "alembic_version"})
# How long a page may stay at most, written or not (relative dates, settings changed by hand).
TTL_SECONDS = 300
TOKEN_PLACEHOLDER = b"\x00csrf\x00"
MIMETYPES = frozenset({"text/html", "application/atom+xml", "text/calendar"})
_WRITE = re.compile(
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)"?""",
    re.IGNORECASE,
)
_READ_ONLY = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SHOW", "SET ")
_DDL = ("CREATE", "ALTER", "DROP", "COMMENT", "ANALYZE", "VACUUM", "EXPLAIN", "REINDEX")
_BUMP = (
    f"INSERT INTO {TABLE} (id, value) VALUES (1, 1) "
    f"ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1"
)
# PostgreSQL: the bump and the check that the table is there yet, one round trip.
_BUMP_IF_THERE = f"DO $$ BEGIN IF to_regclass('{TABLE}') IS NOT NULL THEN {_BUMP}; END IF; END $$"
_DIRTY = "etabli_writes"


def writes_content(statement: str) -> bool:
    """Whether STATEMENT writes something a cached page may show (see the module's docstring).

    Anything that is not plainly a read or DDL counts as a write: an unknown statement costs
    a cache miss, never a stale page."""
    head = statement.lstrip()[:12].upper()
    if head.startswith(_READ_ONLY) or head.startswith(_DDL):
        return False
    match = _WRITE.match(statement)
    return match is None or match.group(1).lower() not in PER_READER_TABLES


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(
    conn: Connection, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    if not conn.info.get(_DIRTY) and writes_content(statement):
        conn.info[_DIRTY] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn: Connection) -> None:
    """Runs just before the DBAPI commit: the bump is part of the transaction it stands for."""
    if not conn.info.pop(_DIRTY, False):
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # Asked each time (a write is rare beside reads): migrations drop and build the schema.
        if conn.dialect.name == "postgresql":
            cursor.execute(_BUMP_IF_THERE)
        elif _table_exists(cursor):
            cursor.execute(_BUMP)
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn: Connection) -> None:
    conn.info.pop(_DIRTY, None)


def _table_exists(cursor: Any) -> bool:
    """Whether SQLite's generation table is there yet (not while migrations build it)."""
    cursor.execute(f"SELECT count(*) > 0 FROM sqlite_master WHERE name = '{TABLE}'")
    return bool(cursor.fetchone()[0])


_GENERATION = f"SELECT value FROM {TABLE} WHERE id = 1"


def current_generation() -> int:
    """The number of content writes committed so far (0 before the first).

    Read before the page is: what the page shows is never older than its key. In autocommit
    where it can be (`autocommit_reads`): a page served again to a visitor costs PostgreSQL
    one round trip.
    """
    with autocommit_reads() as connection:
        connection = connection or db.session.connection()
        return connection.exec_driver_sql(_GENERATION).scalar() or 0


class MemoryStore:
    """A least-recently-used map of pages for one process, bounded in bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self.used -= len(self._pages.pop(key)[1])
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def set(self, key: str, body: bytes, ttl: int) -> None:
        if len(body) > self.budget // 8:
            return
        with self._lock:
            former = self._pages.pop(key, None)
            if former is not None:
                self.used -= len(former[1])
            self._pages[key] = (time.monotonic() + ttl, body)
            self.used += len(body)
            while self.used > self.budget:
                self.used -= len(self._pages.popitem(last=False)[1][1])


class RedisStore:
    """Pages in Redis, shared by every worker; a Redis that fails is a miss, not an error."""

    def __init__(self, url: str) -> None:
        from redis import Redis, RedisError  # only where Redis is set (4 MB otherwise unused)

        self.redis = Redis.from_url(url, socket_timeout=0.5)
        self.errors = RedisError

    def get(self, key: str) -> bytes | None:
        try:
            return self.redis.get(f"etabli:page:{key}")  # type: ignore[return-value]
        except self.errors:
            return None

    def set(self, key: str, body: bytes, ttl: int) -> None:
        try:
            self.redis.set(f"etabli:page:{key}", body, ex=ttl)
        except self.errors:
            pass


def init_app(app: Flask) -> None:
    if not app.config["PAGE_CACHE"]:
        app.extensions["page_cache"] = None
    elif app.config["REDIS_URL"]:
        app.extensions["page_cache"] = RedisStore(app.config["REDIS_URL"])
    else:
        app.extensions["page_cache"] = MemoryStore(app.config["PAGE_CACHE_MB"] * 1024 * 1024)


@cache
def member_state_columns(member_id: Any) -> tuple[Any, ...]:
    """The generation and the read marks (behind the "new posts" markers) of the member whose
    id is the column MEMBER_ID, as columns: the session's lookup reads them in its statement
    (built once a column).

    Everything else of a member's a page shows — the header's counts of notices and messages,
    their blocks, bookmarks, reactions — changes only by a write that bumps the generation."""
    from forum.models import CacheGeneration, ReadMark

    generation = select(CacheGeneration.value).where(CacheGeneration.id == 1)
    marks = select(func.coalesce(func.sum(ReadMark.last_read_post_id), 0)).where(
        ReadMark.user_id == member_id
    )
    return generation.scalar_subquery(), marks.scalar_subquery()


def keep_member_state(values: tuple[Any, ...]) -> None:
    """VALUES of `member_state_columns`, read with this request's session: its pages' key."""
    g.member_state = tuple(value or 0 for value in values)


def _member_state(actor: Any) -> tuple[int, ...]:
    """ACTOR's state as the session's lookup read it, else read now (one query)."""
    kept = g.pop("member_state", None)
    if kept is not None:
        return kept
    from forum.models import User

    query = select(*member_state_columns(User.id)).where(User.id == actor.id)
    return tuple(value or 0 for value in db.session.execute(query).one())


def _key(actor: Any, *, shared: bool) -> str:
    if actor is None:
        state: tuple[int, ...] = (current_generation(),)
        viewer = "-"
    elif shared:  # the generation their session's lookup read: no second query
        state, viewer = _member_state(actor)[:1], "-"
    else:
        state = _member_state(actor)
        viewer = str(actor.id)
    g.page_state = state
    return f"{get_locale()}|{viewer}|{'.'.join(map(str, state))}|{request.full_path}"


def cached_page(view: Callable[..., Any] | None = None, *, shared: bool = False) -> Any:
    """Serve VIEW's page from the cache when nothing it may show has changed since; SHARED:
    the page is the same for every reader (a feed written for visitors)."""
    if view is None:
        return lambda view: cached_page(view, shared=shared)

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store = current_app.extensions.get("page_cache")
        if store is None or request.method != "GET" or not _worth_keeping():
            return view(*args, **kwargs)
        from forum.web import current_actor

        key = _key(current_actor(), shared=shared)
        entry = store.get(key)
        if entry is not None:
            return _served(entry)
        before = dict(session)
        response = current_app.make_response(view(*args, **kwargs))
        if _cacheable(response, before):
            store.set(key, _entry(response), TTL_SECONDS)
        return response

    return wrapper


# The parameters the cached pages read: an address with any other (or a very long one) is
# served without being kept, so that made-up addresses cannot crowd the real pages out.
PARAMETERS = frozenset(
    {"page", "q", "topic", "trade", "author", "since", "until", "solved", "edition", "stage"}
)
MAX_KEYED_PATH = 512


def _worth_keeping() -> bool:
    return (
        not session.get("_flashes")
        and len(request.full_path) <= MAX_KEYED_PATH
        and all(name in PARAMETERS for name in request.args)
    )


def _cacheable(response: Response, session_before: dict[str, Any]) -> bool:
    """A plain 200 HTML page whose view changed nothing in the session and set no cookie."""
    if response.status_code != 200 or response.mimetype not in MIMETYPES:
        return False
    if response.direct_passthrough or "Set-Cookie" in response.headers:
        return False
    after = dict(session)
    after.pop("csrf_token", None)
    session_before.pop("csrf_token", None)
    return after == session_before and not session.get("_flashes")


def _entry(response: Response) -> bytes:
    """The page as stored: its headers on one line (JSON), then its body without the token."""
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), TOKEN_PLACEHOLDER)
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in {"content-length", "set-cookie", "vary"}
    ]
    return json.dumps(headers).encode() + b"\n" + body


def _served(entry: bytes) -> Response:
    headers, body = entry.split(b"\n", 1)
    if TOKEN_PLACEHOLDER in body:
        body = body.replace(TOKEN_PLACEHOLDER, generate_csrf().encode())
    return Response(body, headers=json.loads(headers))
