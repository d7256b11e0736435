"""The member's notifications: what they are told, read or not, on the site and by e-mail.

Who is told of what: replies in the threads they follow, `@mentions`, quotes of their posts,
reactions to them (grouped), a reply of theirs chosen as the solution, new threads in the
topics and trades they follow, what became of a report they made, new versions of the guides
they follow, changes of the calendar events they follow, and moderation decisions about
them. Each kind but the last has a setting: not at all, on the site, or also by e-mail
— e-mail only with the member's consent (`notify_by_email`), one by one or in a daily digest.

Notices are written in the transaction of what they tell; the e-mails leave once it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    and_,
    event,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, joinedload

from forum import limits, pagination, policy, tokens
from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    Block,
    Conversation,
    Event,
    Guide,
    Message,
    ModerationAction,
    NoticeSetting,
    Notification,
    Post,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.services import accounts, follows

OFF, WEB, EMAIL = "off", "web", "email"
CHANNELS = {
    OFF: _l("Ne pas me prévenir"),
    WEB: _l("Sur le site"),
    EMAIL: _l("Sur le site et par e-mail"),
}


@dataclass(frozen=True)
class Kind:
    label: object
    default: str


KINDS = {
    "reply": Kind(_l("Réponses dans les discussions que je suis"), EMAIL),
    "mention": Kind(_l("Mentions de mon nom (@pseudo)"), EMAIL),
    "quote": Kind(_l("Citations de mes messages"), EMAIL),
    "reaction": Kind(_l("Réactions à mes messages (« Merci », « Utile »)"), WEB),
    "solution": Kind(_l("Ma réponse choisie comme solution"), EMAIL),
    "new_thread": Kind(_l("Nouvelles discussions dans les sujets et métiers que je suis"), WEB),
    "report_outcome": Kind(_l("Suite donnée à mes signalements"), WEB),
    "message": Kind(_l("Nouveaux messages privés"), EMAIL),
    "guide_revision": Kind(_l("Nouvelles versions des fiches pratiques que je suis"), WEB),
    "event_change": Kind(_l("Changements des dates du calendrier que je suis"), EMAIL),
}
MODERATION = "moderation"  # a statement of reasons: always told, mailed with the consent
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600  # an unsubscribe link works for more than a year
DIGEST_WINDOW = timedelta(days=7)  # a digest never tells of older notices


# --- settings ------------------------------------------------------------------------------


def settings_for(actor: User) -> dict[str, str]:
    """ACTOR's channel for every kind, for the settings form."""
    chosen = dict(
        db.session.execute(
            select(NoticeSetting.kind, NoticeSetting.channel).where(
                NoticeSetting.user_id == actor.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, spec.default) for kind, spec in KINDS.items()}


def save_settings(
    actor: User, channels: dict[str, str], *, digest: bool, follow_on_post: bool
) -> None:
    """Keep ACTOR's choices (unknown kinds and channels are ignored: the form offers none)."""
    policy.require(policy.can_follow(actor))
    current = {
        row.kind: row
        for row in db.session.scalars(
            select(NoticeSetting).where(NoticeSetting.user_id == actor.id)
        )
    }
    for kind, channel in channels.items():
        if kind not in KINDS or channel not in CHANNELS:
            continue
        if kind in current:
            current[kind].channel = channel
        else:
            db.session.add(NoticeSetting(user_id=actor.id, kind=kind, channel=channel))
    actor.email_digest = digest
    actor.follow_on_post = follow_on_post
    db.session.commit()


# --- telling -------------------------------------------------------------------------------


def _recipients(ids: Select | Iterable[int], *, besides: Iterable[int | None] = ()) -> list[User]:
    """The members among IDS who are told (`policy.is_told`), except BESIDES."""
    left_out = {member_id for member_id in besides if member_id}
    query = select(User).where(
        User.id.in_(ids if isinstance(ids, Select) else list(ids)), policy.told_members()
    )
    return [user for user in db.session.scalars(query) if user.id not in left_out]


def tell(
    members: Sequence[User],
    kind: str,
    *,
    post: Post | None = None,
    thread: Thread | None = None,
    conversation: Conversation | None = None,
    guide: Guide | None = None,
    event: Event | None = None,
    detail: str | None = None,
    grouped: bool = False,
    by: User | None = None,
) -> list[Notification]:
    """Tell MEMBERS of KIND about POST, THREAD, CONVERSATION, GUIDE or EVENT, as each chose,
    but not those who block BY (whose act it is); GROUPED: a notice still unread about the
    same thing counts one more instead of a new notice. No commit; the e-mails of the new
    notices leave once the transaction commits."""
    return tell_audience(
        audience(members, kind, by=by),
        kind,
        post=post,
        thread=thread,
        conversation=conversation,
        guide=guide,
        event=event,
        detail=detail,
        grouped=grouped,
    )


def audience(members: Sequence[User], kind: str, *, by: User | None) -> list[tuple[User, str]]:
    """Those of MEMBERS told of KIND by BY's act (`tell`), each with their channel; reads
    only: a write can read its audience before it takes its locks. One statement."""
    if not members:
        return []
    ids = [member.id for member in members]
    chosen = select(NoticeSetting.user_id, NoticeSetting.channel, literal(False)).where(
        NoticeSetting.user_id.in_(ids), NoticeSetting.kind == kind
    )
    if by is not None:
        blocks = select(Block.user_id, null(), literal(True)).where(
            Block.blocked_id == by.id, Block.user_id.in_(ids)
        )
        chosen = union_all(chosen, blocks)
    channels, blocking = {}, set()
    for user_id, channel, blocks_by in db.session.execute(chosen):
        if blocks_by:
            blocking.add(user_id)
        else:
            channels[user_id] = channel
    default = KINDS[kind].default
    return [
        (member, channels.get(member.id, default))
        for member in members
        if channels.get(member.id, default) != OFF
        and policy.is_told(member)
        and member.id not in blocking
    ]


def tell_audience(
    told: Sequence[tuple[User, str]],
    kind: str,
    *,
    post: Post | None = None,
    thread: Thread | None = None,
    conversation: Conversation | None = None,
    guide: Guide | None = None,
    event: Event | None = None,
    detail: str | None = None,
    grouped: bool = False,
) -> list[Notification]:
    """`tell` the members of TOLD, read by `audience`, each by their channel. No commit."""
    if not told:
        return []
    now = utcnow()
    bumped: set[int] = set()
    if grouped:
        same = and_(
            Notification.user_id.in_([member.id for member, _channel in told]),
            Notification.kind == kind,
            Notification.read_at.is_(None),
            _same_subject(
                post=post, thread=thread, conversation=conversation, guide=guide, event=event
            ),
            # Not onto a notice whose post was hidden or deleted since: it is no longer shown.
            or_(Notification.post_id.is_(None), _still_published(Notification.post_id)),
        )
        bumped = set(
            db.session.scalars(
                update(Notification)
                .where(same)
                .values(count=Notification.count + 1, created_at=now)
                .returning(Notification.user_id)
                .execution_options(synchronize_session=False)
            )
        )
    created = []
    for member, channel in told:
        if member.id in bumped:
            continue
        notice = Notification(
            user_id=member.id,
            kind=kind,
            post_id=post.id if post is not None else None,
            thread_id=thread.id if thread is not None else None,
            conversation_id=conversation.id if conversation is not None else None,
            guide_id=guide.id if guide is not None else None,
            event_id=event.id if event is not None else None,
            detail=detail,
            created_at=now,
        )
        db.session.add(notice)
        created.append(notice)
        if channel == EMAIL and member.notify_by_email and not member.email_digest:
            notice.emailed_at = now
            described = _describe(
                notice,
                post=post,
                thread=thread,
                conversation=conversation,
                guide=guide,
                event=event,
            )
            _mail_after_commit(member, [described])
    return created


def _same_subject(*, post, thread, conversation, guide=None, event=None):
    """What a grouped notice is about: the conversation, the guide, the event, the thread, or
    else the post."""
    if conversation is not None:
        return Notification.conversation_id == conversation.id
    if guide is not None:
        return Notification.guide_id == guide.id
    if event is not None:
        return Notification.event_id == event.id
    if thread is not None:
        return Notification.thread_id == thread.id
    return Notification.post_id == post.id


def message_written(message: Message, conversation: Conversation, others: Sequence[User]) -> None:
    """Tell the other members of CONVERSATION of MESSAGE (grouped while unread), unless they
    block its author."""
    tell(others, "message", conversation=conversation, grouped=True, by=message.author)


def tell_followers(target: Guide | Event, kind: str, *, by: User | None, **about) -> None:
    """Tell the members who follow TARGET (a guide, a calendar event) of KIND, grouped while
    unread, but not BY whose act it is. No commit."""
    members = _recipients(follows.followers_of(target), besides=[by.id if by else None])
    tell(members, kind, grouped=True, by=by, **about)


def _still_published(post_id):
    return exists().where(
        Post.id == post_id,
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
        Post.pending_at.is_(None),
    )


@dataclass(frozen=True)
class ReplyAudience:
    """Who a reply tells, by kind, each with their channel (`audience`)."""

    mentioned: list[tuple[User, str]]
    quoted: list[tuple[User, str]]
    followers: list[tuple[User, str]]
    author_follows: bool = False  # the author had a follow row of the thread (kept or left)


def reply_audience(
    author: User | None, thread: Thread, quoted: Post | None, named: Sequence[User]
) -> ReplyAudience:
    """Who a reply by AUTHOR in THREAD, quoting QUOTED and naming NAMED, tells, once each:
    the members it names, the author it quotes, the thread's followers. Reads only: a reply
    reads them before it is written, so that the locks its writes take are held briefly."""
    already: set[int] = {author.id} if author is not None else set()
    mentioned = [user for user in named if user.id not in already]
    already |= {user.id for user in mentioned}
    quoted_author: list[User] = []
    if quoted is not None and quoted.author_id and quoted.author_id not in already:
        quoted_author = _recipients([quoted.author_id])
        already.add(quoted.author_id)
    followers, author_follows = follows.thread_followers(thread, author)
    followers = [user for user in followers if user.id not in already]
    return ReplyAudience(
        audience(mentioned, "mention", by=author),
        audience(quoted_author, "quote", by=author),
        audience(followers, "reply", by=author),
        author_follows,
    )


def post_published(post: Post, told: ReplyAudience | None = None) -> None:
    """A reply is published (at once, or approved): its author follows the thread, and TOLD
    (read now when not given: `reply_audience`) are told."""
    author = post.author
    if told is None:
        told = reply_audience(author, post.thread, post.quoted_post, mentioned_in(post))
    # A row read before the reply's locks stays (only erasure removes one); none read: it is
    # looked for again under the thread's lock, which a concurrent first reply waits for.
    if author is not None and not told.author_follows:
        follows.follow_on_post(author, post.thread)
    tell_audience(told.mentioned, "mention", post=post)
    tell_audience(told.quoted, "quote", post=post)
    tell_audience(told.followers, "reply", post=post, thread=post.thread, grouped=True)


def thread_published(thread: Thread, first: Post) -> None:
    """A thread is published: its author follows it; the members its first post names and
    those who follow its topic or one of its trades are told."""
    if first.author is not None:
        follows.follow_on_post(first.author, thread)
    already: set[int] = {thread.author_id} if thread.author_id else set()
    mentioned = [user for user in mentioned_in(first) if user.id not in already]
    tell(mentioned, "mention", post=first, by=first.author)
    already |= {user.id for user in mentioned}
    tell(
        _recipients(follows.followers_of_place(thread), besides=already),
        "new_thread",
        thread=thread,
        by=first.author,
    )


def mentioned_in(post: Post, *, before: str | None = None) -> list[User]:
    """The members POST names, but not those its former text BEFORE named already."""
    from forum.services import posting  # posting tells through this module

    named = posting.mentioned(post.source)
    if before is not None:  # an edit: not those the post told already, nor named before
        told = select(Notification.user_id).where(
            Notification.post_id == post.id, Notification.kind == "mention"
        )
        known = {user.id for user in posting.mentioned(before)} | set(db.session.scalars(told))
        named = [user for user in named if user.id not in known]
    return [user for user in named if user.id != post.author_id]


def report_handled(
    post: Post | None,
    reporter_ids: Iterable[int | None],
    resolution: str,
    *,
    guide: Guide | None = None,
) -> None:
    """Tell the members who reported POST or GUIDE (neither: a private message) what became
    of it, never who decided."""
    members = _recipients([member_id for member_id in reporter_ids if member_id])
    tell(
        members,
        "report_outcome",
        thread=post.thread if post is not None else None,
        guide=guide,
        detail=resolution,
    )


# --- e-mail --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    text: str
    url: str


def _describe(
    notice: Notification,
    *,
    post: Post | None,
    thread: Thread | None,
    conversation: Conversation | None = None,
    guide: Guide | None = None,
    event: Event | None = None,
) -> Described:
    """What a notice says in an e-mail, and where it leads."""
    from forum.services import posting

    if conversation is not None:  # its title and author are for its members, like the mail
        text = str(_l("Nouveau message privé dans « %(title)s »")) % {"title": conversation.title}
        return Described(text=text, url=absolute_url("notifications.inbox"))
    if guide is not None:
        text = str(_l("Nouvelle version de la fiche « %(title)s »")) % {"title": guide.title}
        return Described(text=text, url=absolute_url("guides.show", guide_id=guide.id))
    if event is not None:
        text = str(_l("Changement dans le calendrier : « %(title)s »")) % {"title": event.title}
        return Described(text=text, url=absolute_url("calendar.event", event_id=event.id))

    thread = thread or (post.thread if post is not None else None)
    title = posting.title_for(None, thread) if thread is not None else ""
    author = post.author.username if post is not None and post.author else _l("Ancien membre")
    texts = {
        "reply": _l("Nouvelle réponse de %(name)s dans « %(title)s »"),
        "mention": _l("%(name)s vous a mentionné dans « %(title)s »"),
        "quote": _l("%(name)s vous a cité dans « %(title)s »"),
        "reaction": _l("Une réaction à votre message dans « %(title)s »"),
        "solution": _l("Votre réponse a été choisie comme solution dans « %(title)s »"),
        "new_thread": _l("Nouvelle discussion : « %(title)s »"),
        "report_outcome": _l("Votre signalement dans « %(title)s » a été examiné")
        if thread is not None
        else _l("Votre signalement d'un message privé a été examiné"),
    }
    text = str(texts[notice.kind]) % {"name": author, "title": title}
    return Described(text=text, url=absolute_url("notifications.inbox"))


def unsubscribe_token(member: User) -> str:
    """A signed link's token that withdraws MEMBER's e-mail consent, no login needed; it dies
    when their address changes."""
    return tokens.make("unsubscribe", member.id, bound_to=member.email_hash)


def unsubscribe_url(member: User) -> str:
    return absolute_url("notifications.unsubscribe", token=unsubscribe_token(member))


def _mail_after_commit(member: User, items: list[Described], *, digest: bool = False) -> None:
    """Render the mail now (its data is at hand), queue it once the transaction commits."""
    url = unsubscribe_url(member)
    sealed = accounts.seal_mail(
        member,
        "notification_digest" if digest else "notification",
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        items=items,
        unsubscribe_url=url,
        settings_url=absolute_url("notifications.settings"),
    )
    db.session.info.setdefault("mail_after_commit", []).append(sealed)


def send_digests(*, now: datetime | None = None) -> int:
    """Mail each member who chose the daily digest one message with the notices of the day
    not yet mailed (`flask jobs digest`); how many mails were queued."""
    now = now or utcnow()
    members = db.session.scalars(
        select(User).where(
            User.notify_by_email.is_(True),
            User.email_digest.is_(True),
            policy.told_members(),
            exists().where(
                Notification.user_id == User.id,
                Notification.emailed_at.is_(None),
                Notification.read_at.is_(None),
                Notification.created_at > now - DIGEST_WINDOW,
            ),
        )
    ).all()
    sent = 0
    for member in members:
        notices = _digest_notices(member, settings_for(member), now)
        if not notices:
            continue
        for notice in notices:
            notice.emailed_at = now
        _mail_after_commit(
            member,
            [
                _describe(
                    notice,
                    post=notice.post,
                    thread=notice.thread,
                    conversation=notice.conversation,
                    guide=notice.guide,
                    event=notice.event,
                )
                for notice in notices
            ],
            digest=True,
        )
        sent += 1
    db.session.commit()
    return sent


def _digest_notices(member: User, channels: dict[str, str], now: datetime) -> list[Notification]:
    query = (
        _inbox(member)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at > now - DIGEST_WINDOW,
            Notification.created_at <= now,
        )
        .order_by(Notification.id)
        .options(
            joinedload(Notification.post),
            joinedload(Notification.thread),
            joinedload(Notification.conversation),
            joinedload(Notification.guide),
            joinedload(Notification.event),
        )
    )
    return [
        notice
        for notice in db.session.scalars(query)
        if notice.kind in KINDS and channels[notice.kind] == EMAIL
    ]


