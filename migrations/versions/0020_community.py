"""Community: follows, reactions, read marks, solutions, notice settings; richer notices.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 03:45:27.477356

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notice_settings")),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("trade_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_follows_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_follows_topic_id_topics"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_follows_trade_id_trades"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("user_id", "thread_id", name="uq_follows_user_thread"),
        sa.UniqueConstraint("user_id", "topic_id", name="uq_follows_user_topic"),
        sa.UniqueConstraint("user_id", "trade_id", name="uq_follows_user_trade"),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follows_thread_id"), ["thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_topic_id"), ["topic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_trade_id"), ["trade_id"], unique=False)

    op.create_table(
        "read_marks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_post_id", sa.Integer(), nullable=False),
        sa.Column("read_up_to", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_read_marks_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_read_marks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_read_marks")),
    )
    with op.batch_alter_table("read_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_marks_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_reactions_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reactions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint("user_id", "post_id", "kind", name=op.f("uq_reactions_user_id")),
    )
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reactions_post_id"), ["post_id"], unique=False)

    op.create_table(
        "thread_solutions",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_thread_solutions_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_solutions_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_thread_solutions")),
        sa.UniqueConstraint("post_id", name=op.f("uq_thread_solutions_post_id")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_thread_id"), ["thread_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_thread_id_threads"),
            "threads",
            ["thread_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_post_id_posts"),
            "posts",
            ["post_id"],
            ["id"],
            ondelete="CASCADE",
        )

    # Plain ALTER TABLE (no batch): SQLite keeps the table, and its AUTOINCREMENT.
    op.add_column(
        "users", sa.Column("email_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "users",
        sa.Column("follow_on_post", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("users", sa.Column("all_read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("all_read_at")
        batch_op.drop_column("follow_on_post")
        batch_op.drop_column("email_digest")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_post_id_posts"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_thread_id_threads"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notifications_thread_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_post_id"))
        batch_op.drop_column("emailed_at")
        batch_op.drop_column("count")
        batch_op.drop_column("detail")
        batch_op.drop_column("thread_id")
        batch_op.drop_column("post_id")

    op.drop_table("thread_solutions")
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reactions_post_id"))

    op.drop_table("reactions")
    with op.batch_alter_table("read_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_marks_thread_id"))

    op.drop_table("read_marks")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follows_trade_id"))
        batch_op.drop_index(batch_op.f("ix_follows_topic_id"))
        batch_op.drop_index(batch_op.f("ix_follows_thread_id"))

    op.drop_table("follows")
    op.drop_table("notice_settings")
