"""Threads and posts: open a thread, reply, quote, edit, delete; the lists that show them."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from forum import limits, markup, pagination, policy, slugs, usernames
from forum.errors import InvalidInput
from forum.extensions import db, keep_loaded_objects
from forum.models import (
    Post,
    PostRevision,
    Thread,
    ThreadRedirect,
    ThreadSolution,
    Topic,
    Trade,
    User,
    thread_trades,
)
from forum.models.base import utcnow
from forum.services import accounts, glossary, notifications
from forum.services import photos as photo_files
from gdpr import legal_hold

TITLE_MIN, TITLE_MAX = limits.TITLE_MIN, limits.TITLE_MAX
BODY_MAX = limits.BODY_MAX
TRADES_MAX = 3
# Rendering cost grows with table cells: a forum post has no need for thousands of them.
TABLE_CELLS_MAX = 3_000
# A post links and tells at most this many members: no mass notification.
MENTIONS_MAX = 20


# --- rendering -----------------------------------------------------------------------------


def _members_named(names: set[str]) -> dict[str, User]:
    """The members that `@names` NAMES name (confirmed accounts), by name as written."""
    keys: dict[str, list[str]] = {}
    for name in sorted(names)[: MENTIONS_MAX * 2]:
        keys.setdefault(usernames.key(name), []).append(name)
    if not keys:
        return {}
    found = db.session.scalars(
        select(User).where(User.username_key.in_(keys), User.email_verified_at.is_not(None))
    )
    return {name: user for user in found for name in keys[user.username_key]}


def render_post(source: str) -> str:
    """A post's HTML, its `@mentions` of members linked to their profiles and the first
    occurrence of each glossary term to its definition."""
    return render_post_telling(source)[0]


def render_post_telling(source: str) -> tuple[str, list[User]]:
    """`render_post`, and the members the post tells (`mentioned`): one reading of SOURCE."""
    named: dict[str, User] = {}
    written: set[str] = set()

    def members(names: set[str]) -> dict[str, str]:
        written.update(names)
        named.update(_members_named(names))
        return {name: user.username for name, user in named.items()}

    html, told = markup.render_telling(source, members, glossary.terms())
    if len(written) > MENTIONS_MAX * 2:  # not all looked up: as `mentioned` looks them up
        return html, mentioned(source)
    users = {named[name].id: named[name] for name in sorted(told) if name in named}
    return html, list(users.values())[:MENTIONS_MAX]


def mentioned(source: str) -> list[User]:
    """The members SOURCE tells by `@name` (not in code, links or quotations)."""
    members = {user.id: user for user in _members_named(markup.mentions(source)).values()}
    return list(members.values())[:MENTIONS_MAX]


# --- checks shared by the writes -----------------------------------------------------------


def title_for(reader: User | None, thread: Thread) -> str:
    """THREAD's title for READER: masked while its author's data is restricted (art. 18),
    like their posts."""
    if policy.can_read_post_of(reader, thread.author):
        return thread.title
    return _("Discussion masquée le temps de l'examen d'une contestation")


def title_problem(title: str) -> str | None:
    if len(title) < TITLE_MIN:
        return _("Le titre doit faire au moins %(n)d caractères.", n=TITLE_MIN)
    if len(title) > TITLE_MAX:
        return _("Le titre ne peut pas dépasser %(n)d caractères.", n=TITLE_MAX)
    return None


def _body_problem(body: str) -> str | None:
    if not body.strip():
        return _("Le message ne peut pas être vide.")
    if len(body) > BODY_MAX:
        return _(
            "Le message ne peut pas dépasser %(n)s caractères (il en fait %(length)s) : "
            "seuls les %(n)s premiers sont repris ci-dessous, gardez une copie de la suite.",
            n=f"{BODY_MAX:,}".replace(",", " "),
            length=f"{len(body):,}".replace(",", " "),
        )
    cells = sum(line.count("|") for line in body.splitlines() if line.lstrip().startswith("|"))
    if cells > TABLE_CELLS_MAX:
        return _("Ce message contient trop de cellules de tableau : découpez-le.")
    return None


def choose_topic(topic_id: int | None) -> tuple[Topic | None, str | None]:
    if not topic_id:
        return None, _("Choisissez un sujet.")
    topic = db.session.get(Topic, topic_id)
    if topic is None or not topic.is_active:
        return None, _("Ce sujet n'existe pas ou n'accepte plus de nouvelles discussions.")
    return topic, None


def choose_trades(trade_ids: Sequence[int]) -> tuple[list[Trade], str | None]:
    wanted = list(dict.fromkeys(trade_ids))
    if len(wanted) > TRADES_MAX:
        return [], _("Choisissez au plus %(n)d métiers.", n=TRADES_MAX)
    trades = list(db.session.scalars(select(Trade).where(Trade.id.in_(wanted)))) if wanted else []
    if len(trades) != len(wanted) or not all(trade.is_active for trade in trades):
        return [], _("Un des métiers choisis n'existe pas ou n'est plus proposé.")
    return trades, None


def _normalise_body(body: str) -> str:
    # Keep the author's text as typed, but no trailing blanks and Unix line ends.
    return body.replace("\r\n", "\n").rstrip()


# --- writes --------------------------------------------------------------------------------


def _hold(actor: User, post: Post, ip: str | None) -> None:
    """Keep who published POST from which address, for a year (LCEN); flushes for the id."""
    if ip is None:  # written by a command (demo data), not through the web
        return
    db.session.flush()
    legal_hold.record(
        db.session,
        accounts.vault(),
        subject_ref=str(actor.id),
        item=f"post:{post.id}",
        ip=ip,
        at=post.created_at,
    )


def needs_approval(actor: User) -> bool:
    """Whether ACTOR's next post waits for a moderator (their first N posts, when set)."""
    first_posts = current_app.config["MODERATION_NEW_MEMBER_APPROVALS"]
    if first_posts <= 0 or policy.skips_approval(actor):
        return False
    approved = db.session.scalar(
        select(func.count()).where(Post.author_id == actor.id, Post.pending_at.is_(None))
    )
    return (approved or 0) < first_posts


