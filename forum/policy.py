"""Every "may ACTOR do ACTION to TARGET": pure functions, no query, no request, no write.

Views, templates (`policy` is a Jinja global) and services all ask here. What a member may
read is answered twice, once per object (`can_read_post`, `can_see_thread`) and once as a SQL
condition for lists (`visible_posts`, `visible_threads`); a test holds the two to the same
answer on every kind of post and every kind of reader.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from forum import charter
from forum.errors import NotAllowed
from forum.models import (
    Appeal,
    Conversation,
    ConversationMember,
    Event,
    Guide,
    Message,
    ModerationAction,
    Post,
    Role,
    Thread,
    User,
)
from forum.models.base import utcnow
from forum.models.calendar import APPROVED, CANCELLED, REFUSED

PUBLISHED_EVENTS = (APPROVED, CANCELLED)  # a cancelled event stays listed, struck through


def is_member(actor: User | None) -> bool:
    """A confirmed account that may take part: not frozen (art. 18), not suspended or banned."""
    return (
        actor is not None
        and actor.is_verified
        and not actor.is_restricted
        and not actor.is_suspended
    )


def holds_power(actor: User | None) -> bool:
    """Moderators and admins use their powers only with two-factor authentication on."""
    return actor is not None and actor.role in (Role.MODERATOR, Role.ADMIN)


def needs_two_factor(actor: User | None) -> bool:
    return holds_power(actor) and not actor.has_two_factor


def is_moderator(actor: User | None) -> bool:
    return holds_power(actor) and actor.has_two_factor


def is_admin(actor: User | None) -> bool:
    return is_moderator(actor) and actor.role is Role.ADMIN


def is_official(user: User | None) -> bool:
    """COET-MOF staff: an "official" badge, never a moderation power."""
    return user is not None and user.role is Role.COET_STAFF


def can_create_thread(actor: User | None) -> bool:
    return is_member(actor)


def can_reply(actor: User | None, thread: Thread) -> bool:
    """Not in a thread waiting for approval: it is not published yet."""
    return (
        is_member(actor) and not thread.is_pending and (not thread.is_locked or is_moderator(actor))
    )


def can_edit_post(actor: User | None, post: Post) -> bool:
    return is_member(actor) and not post.is_deleted and actor.id == post.author_id


def can_delete_post(actor: User | None, post: Post) -> bool:
    return can_edit_post(actor, post)


def can_see_post_history(actor: User | None, post: Post) -> bool:
    return is_moderator(actor)


def can_quote(actor: User | None, post: Post) -> bool:
    """Quote only what every visitor may read: a quote copies the text into a public reply."""
    return is_member(actor) and can_read_post(None, post)


def can_report_post(actor: User | None, post: Post) -> bool:
    """Report what one may read, published and someone else's."""
    return (
        is_member(actor)
        and actor.id != post.author_id
        and can_read_post(actor, post)
        and not post.is_deleted
        and not post.is_pending
    )


def can_bookmark(actor: User | None, post: Post) -> bool:
    """Keeping a post to read again: anyone signed in (a suspended member still reads), for a
    post they may read; not a member whose data is restricted (art. 18: storage only)."""
    return actor is not None and not actor.is_restricted and can_read_post(actor, post)


def can_follow(actor: User | None) -> bool:
    """Following threads, topics and trades, choosing one's notices: a confirmed account
    whose data is not restricted (a suspended member still reads)."""
    return actor is not None and actor.is_verified and not actor.is_restricted


def is_told(member: User) -> bool:
    """Whether MEMBER is sent notices of the forum's activity: not an unconfirmed account, not
    one whose data is restricted (art. 18: storage only)."""
    return can_follow(member)


def can_react(actor: User | None, post: Post) -> bool:
    """« Merci », « Utile »: a member, on someone else's published post they may read."""
    return (
        is_member(actor)
        and actor.id != post.author_id
        and can_read_post(None, post)
        and can_read_post(actor, post)
    )


def can_choose_solution(actor: User | None, thread: Thread) -> bool:
    """Who says which reply answered the thread: its author (a member) or a moderator."""
    return is_moderator(actor) or (is_member(actor) and actor.id == thread.author_id)


def can_mark_solution(actor: User | None, thread: Thread, post: Post) -> bool:
    """A published reply of the thread, that every reader may read, can be its solution."""
    return (
        can_choose_solution(actor, thread)
        and post.thread_id == thread.id
        and can_read_post(None, post)
    )


