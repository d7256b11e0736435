"""Practical guides (`/fiches`): pages the members write together. Every edit is a numbered
revision with its author and a short summary; the guide's title and text are those of its
last revision. Members with some standing (`GUIDE_EDIT_MIN_POSTS` published posts) open and
edit guides; moderators revert, lock, hide, and turn solved threads into guides."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from forum import pagination, policy, search_index, slugs
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Guide, GuideRevision, Post, Thread, Topic, Trade, User
from forum.models.base import utcnow
from forum.services import follows, notifications, posting

TITLE_MIN, TITLE_MAX = 5, 150
SUMMARY_MAX = 200
BODY_MAX = 60_000
DIFF_CONTEXT = 2  # unchanged lines shown around each change


# --- who may write -------------------------------------------------------------------------


def is_experienced(actor: User | None) -> bool:
    """Whether ACTOR has the standing to open and edit guides: as many published posts as
    `GUIDE_EDIT_MIN_POSTS` asks (one count, stopped at that number)."""
    if actor is None:
        return False
    needed = current_app.config["GUIDE_EDIT_MIN_POSTS"]
    if needed <= 0:
        return True
    published = (
        select(Post.id)
        .where(
            Post.author_id == actor.id,
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
            Post.pending_at.is_(None),
        )
        .limit(needed)
    )
    return (
        db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    ) >= needed


def can_write(actor: User | None) -> bool:
    return policy.can_write_guides(actor, experienced=is_experienced(actor))


def can_edit(actor: User | None, guide: Guide) -> bool:
    return policy.can_edit_guide(actor, guide, experienced=is_experienced(actor))


# --- reading -------------------------------------------------------------------------------


def _stems(title: str, html: str) -> str:
    words = search_index.stems(f"{title} {search_index.plain_text(html)}")
    return f" {' '.join(dict.fromkeys(words))} "


def search_condition(words: list[str]):
    """The guides holding every one of WORDS (folded, as `search.query_words` gives them)."""
    return and_(*(Guide.search_stems.contains(f" {search_index.stem(word)} ") for word in words))


def list_guides(
    actor: User | None,
    *,
    topic: Topic | None = None,
    trade: Trade | None = None,
    words: list[str] | None = None,
    page: int = 1,
) -> pagination.Page[Guide]:
    """The guides ACTOR may open, last changed first, of TOPIC or TRADE, holding WORDS."""
    conditions = [policy.visible_guides(actor)]
    if topic is not None:
        conditions.append(Guide.topic_id == topic.id)
    if trade is not None:
        conditions.append(Guide.trade_id == trade.id)
    if words:
        conditions.append(search_condition(words))
    total = db.session.scalar(select(func.count(Guide.id)).where(*conditions)) or 0
    number = pagination.check(page, total)
    query = (
        select(Guide)
        .where(*conditions)
        .order_by(Guide.updated_at.desc(), Guide.id.desc())
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(joinedload(Guide.topic), joinedload(Guide.trade))
    )
    return pagination.Page(items=list(db.session.scalars(query)), number=number, total=total)


def found_guides(
    actor: User | None,
    words: list[str],
    *,
    topic: Topic | None = None,
    trade: Trade | None = None,
    limit: int = 5,
) -> list[Guide]:
    """The guides that hold every one of WORDS, for the forum's search and the glossary."""
    return list(list_guides(actor, words=words, topic=topic, trade=trade).items[:limit])


def get_guide(guide_id: int) -> Guide | None:
    return db.session.get(Guide, guide_id)


def guide_of_thread(thread: Thread) -> Guide | None:
    """The guide made from THREAD, if any."""
    return db.session.scalar(select(Guide).where(Guide.source_thread_id == thread.id))


def list_revisions(guide: Guide) -> list[GuideRevision]:
    """Every version of GUIDE, the newest first, with their authors."""
    query = (
        select(GuideRevision)
        .where(GuideRevision.guide_id == guide.id)
        .order_by(GuideRevision.number.desc())
        .options(joinedload(GuideRevision.author))
    )
    return list(db.session.scalars(query))


def get_revision(guide: Guide, number: int) -> GuideRevision | None:
    return db.session.scalar(
        select(GuideRevision).where(
            GuideRevision.guide_id == guide.id, GuideRevision.number == number
        )
    )


@dataclass(frozen=True)
class Contributor:
    member: User | None  # None: an erased member (« Ancien membre »)
    revisions: int


def contributors(guide: Guide) -> list[Contributor]:
    """Who wrote GUIDE's versions, the most active first."""
    rows = db.session.execute(
        select(GuideRevision.author_id, func.count(), func.min(GuideRevision.number))
        .where(GuideRevision.guide_id == guide.id)
        .group_by(GuideRevision.author_id)
        .order_by(func.count().desc(), func.min(GuideRevision.number))
    ).all()
    members = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_([row[0] for row in rows if row[0]]))
        )
    }
    return [Contributor(members.get(author_id), count) for author_id, count, _first in rows]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap" (unchanged lines left out)
    text: str


