"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.exc import IntegrityError

from forum import ratelimits
from forum.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=ratelimits.remote_address)


@contextmanager
def unless_done_meanwhile() -> Iterator[None]:
    """Write and commit inside; if a unique constraint says a request of the same member did
    the same at the same moment (a double click), roll back: it is done, not an error."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
