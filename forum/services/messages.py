"""Private conversations (`/me/messages`) between two to ten members, and blocking.

A member may refuse conversations (`accepts_messages`) or block someone: a blocked member can
neither start a conversation with them nor reach them by `@mention`. Moderators never read a
conversation: a reported message is shown to them alone (`moderation.list_message_reports`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from forum import markup, pagination, policy, usernames
from forum.errors import InvalidInput
from forum.extensions import db, unless_done_meanwhile
from forum.models import Block, Conversation, ConversationMember, Message, User
from forum.models.base import utcnow
from forum.services import notifications, posting

MEMBERS_MAX = 10  # the starter and up to nine others
TITLE_MAX = 150


@dataclass
class ConversationRow:
    conversation: Conversation
    unread: int
    others: list[User | None]


# --- blocking ------------------------------------------------------------------------------


def blocked_ids(member: User) -> set[int]:
    """The members MEMBER blocks."""
    query = select(Block.blocked_id).where(
        Block.user_id == member.id, Block.blocked_id.is_not(None)
    )
    return set(db.session.scalars(query))


def blocked_within(actor: User, member_ids: set[int]) -> bool:
    """Whether one of the other members MEMBER_IDS blocks ACTOR (who may then write no more
    in their conversation)."""
    others = [member_id for member_id in member_ids if member_id != actor.id]
    query = select(Block.id).where(Block.user_id.in_(others), Block.blocked_id == actor.id)
    return bool(others) and db.session.scalar(query.limit(1)) is not None


def set_block(actor: User, member: User, blocking: bool) -> None:
    """Block MEMBER for ACTOR, or lift the block."""
    policy.require(policy.can_block(actor, member))
    mine = (Block.user_id == actor.id, Block.blocked_id == member.id)
    with unless_done_meanwhile():
        if not blocking:
            db.session.execute(delete(Block).where(*mine))
        elif db.session.scalar(select(Block.id).where(*mine)) is None:
            db.session.add(Block(user_id=actor.id, blocked_id=member.id, created_at=utcnow()))
        db.session.commit()


# --- conversations -------------------------------------------------------------------------


def _recipients(actor: User, names: str) -> tuple[list[User], str | None]:
    """The members a comma-separated list of usernames NAMES, checked for ACTOR."""
    wanted = [name.strip().lstrip("@") for name in names.replace(";", ",").split(",")]
    wanted = list(dict.fromkeys(name for name in wanted if name))
    if not wanted:
        return [], _("Indiquez à qui écrire (un ou plusieurs noms d'utilisateur).")
    if len(wanted) > MEMBERS_MAX - 1:
        return [], _("Une conversation réunit au plus %(n)d membres.", n=MEMBERS_MAX)
    keys = {usernames.key(name): name for name in wanted}
    found = {
        user.username_key: user
        for user in db.session.scalars(select(User).where(User.username_key.in_(keys)))
    }
    missing = [name for key, name in keys.items() if key not in found]
    if missing:
        return [], _("Aucun membre ne s'appelle %(names)s.", names=", ".join(missing))
    members = [user for user in found.values() if user.id != actor.id]
    refusing = [user.username for user in members if not policy.can_message(actor, user)]
    if refusing or blocked_within(actor, {user.id for user in members}):
        return [], _(
            "Vous ne pouvez pas écrire à %(names)s : ce membre n'accepte pas de messages privés.",
            names=", ".join(refusing) or _("l'un de ces membres"),
        )
    if not members:
        return [], _("Indiquez au moins un autre membre que vous.")
    return members, None


def _body_problem(body: str) -> str | None:
    if not body.strip():
        return _("Le message ne peut pas être vide.")
    if len(body) > posting.BODY_MAX:
        return _("Le message ne peut pas dépasser %(n)d caractères.", n=posting.BODY_MAX)
    return None


def start(actor: User, *, to: str, title: str, body: str) -> Conversation:
    """Start a conversation between ACTOR and the members TO names, with its first message."""
    policy.require(policy.can_start_conversation(actor))
    title = " ".join(title.split())
    body = body.replace("\r\n", "\n").rstrip()
    members, to_problem = _recipients(actor, to)
    error = InvalidInput.collect(
        {
            "to": to_problem,
            "title": posting.title_problem(title),
            "body": _body_problem(body),
        }
    )
    if error:
        raise error
    now = utcnow()
    conversation = Conversation(
        title=title, started_by_id=actor.id, created_at=now, last_message_at=now
    )
    conversation.members = [
        ConversationMember(user_id=member.id, joined_at=now) for member in [actor, *members]
    ]
    db.session.add(conversation)
    db.session.flush()
    _add_message(actor, conversation, body, now)
    db.session.commit()
    return conversation


def render(body: str) -> str:
    """A private message's HTML (the same Markdown and sanitiser as posts, bounded alike)."""
    return markup.render(body[: posting.BODY_MAX])