def create_thread(
    actor: User,
    *,
    title: str,
    body: str,
    topic_id: int | None,
    trade_ids: Sequence[int] = (),
    ip: str | None = None,
    photos: Sequence[photo_files.Prepared] = (),
) -> Thread:
    """Open a thread in one topic, with zero to three trades, and its first post (with its
    PHOTOS, checked and re-encoded by `photos.prepare_all`)."""
    policy.require(policy.can_create_thread(actor))
    title = " ".join(title.split())
    body = _normalise_body(body)
    topic, topic_problem = choose_topic(topic_id)
    trades, trades_problem = choose_trades(trade_ids)
    error = InvalidInput.collect(
        {
            "title": title_problem(title),
            "body": _body_problem(body),
            "topic": topic_problem,
            "trades": trades_problem,
        }
    )
    if error:
        raise error
    now = utcnow()
    pending = now if needs_approval(actor) else None
    thread = Thread(
        title=title,
        slug=slugs.slugify(title) or "discussion",
        topic=topic,
        author=actor,
        created_at=now,
        last_posted_at=now,
        last_poster=actor,
        post_count=0 if pending else 1,
        pending_count=1 if pending else 0,
        pending_at=pending,
    )
    thread.trades = trades
    db.session.add(thread)
    first = Post(
        thread=thread,
        author=actor,
        source=body,
        html=render_post(body),
        created_at=now,
        pending_at=pending,
    )
    db.session.add(first)
    _hold(actor, first, ip)
    if photos:
        db.session.flush()
        photo_files.attach(actor, first, photos)
    if not pending:
        count_thread(topic, trades, +1)
        db.session.flush()
        notifications.thread_published(thread, first)
    db.session.commit()
    return thread


def count_thread(topic: Topic, trades: Sequence[Trade], delta: int) -> None:
    """Keep the thread counters exact, in the writer's transaction, without lost updates."""
    db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(thread_count=Topic.thread_count + delta)
    )
    if trades:
        db.session.execute(
            update(Trade)
            .where(Trade.id.in_([trade.id for trade in trades]))
            .values(thread_count=Trade.thread_count + delta)
        )


