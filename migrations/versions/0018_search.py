"""Full-text search: the words of each post (without the quotation it opens with), and the
index of titles and posts — FTS5 tables kept by triggers on SQLite, a French text search
configuration with unaccent and expression GIN indexes on PostgreSQL (forum/search_index.py).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from forum import search_index

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    posts = sa.table("posts", sa.column("id"), sa.column("html"), sa.column("search_text"))
    for post_id, html in connection.execute(sa.select(posts.c.id, posts.c.html)).all():
        connection.execute(
            posts.update()
            .where(posts.c.id == post_id)
            .values(search_text=search_index.plain_text(html))
        )
    search_index.install(connection, "threads")
    search_index.install(connection, "posts")
    search_index.rebuild(connection)


def downgrade():
    connection = op.get_bind()
    search_index.uninstall(connection, "posts")
    search_index.uninstall(connection, "threads")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("search_text")
