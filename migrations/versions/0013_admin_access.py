"""The log of admins' access to members' e-mail and IP addresses.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 05:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_data_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["users.id"], name=op.f("fk_personal_data_accesses_admin_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_personal_data_accesses_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_accesses")),
        info={"subject": "subject_id"},
    )
    with op.batch_alter_table("personal_data_accesses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_data_accesses_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_personal_data_accesses_subject_id"), ["subject_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("personal_data_accesses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_data_accesses_subject_id"))
        batch_op.drop_index(batch_op.f("ix_personal_data_accesses_created_at"))

    op.drop_table("personal_data_accesses")
