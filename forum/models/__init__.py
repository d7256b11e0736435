"""The forum's models."""

from forum.models.users import Role, User

__all__ = ["Role", "User"]
