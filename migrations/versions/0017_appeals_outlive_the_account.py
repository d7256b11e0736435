"""An appeal is kept with the decision it contests after its author's account is erased: the
link to the member may become NULL (and does, rather than the appeal going with the account).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_constraint("fk_appeals_member_id_users", type_="foreignkey")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_appeals_member_id_users", "users", ["member_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    op.execute("DELETE FROM appeals WHERE member_id IS NULL")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_constraint("fk_appeals_member_id_users", type_="foreignkey")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_appeals_member_id_users", "users", ["member_id"], ["id"], ondelete="CASCADE"
        )
