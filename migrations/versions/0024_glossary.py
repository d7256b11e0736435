"""The glossary of the competition (`/lexique`).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 05:26:13.421885

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("term", sa.String(length=120), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("explanation_source", sa.Text(), nullable=False),
        sa.Column("explanation_html", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=60), nullable=False),
        sa.Column("last_checked_on", sa.Date(), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["edited_by_id"], ["users.id"], name=op.f("fk_glossary_terms_edited_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_terms")),
        sa.UniqueConstraint("slug", name=op.f("uq_glossary_terms_slug")),
    )
    with op.batch_alter_table("glossary_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_glossary_terms_edited_by_id"), ["edited_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("glossary_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossary_terms_edited_by_id"))

    op.drop_table("glossary_terms")
