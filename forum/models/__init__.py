"""The forum's models."""

from forum.models.access import PersonalDataAccess
from forum.models.bookmarks import Bookmark
from forum.models.cache import CacheGeneration
from forum.models.calendar import Event, EventChange, event_trades
from forum.models.community import Follow, NoticeSetting, Reaction, ReadMark, ThreadSolution
from forum.models.glossary import GlossaryEdit, GlossaryTerm
from forum.models.guides import Guide, GuideRevision
from forum.models.messages import Block, Conversation, ConversationMember, Message
from forum.models.moderation import (
    Appeal,
    ModerationAction,
    ModeratorNote,
    Report,
    ReportReason,
)
from forum.models.notifications import Notification
from forum.models.photos import PostPhoto
from forum.models.taxonomy import SlugRedirect, Topic, Trade, TradeGroup
from forum.models.threads import Post, PostRevision, Thread, ThreadRedirect, thread_trades
from forum.models.users import Device, LoginEvent, Role, User, user_trades

__all__ = [
    "Appeal",
    "Bookmark",
    "CacheGeneration",
    "Block",
    "Conversation",
    "ConversationMember",
    "Message",
    "Device",
    "Event",
    "EventChange",
    "Guide",
    "GuideRevision",
    "Follow",
    "GlossaryEdit",
    "GlossaryTerm",
    "NoticeSetting",
    "ReadMark",
    "Reaction",
    "ThreadSolution",
    "Notification",
    "ThreadRedirect",
    "ModerationAction",
    "ModeratorNote",
    "Report",
    "ReportReason",
    "LoginEvent",
    "Post",
    "PersonalDataAccess",
    "PostPhoto",
    "PostRevision",
    "Role",
    "SlugRedirect",
    "Thread",
    "Topic",
    "Trade",
    "TradeGroup",
    "User",
    "event_trades",
    "thread_trades",
    "user_trades",
]
