"""Signed-in devices (a session lives as long as its record; a two-factor secret being enrolled
waits on the device that started it), single-use TOTP codes, and the kind of each login-history
entry.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 18:00:00.000000

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("browser", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("remembered", sa.Boolean(), nullable=False),
        sa.Column("totp_pending_encrypted", sa.String(length=500), nullable=True),
        sa.Column("totp_pending_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
        info={"subject": "user_id"},
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_last_seen_on"), ["last_seen_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("login_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=30), server_default="login", nullable=False)
        )

    # Sessions opened before this revision carry no device: they end here (members log in again).
    with _users_table() as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.drop_column("session_epoch")


@contextmanager
def _users_table():
    """Alter `users`; on SQLite the table is copied, so as in 0014: foreign keys off for the
    copy (dropping the old table would cascade to every row pointing at a member), and
    AUTOINCREMENT kept (an erased member's id is never given again)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("users", schema=None) as batch_op:
            yield batch_op
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        with op.batch_alter_table(
            "users", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch_op:
            yield batch_op
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def downgrade():
    with _users_table() as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_column("totp_last_step")

    with op.batch_alter_table("login_events", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_user_id"))
        batch_op.drop_index(batch_op.f("ix_devices_last_seen_on"))

    op.drop_table("devices")