def reply(
    actor: User,
    thread: Thread,
    *,
    body: str,
    quoted_post_id: int | None = None,
    ip: str | None = None,
    photos: Sequence[photo_files.Prepared] = (),
) -> Post:
    """Publish ACTOR's reply at the end of THREAD, optionally quoting a post, with PHOTOS."""
    policy.require(policy.can_reply(actor, thread))
    body = _normalise_body(body)
    quoted = db.session.get(Post, quoted_post_id) if quoted_post_id else None
    error = InvalidInput.collect(
        {
            "body": _body_problem(body),
            "quote_of": _("Le message cité n'existe plus.")
            if quoted_post_id and (quoted is None or not policy.can_quote(actor, quoted))
            else None,
        }
    )
    if error:
        raise error
    now = utcnow()
    pending = now if needs_approval(actor) else None
    html, named = render_post_telling(body)
    # Read before the first write: the locks the writes take are held the shortest time.
    told = None if pending else notifications.reply_audience(actor, thread, quoted, named)
    # The first write, the thread's counters: its row stays locked until the commit (the whole
    # database on SQLite), so that concurrent replies to the thread are written one after the
    # other: each post gets its id after those before it (the counts returned say where it
    # stands), and the followers are told once each, the author's follow written once.
    counts = _count_reply(thread, actor, now, pending=pending is not None)
    post = Post(
        thread=thread,
        author=actor,
        source=body,
        html=html,
        created_at=now,
        quoted_post=quoted,
        pending_at=pending,
    )
    db.session.add(post)
    _hold(actor, post, ip)
    if photos:
        db.session.flush()
        photo_files.attach(actor, post, photos)
    published, waiting = counts
    if not pending and not waiting:  # no post waits: the author's page is the published ones'
        post.__dict__[_AUTHORS_PAGE] = pagination.page_of(published - 1)
    if not pending:
        db.session.flush()
        notifications.post_published(post, told)
    with keep_loaded_objects():  # the reply's page is found without reading it back
        db.session.commit()
    db.session.expire(thread)  # its counters were updated in bulk
    return post


_AUTHORS_PAGE = "_page_for_its_author"  # where a reply just sent stands (`page_of_post`)


def _count_reply(thread: Thread, actor: User, now, *, pending: bool) -> tuple[int, int]:
    """Count a reply by ACTOR in THREAD (published, or PENDING approval); the thread's counts
    of published and waiting posts after it. Core, not the ORM: THREAD is expired instead."""
    row = Thread.__table__.c
    later = row.last_posted_at <= now  # concurrent replies never move the date backwards
    counters = (
        {row.pending_count: row.pending_count + 1}
        if pending
        else {
            row.post_count: row.post_count + 1,
            row.last_posted_at: case((later, now), else_=row.last_posted_at),
            row.last_poster_id: case((later, actor.id), else_=row.last_poster_id),
        }
    )
    counts = db.session.execute(
        update(Thread.__table__)
        .where(row.id == thread.id)
        .values(counters)
        .returning(row.post_count, row.pending_count)
    ).one()
    return counts[0], counts[1]


def edit_post(actor: User, post: Post, *, body: str, version: int | None = None) -> Post:
    """Replace the text of POST, keeping the former version in its history.

    VERSION is the one the author started from: if the post changed since (another tab, a
    moderator), the edit is refused and the author's text comes back to them.
    """
    if post.is_deleted:
        raise InvalidInput("body", _("Ce message a été supprimé entre-temps."))
    policy.require(policy.can_edit_post(actor, post))
    before = post.source
    if revise(actor, post, body=body, version=version):
        commit_edit()
        if policy.can_read_post(None, post):  # published: those it names now are told
            named = notifications.mentioned_in(post, before=before)
            notifications.tell(named, "mention", post=post, by=actor)
            db.session.commit()
    return post


def revise(actor: User, post: Post, *, body: str, version: int | None) -> bool:
    """Put BODY in POST, the former text in its history; False if nothing changed. No commit.

    Whoever may edit (the author, a moderator) has been checked by the caller.
    """
    if post.is_deleted:
        raise InvalidInput("body", _("Ce message a été supprimé entre-temps."))
    body = _normalise_body(body)
    problem = _body_problem(body)
    if problem:
        raise InvalidInput("body", problem)
    if version is not None and version != post.version:
        raise edited_meanwhile()
    if body == post.source:
        return False
    now = utcnow()
    html = render_post(body)  # reads the glossary and members: before the post is changed,
    # so that an edit that lost the race fails at the commit (`commit_edit`), not in a read
    db.session.add(PostRevision(post_id=post.id, editor=actor, source=post.source, created_at=now))
    post.source = body
    post.html = html
    post.edited_at = now
    return True


