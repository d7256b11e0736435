from forum.web.guides.views import bp

__all__ = ["bp"]
