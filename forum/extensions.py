"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from forum import ratelimits
from forum.models.base import Base


class Migrations:
    """Flask-Migrate, imported the first time a migration runs (`flask db …`, or its
    `upgrade()` called from code): Alembic and Mako weigh 11 MB that a web worker never uses."""

    def init_app(self, app: Flask, db: SQLAlchemy, *, directory: str) -> None:
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, directory)
        app.cli.add_command(_MigrationCommands(app), name="db")


class _MigrateOnFirstUse:
    """Stands in `app.extensions["migrate"]` until Flask-Migrate is asked for anything."""

    def __init__(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        self._app, self._db, self._directory = app, db, directory

    def real(self) -> Any:
        from flask_migrate import Migrate

        Migrate(self._app, self._db, directory=self._directory)  # replaces this stand-in
        return self._app.extensions["migrate"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


class _MigrationCommands(click.Group):
    """`flask db`, whose commands are Flask-Migrate's, loaded when the group is run."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _real(self) -> click.Group:
        extension = self._app.extensions["migrate"]
        if isinstance(extension, _MigrateOnFirstUse):
            extension.real()
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name: str | None, args: list[str], parent=None, **extra: Any):
        return self._real().make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(model_class=Base)
migrate = Migrations()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=ratelimits.remote_address)


@contextmanager
def autocommit_reads() -> Iterator[Connection | None]:
    """A connection in autocommit for reads that need no transaction, on PostgreSQL while
    the request's session has begun none (BEGIN and ROLLBACK: two round trips a request);
    None otherwise (SQLite sends no BEGIN for a read): read through the session."""
    if db.session().in_transaction() or db.engine.dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


@contextmanager
def unless_done_meanwhile() -> Iterator[None]:
    """Write and commit inside; if a unique constraint says a request of the same member did
    the same at the same moment (a double click), roll back: it is done, not an error."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()


@contextmanager
def keep_loaded_objects() -> Iterator[None]:
    """Commits inside leave the objects loaded as they are (not expired): many commits in one
    session, or a write whose request ends with an address built from what it wrote, read
    back none of it. Expire yourself what a bulk statement changed."""
    session = db.session()
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True