def can_start_conversation(actor: User | None) -> bool:
    """Private messages: a member who may post (not suspended, not frozen)."""
    return is_member(actor)


def can_message(actor: User | None, recipient: User) -> bool:
    """ACTOR may start a conversation with RECIPIENT: a confirmed member who accepts private
    messages (blocks are checked by the service, which knows them)."""
    return (
        can_start_conversation(actor)
        and recipient.id != actor.id
        and recipient.is_verified
        and not recipient.is_restricted
        and recipient.accepts_messages
    )


def can_read_conversation(
    actor: User | None, conversation: Conversation, member_ids: set[int]
) -> bool:
    """Its members only: moderators and admins do not read conversations (a reported message
    is shown to them on its own)."""
    return actor is not None and actor.id in member_ids


def can_write_in(actor: User | None, conversation: Conversation, member_ids: set[int]) -> bool:
    return can_read_conversation(actor, conversation, member_ids) and can_start_conversation(actor)


def can_report_message(actor: User | None, message: Message, member_ids: set[int]) -> bool:
    """A member of the conversation (even suspended) reports someone else's message, not yet
    removed."""
    return (
        can_follow(actor)
        and actor.id in member_ids
        and message.author_id != actor.id
        and message.removed_at is None
    )


def can_block(actor: User | None, member: User) -> bool:
    """Anyone signed in blocks anyone else: no private message, no mention from them (the
    moderation's statements of reasons still reach the member)."""
    return can_follow(actor) and member.id != actor.id


def can_edit_glossary(actor: User | None) -> bool:
    """The glossary is kept by the moderators (COET staff propose through the forum)."""
    return is_moderator(actor)


# --- practical guides ------------------------------------------------------------------------


def can_see_guide(actor: User | None, guide: Guide) -> bool:
    """A hidden guide is for the moderators; one proposed from a solved thread and waiting for
    approval, for them and the member who proposed it."""
    if is_moderator(actor):
        return True
    if guide.is_hidden:
        return False
    return not guide.is_pending or _is_author(actor, guide.created_by_id)


def visible_guides(actor: User | None) -> ColumnElement[bool]:
    """The guides ACTOR may open, as a SQL condition: `can_see_guide` for lists and search."""
    if is_moderator(actor):
        return true()
    mine = Guide.created_by_id == actor.id if actor is not None else false()
    return and_(Guide.hidden_at.is_(None), or_(Guide.pending_at.is_(None), mine))


def can_write_guides(actor: User | None, *, experienced: bool) -> bool:
    """Open or edit a guide: a member who has taken part for a while (EXPERIENCED: the number
    of published posts `GUIDE_EDIT_MIN_POSTS` asks for, counted by the service), not suspended
    or banned, not frozen; moderators always."""
    return is_moderator(actor) or (is_member(actor) and experienced)


def can_edit_guide(actor: User | None, guide: Guide, *, experienced: bool) -> bool:
    """A locked guide, or one waiting for approval, is edited by moderators only."""
    if is_moderator(actor):
        return True
    return (
        can_write_guides(actor, experienced=experienced)
        and can_see_guide(actor, guide)
        and not guide.is_locked
        and not guide.is_pending
    )


def can_moderate_guide(actor: User | None, guide: Guide) -> bool:
    """Revert, lock, unlock, hide, show, approve a proposed guide."""
    return is_moderator(actor)


def can_report_guide(actor: User | None, guide: Guide) -> bool:
    return is_member(actor) and can_see_guide(None, guide)


def can_make_guide(actor: User | None, thread: Thread) -> bool:
    """Turn a solved thread into a guide: a moderator at once; its author (a member) proposes,
    a moderator approves (`can_moderate_guide`)."""
    if not can_see_thread(None, thread):
        return False
    return is_moderator(actor) or (is_member(actor) and _is_author(actor, thread.author_id))


# --- the calendar ----------------------------------------------------------------------------


def can_see_event(actor: User | None, event: Event) -> bool:
    """Approved and cancelled events are for everyone; a proposal waiting or refused, for its
    organiser and the moderators."""
    if event.status in PUBLISHED_EVENTS:
        return True
    return is_moderator(actor) or _is_author(actor, event.organiser_id)


def visible_events(actor: User | None) -> ColumnElement[bool]:
    """The events ACTOR may see, as a SQL condition: `can_see_event` for lists and feeds."""
    if is_moderator(actor):
        return true()
    mine = Event.organiser_id == actor.id if actor is not None else false()
    return or_(Event.status.in_(PUBLISHED_EVENTS), mine)