def commit_edit() -> None:
    """Commit an edit; one that lost the race with another comes back as a form error."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise edited_meanwhile() from None


def edited_meanwhile() -> InvalidInput:
    return InvalidInput(
        "body",
        _(
            "Ce message a été modifié entre-temps. Votre texte est ci-dessous : "
            "comparez-le avec la version publiée avant d'enregistrer de nouveau."
        ),
    )


def delete_post(actor: User, post: Post) -> Post:
    """Delete POST softly: a placeholder stays in the thread, retention purges the text later."""
    policy.require(policy.can_delete_post(actor, post))
    post.deleted_at = utcnow()
    post.moderation_note = None  # the author's own deletion: no moderator's word under it
    if post.is_pending:
        recount(post.thread)
    db.session.commit()
    return post


def first_post_id(thread: Thread) -> int | None:
    return db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == thread.id))


def recount(thread: Thread) -> None:
    """Set THREAD's counters from its posts (after posts moved in or out, or were approved)."""
    published = select(Post).where(Post.thread_id == thread.id, Post.pending_at.is_(None))
    thread.post_count = (
        db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    )
    thread.pending_count = (
        db.session.scalar(
            select(func.count()).where(
                Post.thread_id == thread.id, Post.pending_at.is_not(None), Post.deleted_at.is_(None)
            )
        )
        or 0
    )
    last = db.session.scalar(published.order_by(Post.id.desc()).limit(1))
    if last is not None:
        thread.last_posted_at = last.created_at
        thread.last_poster_id = last.author_id


def quote_markdown(post: Post) -> str:
    """The Markdown a reply starts with when it quotes POST."""
    author = post.author.username if post.author else _("Ancien membre")
    lines = post.source.splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    header = _("**@%(name)s** a écrit :", name=author)
    return f"> {header}\n>\n{quoted}\n\n"


# --- reads ---------------------------------------------------------------------------------


def get_thread(thread_id: int, *, for_page: bool = True) -> Thread | None:
    """The thread THREAD_ID; FOR_PAGE: with what its page shows (topic, trades, solution)
    loaded at once, else its row and its author (a reply's checks and address need no more)."""
    if not for_page:
        return db.session.get(Thread, thread_id, options=[joinedload(Thread.author)])
    query = select(Thread).where(Thread.id == thread_id)
    query = query.options(
        joinedload(Thread.topic),
        selectinload(Thread.trades),
        joinedload(Thread.solution).joinedload(ThreadSolution.post).joinedload(Post.author),
    )
    return db.session.scalar(query)


def merged_into(thread_id: int) -> Thread | None:
    """The thread a merged thread THREAD_ID now lives in."""
    redirect = db.session.get(ThreadRedirect, thread_id)
    return db.session.get(Thread, redirect.thread_id) if redirect else None


def get_post(post_id: int) -> Post | None:
    return db.session.get(Post, post_id)


def _thread_list_options(query):
    return query.options(
        joinedload(Thread.topic),
        joinedload(Thread.last_poster),
        joinedload(Thread.author),
        selectinload(Thread.trades),
        selectinload(Thread.solution).joinedload(ThreadSolution.post),
    )


def is_solved():
    """The threads whose solution every reader may read, as a SQL condition."""
    return exists().where(
        ThreadSolution.thread_id == Thread.id,
        Post.id == ThreadSolution.post_id,
        Post.thread_id == Thread.id,
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
        Post.pending_at.is_(None),
    )


def list_threads(
    *,
    topic: Topic | None = None,
    trade: Trade | None = None,
    solved: bool | None = None,
    page: int = 1,
    viewer: User | None = None,
) -> pagination.Page[Thread]:
    """Threads of a topic and/or a trade that VIEWER may open, pinned first, then by last
    activity (a thread waiting for approval: for its author and the moderators only);
    SOLVED: only those with a solution, or only those without."""
    query = select(Thread).where(policy.visible_threads(viewer))
    if solved is not None:
        query = query.where(is_solved() if solved else ~is_solved())
    if topic is not None:
        query = query.where(Thread.topic_id == topic.id)
    if trade is not None:
        in_trade = select(thread_trades.c.thread_id).where(thread_trades.c.trade_id == trade.id)
        query = query.where(Thread.id.in_(in_trade))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = pagination.check(page, total)
    ordered = query.order_by(
        Thread.is_pinned.desc(), Thread.last_posted_at.desc(), Thread.id.desc()
    )
    size = pagination.PAGE_SIZE
    items = db.session.scalars(
        _thread_list_options(ordered.limit(size).offset((number - 1) * size))
    ).all()
    return pagination.Page(items=items, number=number, total=total)


def list_latest_threads(limit: int = 10, *, viewer: User | None = None) -> list[Thread]:
    """The most recently active threads VIEWER may open, for the home page."""
    query = select(Thread).where(policy.visible_threads(viewer))
    query = query.order_by(Thread.last_posted_at.desc(), Thread.id.desc()).limit(limit)
    return list(db.session.scalars(_thread_list_options(query)))


def _visible_count(thread: Thread, viewer: User | None) -> int:
    on_page = policy.posts_on_thread_page(viewer)
    query = select(func.count()).where(Post.thread_id == thread.id, on_page)
    return db.session.scalar(query) or 0


def list_posts(
    thread: Thread, *, page: int = 1, viewer: User | None = None
) -> pagination.Page[Post]:
    """One page of THREAD's posts, oldest first; deleted posts stay as placeholders.

    Posts waiting for approval are shown to their author and to moderators only.
    """
    total = thread.post_count if not thread.pending_count else _visible_count(thread, viewer)
    number = pagination.check(page, total)
    size = pagination.PAGE_SIZE
    start, end = (number - 1) * size, min(number * size, total)
    query = (
        select(Post)
        .where(Post.thread_id == thread.id, policy.posts_on_thread_page(viewer))
        .options(joinedload(Post.author), joinedload(Post.quoted_post).joinedload(Post.author))
    )
    if start <= total // 2:
        query = query.order_by(Post.id).limit(size).offset(start)
        items = db.session.scalars(query).unique().all()
    else:  # a deep page, the last one first: read from the end, not past every post before it
        query = query.order_by(Post.id.desc()).limit(max(end - start, 1)).offset(total - end)
        items = list(reversed(db.session.scalars(query).unique().all()))
    return pagination.Page(items=items, number=number, total=total)


# A post with fewer than this many after it is placed from the thread's end: a reply just sent
# costs the same in a thread of ten posts and in one of twenty thousand.
PLACED_FROM_THE_END = 2 * pagination.PAGE_SIZE


def page_of_post(post: Post, viewer: User | None = None) -> int:
    """The page of its thread where POST stands, for VIEWER."""
    placed = post.__dict__.get(_AUTHORS_PAGE)
    if placed is not None and viewer is not None and viewer.id == post.author_id:
        return placed
    on_page = policy.posts_on_thread_page(viewer)
    after = (
        select(Post.id)
        .where(Post.thread_id == post.thread_id, Post.id > post.id, on_page)
        .limit(PLACED_FROM_THE_END)
        .subquery()
    )
    counts = db.session.execute(
        select(
            Thread.post_count,
            Thread.pending_count,
            select(func.count()).select_from(after).scalar_subquery(),
        ).where(Thread.id == post.thread_id)
    ).one()
    published, pending, after_it = counts
    if not pending and post.pending_at is None and after_it < PLACED_FROM_THE_END:
        # No post waits: the posts on the page are the published ones (as `list_posts`).
        return pagination.page_of(max(published - 1 - after_it, 0))
    before = db.session.scalar(
        select(func.count()).where(
            Post.thread_id == post.thread_id,
            Post.id < post.id,
            policy.posts_on_thread_page(viewer),
        )
    )
    return pagination.page_of(before or 0)


def list_revisions(post: Post) -> list[PostRevision]:
    """Former versions of POST, newest first."""
    query = select(PostRevision).where(PostRevision.post_id == post.id)
    query = query.order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
    return list(db.session.scalars(query.options(joinedload(PostRevision.editor))))
