"""Load a benchmark dataset into the forum's database through bulk SQL (issue #13).

    python bench/dataset.py --d1 /tmp/d1.json          # dataset D1 (../shared/bench/d1.py)
    python bench/dataset.py --scale 1m                 # 10,000 members, 1,000,000 posts
    python bench/dataset.py --scale small --reset      # a few seconds: the smoke test's size

The database is DATABASE_URL (SQLite file or PostgreSQL), or `--database-url`; the secrets
(DATA_KEYS, BLIND_INDEX_KEY) are the app's own, from the environment or the instance folder,
so that the app served afterwards reads what was loaded. The schema is built by the app's
migrations and `flask taxonomy load`; a database that already has threads is refused unless
`--reset` is given (which drops and rebuilds the whole schema).

What is written is what the services would have written: members with a verified address
(encrypted, with its blind index), one argon2 hash shared by all, the current terms and privacy
policy accepted; threads with their exact counters (posts, last post and poster) and topic and
trade counts; posts rendered by the app's Markdown pipeline with their `search_text` and
full-text index; each author following the threads they posted in and having read them up
to their last post there; reactions; a benchmark member with read and unread threads, follows
and unread notifications; guides and calendar events through the real services. Dates are
spread over the year before the anchor (D1's own, or the hour of the load).

Timings go to stderr; the last line on stdout is one JSON object of sample paths:
home, topic, topic_last_page, thread (10 posts), hot_thread, hot_thread_last_page, search,
profile, feed, guide, calendar, member {login, password}, reply_thread_id.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask, url_for
from sqlalchemy import Connection, bindparam, func, insert, inspect, select, text

from config import _database_url
from forum import create_app, documents, markup, pagination, search_index, slugs, usernames
from forum.extensions import db
from forum.models import (
    Follow,
    Guide,
    Notification,
    Post,
    Reaction,
    ReadMark,
    Role,
    Thread,
    Topic,
    Trade,
    User,
    thread_trades,
)
from forum.services import accounts, calendar, glossary, guides, taxonomy
from gdpr.models import ConsentEvent

BENCH_PASSWORD = "etabli-bench-2026!"
SEED = 13
# Generated threads are spread over every (topic, trade) pair of the reference taxonomy.
PLACES = 11 * 116
BATCH = 5_000
DAY = 86_400.0


@dataclass(frozen=True)
class Scale:
    members: int
    threads: int
    posts: int
    hot_posts: int
    bodies: int  # distinct post bodies, each rendered once


SCALES = {
    "small": Scale(members=60, threads=120, posts=1_500, hot_posts=120, bodies=150),
    "100k": Scale(members=2_000, threads=10_000, posts=100_000, hot_posts=5_000, bodies=2_000),
    "1m": Scale(members=10_000, threads=50_000, posts=1_000_000, hot_posts=20_000, bodies=4_000),
}


# --- the dataset, independent of the database ----------------------------------------------


@dataclass
class Member:
    username: str
    email: str
    joined: float  # POSIX seconds, UTC


@dataclass
class ThreadData:
    title: str
    place: int  # which topic (and trade) it belongs to, as an index
    posts: list[tuple[float, int, int]] = field(default_factory=list)  # (when, author, body)


@dataclass
class Dataset:
    anchor: float
    members: list[Member]  # index 0: the administrator
    threads: list[ThreadData]  # 0: the hot thread, 1: the 10-post thread
    bodies: list[str]
    search_word: str
    extra_trades: dict[int, list[int]] = field(default_factory=dict)  # thread -> trade indexes


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def read_d1(path: Path) -> Dataset:
    """D1's JSON (see ../shared/bench/d1.py `generate`): each post has its own body."""
    data = json.loads(path.read_text(encoding="utf-8"))
    members = [Member(u["username"], u["email"], _ts(u["joined"])) for u in data["users"]]
    bodies: list[str] = []
    threads = []
    for topic in data["topics"]:
        thread = ThreadData(title=topic["title"], place=topic["forum"])
        for post in topic["posts"]:
            thread.posts.append((_ts(post["date"]), post["author"], len(bodies)))
            bodies.append(post["body"])
        threads.append(thread)
    return Dataset(
        anchor=_ts(data["anchor"]),
        members=members,
        threads=threads,
        bodies=bodies,
        search_word="latence",
    )


