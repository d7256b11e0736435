"""`flask db upgrade` from an empty database gives exactly the models' schema."""

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from forum.extensions import db
from tests.conftest import BACKEND, IS_POSTGRES, METADATAS, make_app


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database of the test engine with nothing in it."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(BACKEND)
    name = f"etabli_migrations_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_upgrade_from_empty_matches_the_models(tmp_path, empty_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)

    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                list(METADATAS),
            )
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()

    assert differences == []
    assert {"users", "gdpr_consent_events", "alembic_version"} <= tables


def test_every_migration_can_be_rolled_back(tmp_path, empty_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)

    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()

    assert tables == set()


def test_upgrading_a_forum_with_posts_keeps_every_row(tmp_path, empty_database_url):
    """Recreating tables for AUTOINCREMENT (0014) must not cascade to replies, history, reports."""
    from sqlalchemy import func, select

    from forum.models import Post, PostRevision, Report, Thread, thread_trades
    from forum.services import moderation, posting
    from tests.factories import make_post, make_thread, make_user

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0013")
        post = make_post(thread=make_thread(trades=("boulangerie",)))
        posting.edit_post(post.author, post, body="Réponse corrigée")
        moderation.report_post(make_user(), post, reason="spam")
        db.session.remove()

        upgrade()
        counts = [
            db.session.scalar(select(func.count()).select_from(table))
            for table in (Thread, Post, PostRevision, Report, thread_trades)
        ]
        db.session.remove()
        db.engine.dispose()

    assert counts == [1, 2, 1, 1, 1]
