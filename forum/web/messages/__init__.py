from forum.web.messages.views import bp

__all__ = ["bp"]
