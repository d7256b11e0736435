from forum.web.account.views import bp

__all__ = ["bp"]
