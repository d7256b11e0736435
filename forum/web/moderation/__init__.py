from forum.web.moderation.views import bp

__all__ = ["bp"]