WORDS = (
    "le la les un une des du de et ou mais donc car que qui dont où avec sans pour par sur "
    "dans entre vers chez depuis pendant je tu il elle nous vous on ce cela très assez trop "
    "bien mieux aussi encore déjà ensuite enfin alors ainsi concours candidat candidate jury "
    "épreuve épreuves qualificatives finales maquette dossier sujet atelier geste technique "
    "outil outils gabarit finition précision matière bois pierre métal verre cuir pâte four "
    "cuisson découpe assemblage tracé plan croquis dessin session inscription positionnement "
    "formation préparation entraînement heure heures semaine mois année temps délai conseil "
    "avis question réponse idée méthode erreur réussite échec patience rigueur passion métier "
    "maître apprenti compagnon lycée école centre financement région frais matériel achat "
    "faire voir dire prendre venir mettre pouvoir vouloir savoir falloir refaire montrer "
    "présenter préparer tester mesurer ajuster poncer polir souder tailler sculpter monter"
).split()
RARE_WORD = "marqueterie"  # in about 2 % of the bodies: what the sample search looks for


def _sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    r = rng.random()
    i = rng.randrange(len(words))
    if r < 0.25:
        words[i] = f"**{words[i]}**"
    elif r < 0.45:
        words[i] = f"*{words[i]}*"
    elif r < 0.52:
        words[i] = f"`{words[i]}`"
    elif r < 0.58:
        words[i] = f"[{words[i]}](https://example.org/{words[i]})"
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", " ?", " !"])


def _body(rng: random.Random, target: int = 320) -> str:
    parts: list[str] = []
    length = 0
    while length < target:
        r = rng.random()
        if r < 0.10 and parts:
            block = "\n".join(f"- {_sentence(rng, 3, 6)}" for _ in range(rng.randint(2, 3)))
        elif r < 0.16:
            block = "> " + _sentence(rng)
        else:
            block = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        parts.append(block)
        length += len(block) + 2
    if rng.random() < 0.02:
        parts.append(f"Quelqu'un a déjà préparé une {RARE_WORD} pour le concours ?")
    return "\n\n".join(parts)


def _title(rng: random.Random) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9)))
    return title[0].upper() + title[1:]


def _split(rng: random.Random, n: int, total: int) -> list[int]:
    """N lognormal post counts of at least 1 that sum to TOTAL exactly."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(n)]
    free, scale = total - n, sum(weights)
    counts = [1 + int(free * w / scale) for w in weights]
    for i in rng.sample(range(n), total - sum(counts)):
        counts[i] += 1
    return counts


def generate(scale: Scale, *, anchor: float, places: int = PLACES, seed: int = SEED) -> Dataset:
    """A dataset of SCALE, the same for the same seed and anchor."""
    rng = random.Random(seed)
    t0 = anchor - 365 * DAY
    members = [Member("admin", "admin@example.org", t0 - 400 * DAY)]
    width = max(4, len(str(scale.members)))
    for i in range(2, scale.members + 1):
        name = f"membre{i:0{width}d}"
        members.append(Member(name, f"{name}@example.org", t0 - rng.randint(0, 365) * DAY))
    bodies = [_body(rng) for _ in range(scale.bodies)]
    rest = scale.posts - scale.hot_posts - 10
    counts = [scale.hot_posts, 10] + _split(rng, scale.threads - 2, rest)
    starts = sorted(t0 + rng.uniform(0, 300 * DAY) for _ in range(scale.threads))
    starts[0], starts[1] = t0, t0 + DAY
    threads = []
    n = len(members)
    for k, count in enumerate(counts):
        title = (
            f"Le fil chaud : {scale.hot_posts} messages"
            if k == 0
            else "Une discussion de dix messages"
            if k == 1
            else _title(rng)
        )
        thread = ThreadData(title=title, place=0 if k < 2 else rng.randrange(places))
        span = anchor - starts[k]
        offsets = sorted(rng.uniform(0, span) for _ in range(count - 1))
        thread.posts.append((starts[k], rng.randrange(n), rng.randrange(scale.bodies)))
        thread.posts.extend(
            (starts[k] + off, rng.randrange(n), rng.randrange(scale.bodies)) for off in offsets
        )
        threads.append(thread)
    data = Dataset(
        anchor=anchor, members=members, threads=threads, bodies=bodies, search_word=RARE_WORD
    )
    # A third of the threads name a second trade, as members often do.
    data.extra_trades = {
        k: [rng.randrange(1000)] for k in range(2, len(threads)) if rng.random() < 0.33
    }
    return data


PROLIFIC_POSTS = 5000  # the member whose export and erasure the benchmark times


def prolific(dataset: Dataset, index: int = 2) -> str:
    """Make member INDEX the author of PROLIFIC_POSTS replies spread over the whole dataset
    (a third of the replies at most, for small sets), the same ones every time: their export
    and erasure are timed on a member of this size. Their name."""
    replies = [
        (k, position)
        for k, thread in enumerate(dataset.threads)
        for position in range(1, len(thread.posts))
    ]
    wanted = min(PROLIFIC_POSTS, len(replies) // 3)
    step = len(replies) / max(wanted, 1)
    for n in range(wanted):
        k, position = replies[int(n * step)]
        when, _author, body = dataset.threads[k].posts[position]
        dataset.threads[k].posts[position] = (when, index, body)
    return dataset.members[index].username


# --- rendering, in worker processes --------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(forms: dict[str, tuple[str, str]], names: dict[str, str]) -> None:
    _worker["terms"] = markup.Terms(forms)
    _worker["names"] = names


def _members(names: set[str]) -> dict[str, str]:
    """What `posting.render_post` links `@name` to: the members of the dataset (all verified)."""
    known = _worker["names"]
    return {name: known[usernames.key(name)] for name in names if usernames.key(name) in known}


def _render(sources: Sequence[str]) -> list[tuple[str, str, str]]:
    out = []
    for source in sources:
        html = markup.render(source, _members, _worker["terms"])
        plain = search_index.plain_text(html)
        out.append((html, plain, search_index.stemmed(plain)))
    return out


def render_all(
    bodies: Sequence[str], forms: dict[str, tuple[str, str]], names: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(html, search_text, stems) of each body, on every core."""
    chunks = [bodies[i : i + 500] for i in range(0, len(bodies), 500)]
    workers = min(os.cpu_count() or 1, max(len(chunks), 1))
    if workers <= 1 or len(bodies) < 2_000:
        _init_worker(forms, names)
        return [row for chunk in chunks for row in _render(chunk)]
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, context, _init_worker, (forms, names)) as pool:
        return [row for rendered in pool.map(_render, chunks) for row in rendered]


# --- loading ---------------------------------------------------------------------------------


class Refused(Exception):
    """The database already holds a forum: nothing was written."""


