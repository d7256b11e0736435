from forum.web.privacy.views import bp

__all__ = ["bp"]
