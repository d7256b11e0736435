from forum.web.auth.views import bp

__all__ = ["bp"]
