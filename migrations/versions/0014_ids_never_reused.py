"""Thread and post ids are never reused on SQLite (AUTOINCREMENT), like user ids.

A merged thread's address redirects for good, and a permalink or a log entry never comes to
designate another post. PostgreSQL sequences never reuse ids: nothing to do there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:40:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("threads", "posts")


def _recreate(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Recreating a table drops the old one: with foreign keys on, SQLite would cascade that
    # drop to every row pointing at it (replies, history, reports). Off for the copy, then on.
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        for table in TABLES:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
            ):
                pass
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
