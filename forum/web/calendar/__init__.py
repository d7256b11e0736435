from forum.web.calendar.views import bp

__all__ = ["bp"]