def _add_message(actor: User, conversation: Conversation, body: str, now) -> Message:
    message = Message(
        conversation_id=conversation.id,
        author_id=actor.id,
        source=body,
        html=render(body),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.execute(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.user_id == actor.id,
        )
        .values(last_read_message_id=message.id)
    )
    conversation.last_message_at = now
    others = [member.user for member in conversation.members if member.user_id != actor.id]
    notifications.message_written(message, conversation, others)
    return message


def reply(actor: User, conversation: Conversation, *, body: str) -> Message:
    """ACTOR's message at the end of CONVERSATION."""
    members = member_ids(conversation)
    policy.require(policy.can_write_in(actor, conversation, members))
    body = body.replace("\r\n", "\n").rstrip()
    problem = _body_problem(body)
    if blocked_within(actor, members):
        problem = _("Un membre de cette conversation vous a bloqué : vous ne pouvez plus y écrire.")
    if problem:
        raise InvalidInput("body", problem)
    message = _add_message(actor, conversation, body, utcnow())
    db.session.commit()
    return message


def member_ids(conversation: Conversation) -> set[int]:
    query = select(ConversationMember.user_id).where(
        ConversationMember.conversation_id == conversation.id
    )
    return set(db.session.scalars(query))


def get_conversation(actor: User, conversation_id: int) -> Conversation | None:
    """One of ACTOR's conversations, or None (someone else's is not found, like a missing one)."""
    conversation = db.session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(selectinload(Conversation.members).joinedload(ConversationMember.user))
    )
    if conversation is None or not policy.can_read_conversation(
        actor, conversation, {member.user_id for member in conversation.members}
    ):
        return None
    return conversation


def list_conversations(actor: User, *, page: int = 1) -> pagination.Page[ConversationRow]:
    """ACTOR's conversations, the latest active first, with their unread counts."""
    mine = select(Conversation).where(policy.visible_conversations(actor))
    total = db.session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    number = pagination.check(page, total)
    conversations = db.session.scalars(
        mine.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(selectinload(Conversation.members).joinedload(ConversationMember.user))
    ).all()
    unread = _unread_by_conversation(actor, [c.id for c in conversations])
    rows = [
        ConversationRow(
            conversation=conversation,
            unread=unread.get(conversation.id, 0),
            others=[m.user for m in conversation.members if m.user_id != actor.id],
        )
        for conversation in conversations
    ]
    return pagination.Page(items=rows, number=number, total=total)


def _unread_condition(actor: User):
    return and_(
        ConversationMember.user_id == actor.id,
        Message.conversation_id == ConversationMember.conversation_id,
        Message.id > ConversationMember.last_read_message_id,
        or_(Message.author_id.is_(None), Message.author_id != actor.id),
    )


def _unread_by_conversation(actor: User, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Message.conversation_id, func.count())
        .join(ConversationMember, ConversationMember.conversation_id == Message.conversation_id)
        .where(_unread_condition(actor), Message.conversation_id.in_(ids))
        .group_by(Message.conversation_id)
    )
    return dict(rows.all())


def count_unread(actor: User) -> int:
    """How many messages ACTOR has not read, in all their conversations (the header's count)."""
    query = (
        select(func.count())
        .select_from(Message)
        .join(ConversationMember, ConversationMember.conversation_id == Message.conversation_id)
        .where(_unread_condition(actor))
    )
    return db.session.scalar(query) or 0


def list_messages(
    actor: User, conversation: Conversation, *, page: int | None = None
) -> pagination.Page[Message]:
    """A page of CONVERSATION, oldest first (the last page by default); read up to it."""
    mine = Message.conversation_id == conversation.id
    total = db.session.scalar(select(func.count()).where(mine)) or 0
    last = pagination.Page(items=[], number=1, total=total).count
    number = pagination.check(page or last, total)
    messages = db.session.scalars(
        select(Message)
        .where(mine)
        .order_by(Message.id)
        .limit(pagination.PAGE_SIZE)
        .offset((number - 1) * pagination.PAGE_SIZE)
        .options(joinedload(Message.author))
    ).all()
    if messages:
        db.session.execute(
            update(ConversationMember)
            .where(
                ConversationMember.conversation_id == conversation.id,
                ConversationMember.user_id == actor.id,
                ConversationMember.last_read_message_id < messages[-1].id,
            )
            .values(last_read_message_id=messages[-1].id)
        )
        db.session.commit()
        notifications.mark_read(actor, conversation_id=conversation.id)
    return pagination.Page(items=list(messages), number=number, total=total)


def set_accepting(actor: User, accepting: bool) -> None:
    """Whether other members may start conversations with ACTOR."""
    policy.require(policy.can_follow(actor))
    actor.accepts_messages = accepting
    db.session.commit()


def get_message(actor: User, message_id: int) -> Message | None:
    """A message of one of ACTOR's conversations."""
    message = db.session.get(Message, message_id)
    if message is None or get_conversation(actor, message.conversation_id) is None:
        return None
    return message