def diff(before: str, after: str) -> list[DiffLine]:
    """The lines that changed from BEFORE to AFTER, with a little context around them."""
    lines: list[DiffLine] = []
    kinds = {" ": "same", "+": "added", "-": "removed"}
    changes = difflib.unified_diff(
        before.splitlines(), after.splitlines(), lineterm="", n=DIFF_CONTEXT
    )
    for line in changes:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:
                lines.append(DiffLine("gap", ""))
            continue
        lines.append(DiffLine(kinds[line[0]], line[1:]))
    return lines


def diff_of(guide: Guide, revision: GuideRevision) -> list[DiffLine]:
    """What REVISION changed in GUIDE (the title's change first)."""
    previous = get_revision(guide, revision.number - 1) if revision.number > 1 else None
    before = previous.source if previous is not None else ""
    lines = diff(before, revision.source)
    if previous is not None and previous.title != revision.title:
        lines = [
            DiffLine("removed", _("Titre : %(title)s", title=previous.title)),
            DiffLine("added", _("Titre : %(title)s", title=revision.title)),
            *lines,
        ]
    return lines


# --- writing -------------------------------------------------------------------------------


def _check(
    *, title: str, body: str, summary: str, topic_id: int | None, trade_id: int | None
) -> tuple[Topic, Trade | None]:
    topic, topic_problem = posting.choose_topic(topic_id)
    trades, trade_problem = posting.choose_trades([trade_id] if trade_id else [])
    error = InvalidInput.collect(
        {
            "title": _("Le titre doit faire au moins %(n)d caractères.", n=TITLE_MIN)
            if len(title) < TITLE_MIN
            else _("Le titre ne peut pas dépasser %(n)d caractères.", n=TITLE_MAX)
            if len(title) > TITLE_MAX
            else None,
            "topic_id": topic_problem,
            "trade_id": trade_problem,
            "body": _("La fiche ne peut pas être vide.")
            if not body.strip()
            else _(
                "La fiche ne peut pas dépasser %(n)s caractères (elle en fait %(length)s) : "
                "gardez une copie de votre texte et découpez-la en plusieurs fiches.",
                n=f"{BODY_MAX:,}".replace(",", " "),
                length=f"{len(body):,}".replace(",", " "),
            )
            if len(body) > BODY_MAX
            else None,
            "summary": _("Le résumé ne peut pas dépasser %(n)d caractères.", n=SUMMARY_MAX)
            if len(summary) > SUMMARY_MAX
            else None,
        }
    )
    if error:
        raise error
    return topic, (trades[0] if trades else None)


def _clean(title: str, body: str, summary: str) -> tuple[str, str, str]:
    return (
        " ".join(title.split()),
        body.replace("\r\n", "\n").rstrip(),
        " ".join(summary.split()),
    )


def _write(
    guide: Guide, actor: User, *, title: str, body: str, summary: str, restores: int | None
) -> GuideRevision:
    """Add GUIDE's next revision and make it current. No commit."""
    now = utcnow()
    guide.revision_count += 1
    revision = GuideRevision(
        guide_id=guide.id,
        number=guide.revision_count,
        author_id=actor.id,
        summary=summary,
        title=title,
        source=body,
        created_at=now,
        restores=restores,
    )
    db.session.add(revision)
    guide.title, guide.slug, guide.source = title, slugs.slugify(title) or "fiche", body
    guide.html = posting.render_post(body)
    guide.search_stems = _stems(title, guide.html)
    guide.updated_at = now
    follows.follow_on_post(actor, guide)
    return revision


def _tell_followers(guide: Guide, actor: User) -> None:
    if guide.is_hidden or guide.is_pending:
        return
    notifications.tell_followers(guide, "guide_revision", by=actor, guide=guide)


def create_guide(
    actor: User,
    *,
    title: str,
    body: str,
    summary: str = "",
    topic_id: int | None,
    trade_id: int | None = None,
) -> Guide:
    """Open a guide: its first version is ACTOR's."""
    policy.require(can_write(actor))
    title, body, summary = _clean(title, body, summary)
    topic, trade = _check(
        title=title, body=body, summary=summary, topic_id=topic_id, trade_id=trade_id
    )
    return _open(
        actor,
        title=title,
        body=body,
        summary=summary or _("Création"),
        topic_id=topic.id,
        trade_id=trade.id if trade else None,
    )


def _open(actor: User, *, title: str, body: str, summary: str, **placed) -> Guide:
    """A new guide whose first version ACTOR wrote (PLACED: its topic, trade, thread…)."""
    now = utcnow()
    guide = Guide(
        title=title,
        slug="",
        source="",
        html="",
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        revision_count=0,
        **placed,
    )
    db.session.add(guide)
    db.session.flush()
    _write(guide, actor, title=title, body=body, summary=summary, restores=None)
    db.session.commit()
    return guide


