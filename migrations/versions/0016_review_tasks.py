"""Review tasks after an erasure keep what to look for (encrypted) until handled, and how
they were handled.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("gdpr_review_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identifiers_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("kept_because", sa.String(length=500), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_gdpr_review_tasks_resolved_at"), ["resolved_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("gdpr_review_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gdpr_review_tasks_resolved_at"))
        batch_op.drop_column("kept_because")
        batch_op.drop_column("outcome")
        batch_op.drop_column("identifiers_encrypted")
