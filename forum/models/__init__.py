"""The forum's models."""

from forum.models.moderation import ModerationAction, ModeratorNote, Report, ReportReason
from forum.models.taxonomy import SlugRedirect, Topic, Trade, TradeGroup
from forum.models.threads import Post, PostRevision, Thread, thread_trades
from forum.models.users import LoginEvent, Role, User, user_trades

__all__ = [
    "ModerationAction",
    "ModeratorNote",
    "Report",
    "ReportReason",
    "LoginEvent",
    "Post",
    "PostRevision",
    "Role",
    "SlugRedirect",
    "Thread",
    "Topic",
    "Trade",
    "TradeGroup",
    "User",
    "thread_trades",
    "user_trades",
]