def edit_guide(
    actor: User,
    guide: Guide,
    *,
    title: str,
    body: str,
    summary: str,
    topic_id: int | None,
    trade_id: int | None = None,
    base: int | None = None,
) -> GuideRevision:
    """A new version of GUIDE by ACTOR. BASE: the version they started from; if someone
    saved another meanwhile, nothing is lost: they are asked to merge by hand."""
    policy.require(can_edit(actor, guide))
    title, body, summary = _clean(title, body, summary)
    topic, trade = _check(
        title=title, body=body, summary=summary, topic_id=topic_id, trade_id=trade_id
    )
    if base is not None and base != guide.revision_count:
        raise InvalidInput(
            "body",
            _(
                "Quelqu'un a enregistré une autre version de la fiche pendant que vous "
                "écriviez : votre texte est gardé ci-dessous ; ouvrez l'historique dans un "
                "autre onglet pour reprendre ses changements, puis enregistrez."
            ),
        )
    same = (title, body, topic.id, trade.id if trade else None) == (
        guide.title,
        guide.source,
        guide.topic_id,
        guide.trade_id,
    )
    if same:
        raise InvalidInput("body", _("Rien n'a changé dans la fiche."))
    if not summary:
        raise InvalidInput("summary", _("Dites en quelques mots ce que vous avez changé."))
    guide.topic_id, guide.trade_id = topic.id, (trade.id if trade else None)
    revision = _write(guide, actor, title=title, body=body, summary=summary, restores=None)
    _tell_followers(guide, actor)
    db.session.commit()
    return revision


def revert(actor: User, guide: Guide, number: int) -> GuideRevision:
    """Bring back GUIDE's version NUMBER as its newest version (moderators)."""
    policy.require(policy.can_moderate_guide(actor, guide))
    old = get_revision(guide, number)
    if old is None or number == guide.revision_count:
        raise InvalidInput("number", _("Choisissez une version antérieure de la fiche."))
    summary = _("Retour à la version %(n)d", n=number)
    revision = _write(
        guide, actor, title=old.title, body=old.source, summary=summary, restores=number
    )
    _tell_followers(guide, actor)
    db.session.commit()
    return revision


def set_locked(actor: User, guide: Guide, locked: bool) -> None:
    """A locked guide is edited by moderators only."""
    policy.require(policy.can_moderate_guide(actor, guide))
    guide.is_locked = locked
    db.session.commit()


# --- from a solved thread ------------------------------------------------------------------


def make_from_thread(actor: User, thread: Thread) -> Guide:
    """Turn solved THREAD into a guide: its question and accepted answer are the first version,
    with a link back; a moderator's is published, its author's waits for a moderator."""
    policy.require(policy.can_make_guide(actor, thread))
    if not thread.is_solved:
        raise InvalidInput("thread", _("Seule une discussion résolue peut devenir une fiche."))
    if guide_of_thread(thread) is not None:
        raise InvalidInput("thread", _("Cette discussion est déjà devenue une fiche."))
    first = db.session.get(Post, posting.first_post_id(thread))
    answer = thread.solution.post
    if not (policy.can_read_post(None, first) and policy.can_read_post(None, answer)):
        # A hidden or deleted question (or a restricted author's) is not copied into a page
        # everyone reads.
        raise InvalidInput(
            "thread", _("La question de cette discussion n'est pas lisible par tous.")
        )
    body = "\n\n".join(
        [
            "## " + _("La question"),
            first.source,
            "## " + _("La réponse retenue"),
            answer.source,
        ]
    )
    title = thread.title[:TITLE_MAX]
    if len(title) < TITLE_MIN:
        title = _("Fiche : %(title)s", title=title)
    trade = thread.trades[0] if thread.trades else None
    return _open(
        actor,
        title=title,
        body=body,
        summary=_("Créée à partir d'une discussion résolue"),
        topic_id=thread.topic_id,
        trade_id=trade.id if trade else None,
        source_thread_id=thread.id,
        pending_at=None if policy.is_moderator(actor) else utcnow(),
    )


def approve(actor: User, guide: Guide) -> None:
    """Publish a guide proposed from a solved thread (moderators)."""
    policy.require(policy.can_moderate_guide(actor, guide))
    guide.pending_at = None
    db.session.commit()


def refuse(actor: User, guide: Guide) -> None:
    """Refuse a proposed guide: it is removed (the thread stays as it was)."""
    policy.require(policy.can_moderate_guide(actor, guide) and guide.is_pending)
    db.session.delete(guide)
    db.session.commit()


def list_proposals(actor: User) -> list[Guide]:
    """Guides proposed from solved threads, waiting for a moderator."""
    policy.require(policy.can_moderate(actor))
    query = select(Guide).where(Guide.pending_at.is_not(None)).order_by(Guide.pending_at)
    return list(db.session.scalars(query))


def attribution(guide: Guide) -> dict[str, User | None] | None:
    """Who asked and who answered in the thread GUIDE was made from (as they are now: an
    erased member is « Ancien membre »), or None."""
    thread = guide.source_thread
    if thread is None:
        return None
    answer = thread.solution.post if thread.solution is not None else None
    return {"question": thread.author, "answer": answer.author if answer is not None else None}


def excerpt(guide: Guide, size: int = 240) -> Markup:
    text = search_index.plain_text(guide.html)
    return Markup.escape(text[:size] + ("…" if len(text) > size else ""))
