from forum.web.glossary.views import bp

__all__ = ["bp"]
