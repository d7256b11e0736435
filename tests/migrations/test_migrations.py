"""`flask db upgrade` from an empty database gives exactly the models' schema."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect

from config import PROJECT_ROOT
from forum import search_index
from forum.extensions import db
from tests.conftest import IS_POSTGRES, METADATAS, TEST_CONFIG, make_app


def test_upgrade_from_empty_matches_the_models(tmp_path, empty_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)

    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(
                    connection,
                    opts={
                        "compare_type": True,
                        "include_name": lambda name, *_: not search_index.is_search_object(name),
                    },
                ),
                list(METADATAS),
            )
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()

    assert differences == []
    assert {"users", "gdpr_consent_events", "alembic_version"} <= tables
    # The search index is not in the models: it must be there all the same, on both engines.
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            found = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name LIKE '%search%'"
            ).scalars()
            expected = {
                "post_search",
                "thread_search",
                "post_search_insert",
                "thread_search_update",
            }
        else:
            found = connection.exec_driver_sql("SELECT indexname FROM pg_indexes").scalars()
            expected = {"ix_posts_search", "ix_threads_search"}
        assert expected <= set(found)
        db.engine.dispose()


def test_every_migration_can_be_rolled_back(tmp_path, empty_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)

    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()

    assert tables == set()


def _seed_one_row_per_table(connection) -> dict[str, int]:
    """One row in every table of the schema as it stands, whatever its columns: each required
    column gets a value of its type (foreign keys point at the first row of their table)."""
    reflected = MetaData()
    reflected.reflect(connection)
    for table in reflected.sorted_tables:
        if table.name == "alembic_version":
            continue
        row = {}
        for column in table.columns:
            if column.nullable and not column.foreign_keys:
                continue
            if column.foreign_keys or column.name == "id":
                row[column.name] = 1
            elif column.name == "role":
                row[column.name] = "member"
            elif isinstance(column.type, sa.DateTime):
                row[column.name] = datetime(2026, 11, 1, tzinfo=UTC)
            elif isinstance(column.type, sa.Date):
                row[column.name] = date(2026, 11, 1)
            elif isinstance(column.type, sa.Boolean):
                row[column.name] = False
            elif isinstance(column.type, sa.Integer):
                row[column.name] = 1
            else:
                length = getattr(column.type, "length", None) or 100
                row[column.name] = f"{table.name}-{column.name}"[:length]
        connection.execute(table.insert().values(**row))
    return {
        table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
        for table in reflected.sorted_tables
        if table.name != "alembic_version"
    }


@pytest.mark.parametrize("start", ["0013", "0014"])
def test_upgrading_a_forum_keeps_every_row(tmp_path, empty_database_url, start):
    """Tables recreated on SQLite (0014: threads and posts, 0015: users) must not cascade the
    drop of the old table to every row pointing at it, nor lose AUTOINCREMENT."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=start)
        with db.engine.begin() as connection:
            before = _seed_one_row_per_table(connection)
        upgrade()
        with db.engine.connect() as connection:
            after = {
                name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                for name in before
            }
            schema = {}
            if not IS_POSTGRES:
                schema = dict(
                    connection.exec_driver_sql("SELECT name, sql FROM sqlite_master").all()
                )
        db.engine.dispose()

    assert before and set(before.values()) == {1}
    assert after == before
    for name in ("users", "threads", "posts"):
        assert IS_POSTGRES or "AUTOINCREMENT" in schema[name]


def test_flask_db_runs_from_the_command_line_and_a_web_worker_never_loads_alembic(
    tmp_path, empty_database_url
):
    """Alembic and Mako (11 MB) are imported by a migration only, not by the pages; RQ and
    Redis only where REDIS_URL is set. The worker keeps the garbage collector off what lives
    as long as it: the application, then what its first requests built."""
    env = {
        **os.environ,
        "DATABASE_URL": empty_database_url,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEYS": TEST_CONFIG["DATA_KEYS"][0],
        "BLIND_INDEX_KEY": "test-blind-index-key",
        "ETABLI_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": "",
    }
    flask = [sys.executable, "-m", "flask", "--app", "forum", "db"]
    upgraded = subprocess.run([*flask, "upgrade"], env=env, capture_output=True, text=True)
    assert upgraded.returncode == 0, upgraded.stderr
    current = subprocess.run([*flask, "current"], env=env, capture_output=True, text=True)
    assert "(head)" in current.stdout, current.stdout + current.stderr

    serving = (
        "import gc, sys\nimport forum\nfrom forum import create_app\n"
        "client = create_app().test_client()\n"
        "assert client.get('/').status_code == 200\n"
        "print(sorted(m for m in ('alembic', 'mako', 'flask_migrate', 'rq', 'redis')"
        " if m in sys.modules))\n"
        "built = gc.get_freeze_count()\n"
        "for _ in range(forum.SETTLED_AFTER_REQUESTS): client.get('/')\n"
        "print(built > 0, gc.get_freeze_count() > built)"
    )
    served = subprocess.run(
        [sys.executable, "-c", serving], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.split("\n")[:2] == ["[]", "True True"]
