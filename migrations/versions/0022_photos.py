"""Photos of work attached to posts (the files live in PHOTO_FOLDER).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 04:27:37.068244

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "post_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("extension", sa.String(length=4), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_photos_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_post_photos_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_photos")),
        sa.UniqueConstraint("token", name=op.f("uq_post_photos_token")),
    )
    with op.batch_alter_table("post_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_photos_post_id"), ["post_id"], unique=False)


def downgrade():
    with op.batch_alter_table("post_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_photos_post_id"))

    op.drop_table("post_photos")
