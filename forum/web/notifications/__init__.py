from forum.web.notifications.views import bp

__all__ = ["bp"]