def unsubscribe(token: str) -> User | None:
    """Withdraw the e-mail consent of the member TOKEN was made for; None if it is not valid."""
    from forum.services import consents

    member_id = tokens.peek("unsubscribe", token)  # not verified yet: bounded before use
    known = type(member_id) is int and 0 < member_id <= limits.ID_MAX
    member = db.session.get(User, member_id) if known else None
    try:
        tokens.read(
            "unsubscribe",
            token,
            max_age=UNSUBSCRIBE_MAX_AGE,
            bound_to=member.email_hash if member is not None else None,
        )
    except tokens.TokenInvalid:
        return None
    consents.set_consent(member, "email_notifications", False, via="unsubscribe-link")
    return member


# --- the inbox -----------------------------------------------------------------------------


def _inbox(actor: User):
    """ACTOR's notices about what they may still see: a notice about a post hidden, deleted or
    masked since, or a thread they can no longer open, is not shown (nor counted)."""
    return (
        select(Notification)
        .outerjoin(Post, Post.id == Notification.post_id)
        .where(
            Notification.user_id == actor.id,
            or_(Notification.post_id.is_(None), policy.visible_posts(actor)),
            or_(
                Notification.thread_id.is_(None),
                exists().where(Thread.id == Notification.thread_id, policy.visible_threads(actor)),
            ),
            or_(
                Notification.conversation_id.is_(None),
                policy.visible_conversations(actor, Notification.conversation_id),
            ),
            or_(
                Notification.guide_id.is_(None),
                # What became of a report is told even when the guide was hidden for it.
                Notification.kind == "report_outcome",
                exists().where(Guide.id == Notification.guide_id, policy.visible_guides(actor)),
            ),
            or_(
                Notification.event_id.is_(None),
                exists().where(Event.id == Notification.event_id, policy.visible_events(actor)),
            ),
        )
    )


