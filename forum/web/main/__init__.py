from forum.web.main.views import bp

__all__ = ["bp"]
