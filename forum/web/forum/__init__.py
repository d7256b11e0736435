from forum.web.forum.views import bp

__all__ = ["bp"]