def page_for(actor: User, *, page: int = 1) -> pagination.Page[Notification]:
    """Page PAGE of ACTOR's notifications, newest first, with what they point to."""
    inbox = _inbox(actor)
    total = db.session.scalar(select(func.count()).select_from(inbox.subquery())) or 0
    number = pagination.check(page, total)
    query = (
        inbox.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(
            joinedload(Notification.action).joinedload(ModerationAction.appeal),
            joinedload(Notification.post).joinedload(Post.author),
            joinedload(Notification.post).joinedload(Post.thread).joinedload(Thread.author),
            joinedload(Notification.thread).joinedload(Thread.author),
            joinedload(Notification.conversation),
            joinedload(Notification.guide),
            joinedload(Notification.event),
        )
    )
    return pagination.Page(items=list(db.session.scalars(query)), number=number, total=total)


def count_unread(actor: User) -> int:
    unread = _inbox(actor).where(Notification.read_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0


def get_notice(actor: User, notice_id: int) -> Notification | None:
    """One of ACTOR's notices they may still open."""
    return db.session.scalar(_inbox(actor).where(Notification.id == notice_id))


def mark_read(
    actor: User,
    *,
    action_id: int | None = None,
    notice_id: int | None = None,
    conversation_id: int | None = None,
) -> None:
    """Mark ACTOR's notifications read: all of them, those about one decision or one
    conversation, or one."""
    query = update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)
    )
    if action_id is not None:
        query = query.where(Notification.action_id == action_id)
    if notice_id is not None:
        query = query.where(Notification.id == notice_id)
    if conversation_id is not None:
        query = query.where(Notification.conversation_id == conversation_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()


# The notices' e-mails leave when their transaction commits, and are dropped on a rollback.
@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for sealed in session.info.pop("mail_after_commit", []):
        accounts.queue_sealed(sealed)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("mail_after_commit", None)