def can_propose_event(actor: User | None) -> bool:
    """Members propose events, moderators approve them; COET staff publish official dates."""
    return is_member(actor)


def can_publish_official(actor: User | None) -> bool:
    return is_member(actor) and is_official(actor)


def can_edit_event(actor: User | None, event: Event) -> bool:
    """An official date is edited by COET staff only, never by members or moderators; a
    member's event by its organiser and the moderators."""
    if event.is_official:
        return can_publish_official(actor)
    return is_moderator(actor) or (
        is_member(actor) and _is_author(actor, event.organiser_id) and event.status != REFUSED
    )


def can_review_events(actor: User | None) -> bool:
    """Approve or refuse members' proposals."""
    return is_moderator(actor)


def can_moderate(actor: User | None) -> bool:
    """Reports, the queue, the log and every moderation action: moderators and admins only."""
    return is_moderator(actor)


def can_hide_post(actor: User | None, post: Post) -> bool:
    return is_moderator(actor)  # coet_staff is a role, not a flag: it can never be a moderator


def can_manage_thread(actor: User | None, thread: Thread) -> bool:
    """Lock, unlock, pin, unpin, move, split, merge."""
    return is_moderator(actor)


def can_moderate_post(actor: User | None, post: Post) -> bool:
    """Edit with a note, delete, approve or reject someone's post as a moderator."""
    return is_moderator(actor)


def _is_author(actor: User | None, author_id: int | None) -> bool:
    return actor is not None and author_id is not None and actor.id == author_id


def can_see_thread(actor: User | None, thread: Thread) -> bool:
    """A thread waiting for approval is seen by its author and the moderators only."""
    return not thread.is_pending or _is_author(actor, thread.author_id) or is_moderator(actor)


def can_see_post(actor: User | None, post: Post) -> bool:
    """Whether POST stands on its thread's page for ACTOR, as its text or as a placeholder
    (hidden, deleted, masked): every published post does; one waiting for approval for its
    author and the moderators; a refused one for its author. Its text: `can_read_post`."""
    if not can_see_thread(actor, post.thread):
        return False
    return (
        not post.is_pending
        or _is_author(actor, post.author_id)
        or (is_moderator(actor) and not post.is_deleted)
    )


def can_read_post(actor: User | None, post: Post) -> bool:
    """Whether ACTOR may read POST's text: the one answer of every view that shows a post.

    Published text is for everyone. Text hidden by a moderator, deleted, waiting for approval
    or refused is for its author and the moderators. A restricted member's posts (art. 18)
    are masked for everyone but the member and the admins.
    """
    if not can_see_thread(actor, post.thread) or not can_read_post_of(actor, post.author):
        return False
    published = not (post.is_hidden or post.is_deleted or post.is_pending)
    return published or _is_author(actor, post.author_id) or is_moderator(actor)


def visible_threads(actor: User | None) -> ColumnElement[bool]:
    """The threads ACTOR may open, as a SQL condition: `can_see_thread` for lists."""
    if is_moderator(actor):
        return true()
    mine = Thread.author_id == actor.id if actor is not None else false()
    return or_(Thread.pending_at.is_(None), mine)


def visible_posts(actor: User | None) -> ColumnElement[bool]:
    """The posts whose text ACTOR may read, as a SQL condition: `can_read_post` for every
    list, count, quote, profile, feed and search that shows posts."""
    mine = Post.author_id == actor.id if actor is not None else false()
    conditions = []
    if not is_admin(actor):
        conditions.append(or_(Post.author_id.is_(None), Post.author_id.not_in(_restricted()), mine))
    if not is_moderator(actor):
        published = and_(
            Post.hidden_at.is_(None), Post.deleted_at.is_(None), Post.pending_at.is_(None)
        )
        conditions.append(or_(published, mine))
        conditions.append(_in_visible_thread(actor))
    return and_(true(), *conditions)


def _restricted():
    """The members whose data is restricted (art. 18), as a subquery."""
    return select(User.id).where(User.restricted_at.is_not(None))


def searchable_threads(actor: User | None) -> ColumnElement[bool]:
    """The threads whose title ACTOR may find by searching: those they may open, but not the
    titles masked while their author's data is restricted (`can_read_post_of`)."""
    if is_admin(actor):
        return visible_threads(actor)
    mine = Thread.author_id == actor.id if actor is not None else false()
    readable = or_(Thread.author_id.is_(None), Thread.author_id.not_in(_restricted()), mine)
    return and_(visible_threads(actor), readable)


