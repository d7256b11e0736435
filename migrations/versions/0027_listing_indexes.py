"""Indexes for the latest threads, a topic's list in its order, and the feeds' latest posts.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 15:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_threads_recent", "threads", ["last_posted_at", "id"])
    op.create_index(
        "ix_threads_topic_listing", "threads", ["topic_id", "is_pinned", "last_posted_at", "id"]
    )
    op.create_index("ix_posts_recent", "posts", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_posts_recent", table_name="posts")
    op.drop_index("ix_threads_topic_listing", table_name="threads")
    op.drop_index("ix_threads_recent", table_name="threads")