class Timer:
    def __init__(self, out) -> None:
        self.out = out
        self.start = self.last = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        begun = time.perf_counter()
        yield
        now = time.perf_counter()
        print(f"[dataset] {name:<28} {now - begun:7.2f} s", file=self.out, flush=True)

    def total(self) -> None:
        elapsed = time.perf_counter() - self.start
        print(f"[dataset] {'total':<28} {elapsed:7.2f} s", file=self.out, flush=True)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _chunks(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(connection: Connection, table, rows: Iterable[dict]) -> int:
    """Insert ROWS in batches (executemany); PostgreSQL: COPY, many times faster."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, rows)
    count = 0
    for batch in _chunks(rows):
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _copy(connection: Connection, table, rows: Iterable[dict]) -> int:
    """PostgreSQL's COPY of ROWS into TABLE, in the connection's transaction. The values
    are bound as SQLAlchemy would (enums by value, datetimes in UTC)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    columns = [table.c[name] for name in names]
    dialect = connection.dialect
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()
    count = 0
    with cursor.copy(statement) as copy:
        for row in itertools.chain([first], rows):
            copy.write_row(
                [
                    row[name] if process is None else process(row[name])
                    for name, process in zip(names, processors, strict=True)
                ]
            )
            count += 1
    return count


def reset_schema(app: Flask) -> None:
    """Drop every table (and the search index), so that the migrations start from nothing."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        return
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        rows = connection.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') "
            "AND name NOT LIKE 'sqlite_%'"
        ).all()
        for kind, name in rows:
            if kind == "trigger":
                connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        for kind, name in rows:
            if kind == "view":
                connection.exec_driver_sql(f'DROP VIEW IF EXISTS "{name}"')
        for kind, name in rows:
            # FTS5 shadow tables go with their virtual table.
            if kind == "table" and not any(
                name.startswith(f"{prefix}_") for prefix in ("post_search", "thread_search")
            ):
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")


def prepare_schema(app: Flask, *, reset: bool) -> None:
    """Migrations, reference data; refuses a database that already has threads."""
    if reset:
        reset_schema(app)
    flask_migrate.upgrade()
    existing = db.session.scalar(select(func.count()).select_from(Thread)) or 0
    if existing:
        raise Refused(
            f"The database already has {existing} threads: give --reset to drop everything "
            "and load the dataset anew."
        )
    taxonomy.load_reference()
    glossary.load_reference()
    db.session.commit()


def _places(dataset: Dataset, topics: list, trades: list) -> tuple[list[int], list[int]]:
    """The topic id and trade id of each place (D1's forums), round-robin."""
    count = max(thread.place for thread in dataset.threads) + 1
    return (
        [topics[i % len(topics)].id for i in range(count)],
        [trades[i % len(trades)].id for i in range(count)],
    )


def load(app: Flask, dataset: Dataset, *, reset: bool, out=sys.stderr) -> dict[str, Any]:
    """Write DATASET into APP's database; the sample paths of the benchmark."""
    timer = Timer(out)
    rng = random.Random(SEED + 1)
    with app.app_context():
        with timer.stage("schema (migrations)"):
            prepare_schema(app, reset=reset)
        dialect = db.engine.dialect.name
        topics = list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))
        trades = list(db.session.scalars(select(Trade).order_by(Trade.id)))
        topic_of_place, trade_of_place = _places(dataset, topics, trades)
        forms = dict(glossary.terms().forms)
        first_user = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        user_ids = list(range(first_user, first_user + len(dataset.members)))
        names = {usernames.key(m.username): m.username for m in dataset.members}
        db.session.remove()
        db.engine.dispose()  # nothing open across the fork of the renderers

        with timer.stage(f"render {len(dataset.bodies)} bodies"):
            rendered = render_all(dataset.bodies, forms, names)

        # Global chronological order of the posts gives their ids, as the site would.
        with timer.stage("order posts"):
            order = sorted(
                (when, k, position)
                for k, thread in enumerate(dataset.threads)
                for position, (when, _author, _body) in enumerate(thread.posts)
            )
            post_id: list[list[int]] = [[0] * len(t.posts) for t in dataset.threads]
            for number, (_when, k, position) in enumerate(order, start=1):
                post_id[k][position] = number
            thread_order = sorted(range(len(dataset.threads)), key=lambda k: post_id[k][0])
            thread_id = [0] * len(dataset.threads)
            for number, k in enumerate(thread_order, start=1):
                thread_id[k] = number

        last_post_at = [0.0] * len(dataset.members)
        for thread in dataset.threads:
            for when, author, _body in thread.posts:
                last_post_at[author] = max(last_post_at[author], when)
        bench = 1 if len(dataset.members) > 1 else 0  # the benchmark member's index
        bench_member = dataset.members[bench]
        # The benchmark member joined before every post: all of them can be new to them.
        joined = [member.joined for member in dataset.members]
        joined[bench] = min(joined[bench], dataset.anchor - 765 * DAY)

        with db.engine.connect() as connection:
            if dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
                connection.exec_driver_sql("PRAGMA cache_size=-200000")
            else:
                connection.exec_driver_sql("SET synchronous_commit TO OFF")

            with timer.stage(f"users ({len(dataset.members)})"):
                password_hash = accounts.hasher().hash(BENCH_PASSWORD)
                vault = accounts.vault()
                anchor = dataset.anchor

                def users() -> Iterator[dict]:
                    for i, member in enumerate(dataset.members):
                        seen = max(last_post_at[i], anchor - rng.uniform(0, 30) * DAY)
                        yield {
                            "id": user_ids[i],
                            "username": member.username,
                            "username_key": usernames.key(member.username),
                            "email_encrypted": vault.encrypt(member.email),
                            "email_hash": vault.blind_index(member.email.casefold()),
                            "password_hash": password_hash,
                            "role": Role.ADMIN if i == 0 else Role.MEMBER,
                            "created_at": _at(joined[i]),
                            "email_verified_at": _at(joined[i] + 600),
                            "last_login_at": _at(min(seen, anchor)),
                        }

                _bulk(connection, User.__table__, users())
                policies = [
                    (purpose, documents.get(name, "fr"))
                    for purpose, name in (("terms", "terms"), ("privacy_policy", "privacy"))
                ]
                _bulk(
                    connection,
                    ConsentEvent.__table__,
                    (
                        {
                            "subject_ref": str(user_ids[i]),
                            "purpose": purpose,
                            "given": True,
                            "via": "register-form",
                            "document_version": document.version,
                            "text_hash": document.text_hash,
                            "at": _at(joined[i] + 1),
                            "subject_ended_at": None,
                        }
                        for i in range(len(dataset.members))
                        for purpose, document in policies
                    ),
                )
                connection.commit()

            with timer.stage(f"threads ({len(dataset.threads)})"):
                topic_counts: dict[int, int] = {}
                trade_counts: dict[int, int] = {}

                def threads() -> Iterator[dict]:
                    for k in thread_order:
                        thread = dataset.threads[k]
                        first, last = thread.posts[0], thread.posts[-1]
                        title = " ".join(thread.title.split())[:150]
                        if len(title) < 5:
                            title = f"{title} (discussion)"
                        topic_id = topic_of_place[thread.place]
                        topic_counts[topic_id] = topic_counts.get(topic_id, 0) + 1
                        yield {
                            "id": thread_id[k],
                            "title": title,
                            "slug": slugs.slugify(title) or "discussion",
                            "topic_id": topic_id,
                            "author_id": user_ids[first[1]],
                            "created_at": _at(first[0]),
                            "post_count": len(thread.posts),
                            "last_posted_at": _at(last[0]),
                            "last_poster_id": user_ids[last[1]],
                            "is_pinned": False,
                            "is_locked": False,
                            "pending_at": None,
                            "pending_count": 0,
                        }

                def links() -> Iterator[dict]:
                    for k in thread_order:
                        chosen = {trade_of_place[dataset.threads[k].place]}
                        for extra in dataset.extra_trades.get(k, []):
                            chosen.add(trades[extra % len(trades)].id)
                        for trade_id in sorted(chosen):
                            trade_counts[trade_id] = trade_counts.get(trade_id, 0) + 1
                            yield {"thread_id": thread_id[k], "trade_id": trade_id}

                _bulk(connection, Thread.__table__, threads())
                _bulk(connection, thread_trades, links())
                for table, counts in (
                    (Topic.__table__, topic_counts),
                    (Trade.__table__, trade_counts),
                ):
                    connection.execute(
                        table.update()
                        .where(table.c.id == bindparam("key"))
                        .values(thread_count=table.c.thread_count + bindparam("n")),
                        [{"key": key, "n": n} for key, n in counts.items()],
                    )
                connection.commit()

            with timer.stage(f"posts ({len(order)})"):
                # SQLite: the index trigger stems every row; the stems of each distinct body
                # are known, so the index is written beside the posts instead.
                if dialect == "sqlite":
                    connection.exec_driver_sql("DROP TRIGGER IF EXISTS post_search_insert")
                else:  # PostgreSQL: one build of the text index beats a million updates of it
                    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_posts_search")

                def posts() -> Iterator[dict]:
                    for when, k, position in order:
                        _when, author, body = dataset.threads[k].posts[position]
                        html, plain, _stems = rendered[body]
                        yield {
                            "id": post_id[k][position],
                            "thread_id": thread_id[k],
                            "author_id": user_ids[author],
                            "source": dataset.bodies[body],
                            "html": html,
                            "search_text": plain,
                            "created_at": _at(when),
                            "edited_at": None,
                            "deleted_at": None,
                            "quoted_post_id": None,
                            "hidden_at": None,
                            "pending_at": None,
                            "version": 1,
                        }

                _bulk(connection, Post.__table__, posts())
                if dialect == "sqlite":
                    index = text("INSERT INTO post_search(rowid, body) VALUES (:id, :body)")
                    for batch in _chunks(
                        {
                            "id": post_id[k][position],
                            "body": rendered[dataset.threads[k].posts[position][2]][2],
                        }
                        for _when, k, position in order
                    ):
                        connection.execute(index, batch)

                    for statement in search_index.statements("sqlite", "posts"):
                        connection.exec_driver_sql(statement)
                else:
                    connection.exec_driver_sql("SET maintenance_work_mem TO '512MB'")
                    for statement in search_index.statements("postgresql", "posts"):
                        connection.exec_driver_sql(statement)
                connection.commit()

            with timer.stage("follows and read marks"):
                # Posting follows the thread (follow_on_post) and the page it leads to marks
                # it read up to the new post: each author, their last post in each thread.
                # (member, thread) -> [when they first posted there, their last post's position]
                mine: dict[tuple[int, int], list] = {}
                for k, thread in enumerate(dataset.threads):
                    for position, (when, author, _body) in enumerate(thread.posts):
                        mine.setdefault((author, k), [when, position])[1] = position
                marks = {key: last for key, (_first, last) in mine.items()}
                # The benchmark member: read some threads through, stopped halfway in others.
                recent = sorted(
                    range(len(dataset.threads)),
                    key=lambda k: dataset.threads[k].posts[-1][0],
                    reverse=True,
                )[:60]
                # (Never before their own last post there: they saw it.)
                chosen = {k: len(dataset.threads[k].posts) // 2 for k in recent[1::3] + [0]}
                chosen |= {k: len(dataset.threads[k].posts) - 1 for k in recent[::3] + [1]}
                for k, position in chosen.items():
                    marks[(bench, k)] = max(marks.get((bench, k), -1), position)
                for k in (0, 1):  # and follows both sample threads
                    mine.setdefault((bench, k), [dataset.threads[k].posts[0][0], -1])

                def read_marks() -> Iterator[dict]:
                    for (member, k), position in sorted(marks.items()):
                        when = dataset.threads[k].posts[position][0]
                        if when <= joined[member]:
                            continue  # older than the account: counts as read anyway
                        yield {
                            "user_id": user_ids[member],
                            "thread_id": thread_id[k],
                            "last_read_post_id": post_id[k][position],
                            "read_up_to": _at(when),
                        }

                def follow(member: int, when: float, **target: int) -> dict:
                    row = dict.fromkeys(("thread_id", "topic_id", "trade_id", "guide_id"))
                    return row | {
                        "event_id": None,
                        "user_id": user_ids[member],
                        "active": True,
                        "created_at": _at(when),
                        **target,
                    }

                def follows() -> Iterator[dict]:
                    for (member, k), (first, _last) in sorted(mine.items()):
                        yield follow(member, first, thread_id=thread_id[k])
                    followed_at = dataset.anchor - 300 * DAY
                    yield follow(bench, followed_at, topic_id=topics[0].id)
                    yield follow(bench, followed_at, topic_id=topics[1].id)
                    yield follow(bench, followed_at, trade_id=trade_of_place[0])

                _bulk(connection, ReadMark.__table__, read_marks())
                _bulk(connection, Follow.__table__, follows())
                connection.commit()

            with timer.stage("reactions and notices"):
                kinds = ("merci", "utile")
                seen: set[tuple[int, int, str]] = set()
                reactions: list[dict] = []
                reacted: dict[tuple[int, int], list[float]] = {}  # (thread, position) -> times
                n_members = len(dataset.members)
                for k, thread in enumerate(dataset.threads):
                    for position, (when, author, _body) in enumerate(thread.posts):
                        chance = 0.3 if author == bench else 0.05
                        if n_members < 2 or rng.random() >= chance:
                            continue
                        for _ in range(rng.randint(1, 3)):
                            who = rng.randrange(n_members)
                            kind = rng.choice(kinds)
                            key = (who, post_id[k][position], kind)
                            if who == author or key in seen:
                                continue
                            seen.add(key)
                            at = min(when + rng.uniform(60, 3 * DAY), dataset.anchor)
                            reactions.append(
                                {
                                    "user_id": user_ids[who],
                                    "post_id": post_id[k][position],
                                    "kind": kind,
                                    "created_at": _at(at),
                                }
                            )
                            if author == bench:
                                reacted.setdefault((k, position), []).append(at)
                _bulk(connection, Reaction.__table__, reactions)

                # The benchmark member's notices: replies in the threads they follow after
                # their last post there (grouped while unread), reactions to their posts.
                notices = []
                for (member, k), (_first, last) in mine.items():
                    if member != bench or last < 0:
                        continue
                    later = dataset.threads[k].posts[last + 1 :]
                    later = [p for p in later if p[1] != bench]
                    if not later:
                        continue
                    notices.append(
                        {
                            "kind": "reply",
                            "post_id": post_id[k][last + 1],
                            "thread_id": thread_id[k],
                            "count": len(later),
                            "at": later[-1][0],
                        }
                    )
                for (k, position), times in reacted.items():
                    notices.append(
                        {
                            "kind": "reaction",
                            "post_id": post_id[k][position],
                            "thread_id": None,
                            "count": len(times),
                            "at": max(times),
                        }
                    )
                notices.sort(key=lambda notice: notice["at"], reverse=True)
                _bulk(
                    connection,
                    Notification.__table__,
                    (
                        {
                            "user_id": user_ids[bench],
                            "kind": notice["kind"],
                            "action_id": None,
                            "post_id": notice["post_id"],
                            "thread_id": notice["thread_id"],
                            "conversation_id": None,
                            "guide_id": None,
                            "event_id": None,
                            "detail": None,
                            "count": notice["count"],
                            "created_at": _at(notice["at"]),
                            # The five latest are still unread.
                            "read_at": None if n < 5 else _at(notice["at"] + 3600),
                            "emailed_at": None,
                        }
                        for n, notice in enumerate(notices[:200])
                    ),
                )
                connection.commit()

            with timer.stage("sequences and statistics"):
                if dialect == "postgresql":
                    for table in (
                        "users",
                        "threads",
                        "posts",
                        "follows",
                        "reactions",
                        "notifications",
                        "gdpr_consent_events",
                    ):
                        connection.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
                    connection.commit()
                    connection.exec_driver_sql("ANALYZE")
                else:
                    connection.exec_driver_sql("ANALYZE")
                # The page cache's generation never goes back to a number it had before a
                # --reset (a server still running would serve its old pages for it).
                if "cache_generation" in inspect(connection).get_table_names():
                    connection.execute(
                        text("UPDATE cache_generation SET value = :now WHERE value < :now"),
                        {"now": time.time_ns() // 1000},
                    )
                connection.commit()

        with timer.stage("guides and calendar (services)"):
            guide = make_guides(dataset, user_ids, topics, trades, rng)
            make_events(user_ids[0], dataset.anchor, trades)

        with timer.stage("sample paths"):
            samples = sample_paths(app, dataset, thread_id, user_ids, bench_member, guide)
    timer.total()
    return samples


def make_guides(dataset: Dataset, user_ids: list[int], topics, trades, rng) -> int:
    """Twenty guides of two versions each, through the service; the first guide's id."""
    writers = [db.session.get(User, user_id) for user_id in user_ids[1:21]] or [
        db.session.get(User, user_ids[0])
    ]
    writers = [writer for writer in writers if guides.can_write(writer)] or [
        db.session.get(User, user_ids[0])
    ]
    ids = []
    for n in range(20):
        title = f"Fiche pratique {n + 1} : {_title(rng).lower()}"[:150]
        first = "## Ce qu'il faut savoir\n\n" + _body(rng, 600)
        guide = guides.create_guide(
            writers[n % len(writers)],
            title=title,
            body=first,
            summary="Création",
            topic_id=topics[n % len(topics)].id,
            trade_id=trades[n % len(trades)].id if n % 2 else None,
        )
        guides.edit_guide(
            writers[(n + 1) % len(writers)],
            guide,
            title=title,
            body=first + "\n\n## Pour aller plus loin\n\n" + _body(rng, 300),
            summary="Compléments",
            topic_id=guide.topic_id,
            trade_id=guide.trade_id,
        )
        ids.append(guide.id)
        when = dataset.anchor - (200 - 9 * n) * DAY
        guide = db.session.get(Guide, guide.id)
        for number, revision in enumerate(guides.list_revisions(guide)[::-1]):
            revision.created_at = _at(when + number * 20 * DAY)
        guide.created_at = _at(when)
        guide.updated_at = _at(when + 20 * DAY)
        db.session.commit()
    return ids[0]


def make_events(admin_id: int, anchor: float, trades) -> None:
    """Thirty calendar dates, proposed by the administrator (published at once)."""
    admin = db.session.get(User, admin_id)
    stages = [slug for slug, _name in calendar.list_stages()]
    today = datetime.now(UTC).date()
    for n in range(30):
        day = today + timedelta(days=-60 + 13 * n)
        milestone = n % 3 == 0
        calendar.propose(
            admin,
            calendar.Draft(
                title=(
                    f"Étape {n + 1} du concours"
                    if milestone
                    else f"Rencontre de préparation {n + 1}"
                ),
                kind=calendar.MILESTONE if milestone else calendar.MEETUP,
                stage=stages[n % len(stages)] if milestone else "",
                edition=28,
                trades=[trades[n % len(trades)].slug] if n % 2 else [],
                starts_on=day.isoformat(),
                starts_time="" if milestone else "18:30",
                all_day=milestone,
                place="Lycée des métiers, Lyon" if n % 4 else "",
                url="" if n % 4 else "https://visio.example.org/preparation",
                description="Préparer ensemble les **épreuves** : venez avec vos questions.",
            ),
        )


def sample_paths(
    app: Flask, dataset: Dataset, thread_id: list[int], user_ids, member: Member, guide_id: int
) -> dict[str, Any]:
    """The benchmark's pages, as the app spells their addresses."""

    def last_page(total: int) -> int:
        return max(1, math.ceil(total / pagination.PAGE_SIZE))

    hot = db.session.get(Thread, thread_id[0])
    small = db.session.get(Thread, thread_id[1])
    topic = db.session.get(Topic, hot.topic_id)
    guide = db.session.get(Guide, guide_id)
    # A thread of ordinary size for the replies: neither of the sample threads.
    reply = next(
        (
            thread_id[k]
            for k in range(2, len(thread_id))
            if 5 <= len(dataset.threads[k].posts) <= 30
        ),
        thread_id[min(2, len(thread_id) - 1)],
    )
    with app.test_request_context():
        return {
            "home": url_for("main.home"),
            "topic": url_for("forum.topic", slug=topic.slug),
            "topic_last_page": url_for(
                "forum.topic", slug=topic.slug, page=last_page(topic.thread_count)
            ),
            "thread": url_for("forum.thread", thread_id=small.id, slug=small.slug),
            "hot_thread": url_for("forum.thread", thread_id=hot.id, slug=hot.slug),
            "hot_thread_last_page": url_for(
                "forum.thread", thread_id=hot.id, slug=hot.slug, page=last_page(hot.post_count)
            ),
            "search": url_for("forum.search", q=dataset.search_word),
            "profile": url_for("forum.profile", username=member.username),
            "feed": url_for("forum.latest_feed"),
            "guide": url_for("guides.show", guide_id=guide.id, slug=guide.slug),
            "calendar": url_for("calendar.index"),
            "member": {"login": member.username, "password": BENCH_PASSWORD},
            "reply_thread_id": reply,
        }


# --- command line ---------------------------------------------------------------------------


def build_app(database_url: str | None, config: dict[str, Any] | None = None) -> Flask:
    overrides = dict(config or {})
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = _database_url(database_url)
    return create_app(overrides)


def main(argv: Sequence[str] | None = None, *, config: dict[str, Any] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--d1", type=Path, help="D1's JSON (../shared/bench/d1.py --out FILE)")
    source.add_argument("--scale", choices=sorted(SCALES), help="generate a dataset this size")
    parser.add_argument("--database-url", help="instead of DATABASE_URL")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the schema first")
    args = parser.parse_args(argv)

    begun = time.perf_counter()
    app = build_app(args.database_url, config)
    if args.d1:
        dataset = read_d1(args.d1)
    else:
        anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0).timestamp()
        dataset = generate(SCALES[args.scale], anchor=anchor)
    print(
        f"[dataset] {'read/generate':<28} {time.perf_counter() - begun:7.2f} s",
        file=sys.stderr,
        flush=True,
    )
    prolific(dataset)
    try:
        samples = load(app, dataset, reset=args.reset)
    except Refused as error:
        print(f"dataset: {error}", file=sys.stderr)
        return 2
    print(json.dumps(samples, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