def _in_visible_thread(actor: User | None) -> ColumnElement[bool]:
    # Correlated on the thread's key: one index look-up a post, even on a long list.
    return exists().where(Thread.id == Post.thread_id, visible_threads(actor))


def posts_on_thread_page(actor: User | None) -> ColumnElement[bool]:
    """The posts that stand on a thread's page for ACTOR: `can_see_post` for lists."""
    mine = Post.author_id == actor.id if actor is not None else false()
    waiting = Post.deleted_at.is_(None) if is_moderator(actor) else false()
    return and_(_in_visible_thread(actor), or_(Post.pending_at.is_(None), mine, waiting))


def skips_approval(actor: User) -> bool:
    """Appointed people are not queued as new members: moderators, admins, COET staff."""
    return holds_power(actor) or is_official(actor)


def can_see_decision(actor: User | None, entry: ModerationAction) -> bool:
    """A statement of reasons: the member it concerns, and the moderators."""
    return actor is not None and (actor.id == entry.member_id or is_moderator(actor))


def can_appeal(actor: User | None, entry: ModerationAction) -> bool:
    """Once, within the delay, by the member concerned, even suspended (not frozen)."""
    return (
        actor is not None
        and actor.id == entry.member_id
        and actor.is_verified
        and not actor.is_restricted
        and entry.action in charter.APPEALABLE
        and entry.appeal is None
        and utcnow() <= charter.appeal_deadline(entry)
    )


def can_decide_appeal(actor: User | None, appeal: Appeal) -> bool:
    """Another moderator than the one who acted, never the appellant; over a moderator's
    sanction, only an admin."""
    if not is_moderator(actor) or actor.id in (appeal.action.moderator_id, appeal.member_id):
        return False
    if appeal.action.action in charter.SANCTIONS:  # the same hierarchy as for sanctioning
        return appeal.member is None or can_sanction(actor, appeal.member)
    return True


def can_sanction(actor: User | None, member: User) -> bool:
    """Warn, suspend, ban, note: moderators over members; only admins over moderators."""
    if not is_moderator(actor) or actor.id == member.id:
        return False
    return is_admin(actor) or not is_moderator(member)


def can_manage_taxonomy(actor: User | None) -> bool:
    return is_admin(actor)


def can_reveal_personal_data(actor: User | None, member: User) -> bool:
    """A member's e-mail or login IP addresses: admins only, each access logged by the service."""
    return is_admin(actor)


def can_view_profile(actor: User | None, user: User) -> bool:
    """A restricted member's profile is hidden from others while the dispute lasts."""
    return not user.is_restricted or (
        actor is not None and (actor.id == user.id or is_admin(actor))
    )


def told_members() -> ColumnElement[bool]:
    """The members sent notices, as a SQL condition: `is_told` for lists."""
    return and_(User.email_verified_at.is_not(None), User.restricted_at.is_(None))


def named_members() -> ColumnElement[bool]:
    """The members whose name may be listed beside what they did (who reacted): not those
    whose data is restricted (art. 18)."""
    return User.restricted_at.is_(None)


def visible_conversations(actor: User | None, conversation_id=None) -> ColumnElement[bool]:
    """The conversations ACTOR may read, as a SQL condition on CONVERSATION_ID (a column;
    `Conversation.id` by default): `can_read_conversation` for lists and counts."""
    if actor is None:
        return false()
    return exists().where(
        ConversationMember.conversation_id == (conversation_id or Conversation.id),
        ConversationMember.user_id == actor.id,
    )


def in_directory() -> ColumnElement[bool]:
    """The members the directory of candidates lists: those who chose to be in it (consent),
    with a confirmed address, whose data is not restricted (art. 18)."""
    return and_(
        User.in_directory.is_(True),
        User.email_verified_at.is_not(None),
        User.restricted_at.is_(None),
    )


def can_read_post_of(actor: User | None, author: User | None) -> bool:
    """A restricted member's posts are masked for others while the dispute lasts (art. 18)."""
    if author is None or not author.is_restricted:
        return True
    return actor is not None and (actor.id == author.id or is_admin(actor))


def can_see_profile_field(actor: User | None, user: User, shown: bool) -> bool:
    """A profile field beyond the username: only if its owner chose to show it."""
    return shown or (actor is not None and actor.id == user.id)


def require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed
