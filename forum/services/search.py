"""Search: thread titles and posts, French-aware, only what the searcher may read.

One interface over two engines (forum/search_index.py): SQLite's FTS5 tables, PostgreSQL's
text search. Results are ranked title matches first, then relevance, then recency; each comes
with an excerpt where the words found are marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import column, exists, func, literal, literal_column, select, table, union_all
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.expression import TableClause

from forum import pagination, policy, search_index
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Guide, Post, Thread, Topic, Trade, User, thread_trades
from forum.services import guides, profiles, taxonomy

MAX_QUERY = 200  # characters: a question, not a document
MAX_WORDS = 12
EXCERPT = 220  # characters around the first word found
EXCERPT_SCAN = 20_000  # where to stop looking for it


@dataclass(frozen=True)
class Filters:
    topic: Topic | None = None
    trade: Trade | None = None
    author: User | None = None
    since: date | None = None
    until: date | None = None

    @property
    def any(self) -> bool:
        return any((self.topic, self.trade, self.author, self.since, self.until))


@dataclass(frozen=True)
class Hit:
    """One result: a thread found by its title, or a post found by its text."""

    thread: Thread
    post: Post | None
    title_match: bool
    excerpt: Markup


@dataclass(frozen=True)
class Results:
    query: str
    words: list[str]
    page: pagination.Page[Hit]
    filters: Filters
    suggestions: list[str] = field(default_factory=list)
    # The practical guides holding every word (first page only): knowledge before threads.
    guides: list[Guide] = field(default_factory=list)


def parse_filters(
    *, topic: str = "", trade: str = "", author: str = "", since: str = "", until: str = ""
) -> Filters:
    """The filters of a search from the query string; a French message for each bad one."""
    found_topic = taxonomy.get_topic(topic) if topic else None
    found_trade = taxonomy.get_trade(trade) if trade else None
    found_author = profiles.get_member(author.strip().removeprefix("@")) if author else None
    dates = {}
    problems: dict[str, str | None] = {
        "topic": _("Cette rubrique n'existe pas.") if topic and not found_topic else None,
        "trade": _("Ce métier n'existe pas.") if trade and not found_trade else None,
        "author": _("Aucun membre ne porte ce nom.") if author and not found_author else None,
    }
    for name, raw in (("since", since), ("until", until)):
        try:
            dates[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            dates[name] = None
            problems[name] = _("Donnez une date comme 2026-03-31.")
    error = InvalidInput.collect(problems)
    if error:
        raise error
    return Filters(found_topic, found_trade, found_author, dates["since"], dates["until"])


def query_words(query: str) -> list[str]:
    """The words of QUERY that carry meaning; a French message when there is nothing to look
    for or too much."""
    query = query.replace("\x00", " ")
    if len(query) > MAX_QUERY:
        raise InvalidInput(
            "q", _("Votre recherche est trop longue : %(max)d caractères au plus.", max=MAX_QUERY)
        )
    found = list(dict.fromkeys(search_index.words(query)))
    if not found:
        raise InvalidInput(
            "q", _("Tapez au moins un mot à chercher (pas seulement « le », « de »…).")
        )
    if len(found) > MAX_WORDS:
        raise InvalidInput("q", _("Cherchez %(max)d mots au plus.", max=MAX_WORDS))
    return found


def search(actor: User | None, query: str, filters: Filters, *, page: int = 1) -> Results:
    """The page PAGE of what ACTOR may read that matches every word of QUERY."""
    found = query_words(query)
    engine = _Sqlite(found) if db.engine.dialect.name == "sqlite" else _Postgres(found)
    their_thread = aliased(Thread)  # the policy's filter has its own, correlated
    titles = _hits("thread", Thread, engine.thread_score(), title_match=True).select_from(
        engine.thread_source()
    )
    titles = titles.where(
        engine.thread_matches(),
        policy.searchable_threads(actor),
        *_common(filters, Thread, Thread.created_at, Thread.author_id),
    )
    posts = _hits("post", Post, engine.post_score(), title_match=False).select_from(
        engine.post_source()
    )
    posts = posts.join(their_thread, their_thread.id == Post.thread_id).where(
        engine.post_matches(),
        policy.visible_posts(actor),
        *_common(filters, their_thread, Post.created_at, Post.author_id),
    )
    hits = union_all(titles, posts).subquery()
    total = db.session.scalar(select(func.count()).select_from(hits)) or 0
    number = pagination.check(page, total)
    rows = db.session.execute(
        select(hits.c.kind, hits.c.id, hits.c.title_match)
        .order_by(hits.c.title_match.desc(), hits.c.score.desc(), hits.c.at.desc(), hits.c.id)
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
    ).all()
    items = _load(actor, rows, found)
    suggestions = [] if total else _suggestions(found, filters)
    found_guides = (
        guides.found_guides(actor, found, topic=filters.topic, trade=filters.trade)
        if number == 1 and not (filters.author or filters.since or filters.until)
        else []
    )
    return Results(
        query,
        found,
        pagination.Page(items=items, number=number, total=total),
        filters,
        suggestions,
        found_guides,
    )


def _hits(kind: str, model, score, *, title_match: bool):
    """The columns every part of the search gives: what, which, found by its title, how well,
    when written."""
    return select(
        literal(kind).label("kind"),
        model.id.label("id"),
        literal(int(title_match)).label("title_match"),
        score.label("score"),
        model.created_at.label("at"),
    )


def _common(filters: Filters, thread, created_at, author_id) -> list:
    """FILTERS as conditions on THREAD (the thread entity of the query) and the dates and
    authors of what is found."""
    conditions = []
    if filters.topic:
        conditions.append(thread.topic_id == filters.topic.id)
    if filters.trade:
        conditions.append(
            exists().where(
                thread_trades.c.thread_id == thread.id, thread_trades.c.trade_id == filters.trade.id
            )
        )
    if filters.author:
        conditions.append(author_id == filters.author.id)
    if filters.since:
        conditions.append(created_at >= datetime.combine(filters.since, time.min, tzinfo=UTC))
    if filters.until:  # the whole day (and no day after 9999-12-31 to compute)
        conditions.append(created_at <= datetime.combine(filters.until, time.max, tzinfo=UTC))
    return conditions


class _Sqlite:
    """FTS5: the stems of the words, each quoted (no operator of the query language gets
    through), all required; bm25 (lower is better) as the score."""

    posts = literal_column("post_search")
    threads = literal_column("thread_search")

    def __init__(self, words: list[str]) -> None:
        self.match = " ".join(f'"{search_index.stem(word)}"' for word in words)

    def post_source(self):
        return Post.__table__.join(_fts("post_search"), _fts("post_search").c.rowid == Post.id)

    def thread_source(self):
        return Thread.__table__.join(
            _fts("thread_search"), _fts("thread_search").c.rowid == Thread.id
        )

    def post_matches(self):
        return self.posts.op("MATCH")(self.match)

    def thread_matches(self):
        return self.threads.op("MATCH")(self.match)

    def post_score(self):
        return -func.bm25(self.posts)

    def thread_score(self):
        return -func.bm25(self.threads)


@cache
def _fts(name: str) -> TableClause:
    """An FTS5 table, as far as a query needs it: its rowid (the post's or thread's id)."""
    return table(name, column("rowid"))


class _Postgres:
    """Text search with the forum's French configuration (unaccent, Snowball stemmer): the
    same words, stemmed the same way; ts_rank as the score."""

    def __init__(self, words: list[str]) -> None:
        config = literal_column(f"'{search_index.CONFIGURATION}'::regconfig")
        self.config = config
        self.query = func.plainto_tsquery(config, " ".join(words))

    def _vector(self, column):
        return func.to_tsvector(self.config, column)

    def post_source(self):
        return Post.__table__

    def thread_source(self):
        return Thread.__table__

    def post_matches(self):
        return self._vector(Post.search_text).op("@@")(self.query)

    def thread_matches(self):
        return self._vector(Thread.title).op("@@")(self.query)

    def post_score(self):
        return func.ts_rank(self._vector(Post.search_text), self.query)

    def thread_score(self):
        return func.ts_rank(self._vector(Thread.title), self.query)


def _load(actor: User | None, rows, words: list[str]) -> list[Hit]:
    post_ids = [row.id for row in rows if row.kind == "post"]
    thread_ids = [row.id for row in rows if row.kind == "thread"]
    posts = {
        post.id: post
        for post in db.session.scalars(
            select(Post)
            .where(Post.id.in_(post_ids))
            .options(
                joinedload(Post.thread).joinedload(Thread.topic),
                joinedload(Post.thread).joinedload(Thread.author),
                joinedload(Post.author),
            )
        )
    }
    threads = {
        thread.id: thread
        for thread in db.session.scalars(
            select(Thread)
            .where(Thread.id.in_(thread_ids))
            .options(joinedload(Thread.topic), joinedload(Thread.author))
        )
    }
    openings = _first_readable_posts(actor, thread_ids)
    hits = []
    for row in rows:
        if row.kind == "post":
            post = posts[row.id]
            hits.append(Hit(post.thread, post, False, excerpt(post.search_text, words)))
        else:
            thread = threads[row.id]
            opening = openings.get(thread.id)
            text = opening.search_text if opening is not None else ""
            hits.append(Hit(thread, opening, True, excerpt(text, words)))
    return hits


def _first_readable_posts(actor: User | None, thread_ids: list[int]) -> dict[int, Post]:
    """The first post ACTOR may read of each thread: the excerpt under a title match."""
    if not thread_ids:
        return {}
    first = (
        select(Post.thread_id, func.min(Post.id).label("id"))
        .where(Post.thread_id.in_(thread_ids), policy.visible_posts(actor))
        .group_by(Post.thread_id)
        .subquery()
    )
    query = select(Post).join(first, first.c.id == Post.id).options(joinedload(Post.author))
    return {post.thread_id: post for post in db.session.scalars(query)}


def excerpt(text: str, words: list[str], size: int = EXCERPT) -> Markup:
    """A passage of TEXT around the first of WORDS found (any form of them), with every form
    found marked; the beginning of TEXT if none is."""
    wanted = {search_index.stem(word) for word in words}
    spans: list[tuple[int, int]] = []
    for found in search_index.WORD.finditer(text):
        if found.start() > (spans[0][0] + size if spans else EXCERPT_SCAN):
            break  # past the passage shown: a long post costs no more than a short one
        if search_index.stem(search_index.fold(found.group())) in wanted:
            spans.append((found.start(), found.end()))
    begin = max(0, spans[0][0] - size // 3) if spans else 0
    end = min(len(text), begin + size)
    if begin:  # start on a word
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < begin + 20 else begin
    pieces, cursor = [], begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        pieces += [escape(text[cursor:start]), Markup("<mark>"), escape(text[start:stop])]
        pieces.append(Markup("</mark>"))
        cursor = stop
    pieces.append(escape(text[cursor:end]))
    prefix = "…" if begin else ""
    suffix = "…" if end < len(text) else ""
    return Markup(prefix) + Markup("").join(pieces) + Markup(suffix)


def _suggestions(words: list[str], filters: Filters) -> list[str]:
    """What to try when nothing is found."""
    found = []
    if filters.any:
        found.append(_("retirez les filtres (rubrique, métier, auteur, dates)"))
    if len(words) > 1:
        found.append(_("cherchez moins de mots : chacun doit figurer dans le message"))
    found.append(_("vérifiez l'orthographe, ou essayez un mot voisin (« financement », « CPF »)"))
    return found


def related_to(
    actor: User | None, forms: list[str], *, limit: int = 5
) -> tuple[list[Thread], list[Guide]]:
    """The threads and the guides most about any of FORMS (a glossary term and its other
    spellings) that ACTOR may open, for the term's page."""
    threads: dict[int, Thread] = {}
    found_guides: dict[int, Guide] = {}
    for words in forms[:4]:
        try:
            results = search(actor, words, Filters())
        except (InvalidInput, pagination.PageOutOfRange):
            continue
        for hit in results.page.items:
            threads.setdefault(hit.thread.id, hit.thread)
        for guide in results.guides:
            found_guides.setdefault(guide.id, guide)
    return list(threads.values())[:limit], list(found_guides.values())[:limit]
