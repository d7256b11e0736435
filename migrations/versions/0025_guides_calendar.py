"""Practical guides, the calendar, the glossary's history; follows, notices and reports of
guides and events.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 07:02:50.604006

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=True),
        sa.Column("edition", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description_source", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("all_day", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("is_official", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organiser_id"], ["users.id"], name=op.f("fk_events_organiser_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_events_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_events_uid")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_edition"), ["edition"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_organiser_id"), ["organiser_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_status"), ["status"], unique=False)

    op.create_table(
        "event_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("old_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("old_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("old_place", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_event_changes_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_changes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_changes")),
    )
    with op.batch_alter_table("event_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_changes_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_trades",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_trades_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_event_trades_trade_id_trades")
        ),
        sa.PrimaryKeyConstraint("event_id", "trade_id", name=op.f("pk_event_trades")),
    )
    with op.batch_alter_table("event_trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_trades_trade_id"), ["trade_id"], unique=False)

    op.create_table(
        "glossary_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("former_summary", sa.String(length=300), nullable=False),
        sa.Column("former_explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["users.id"], name=op.f("fk_glossary_edits_editor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
            name=op.f("fk_glossary_edits_term_id_glossary_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_edits")),
    )
    with op.batch_alter_table("glossary_edits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_glossary_edits_editor_id"), ["editor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_glossary_edits_term_id"), ["term_id"], unique=False)

    op.create_table(
        "guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("search_stems", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision_count", sa.Integer(), nullable=False),
        sa.Column("source_thread_id", sa.Integer(), nullable=True),
        sa.Column("pending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_guides_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["users.id"], name=op.f("fk_guides_hidden_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_thread_id"],
            ["threads.id"],
            name=op.f("fk_guides_source_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_guides_topic_id_topics")
        ),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_guides_trade_id_trades")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guides")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guides_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_guides_source_thread_id"), ["source_thread_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_guides_topic_id"), ["topic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guides_trade_id"), ["trade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guides_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "guide_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restores", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_guide_revisions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_revisions_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_revisions")),
        sa.UniqueConstraint("guide_id", "number", name=op.f("uq_guide_revisions_guide_id")),
    )
    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guide_revisions_author_id"), ["author_id"], unique=False
        )

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guide_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_follows_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_guide_id"), ["guide_id"], unique=False)
        batch_op.create_unique_constraint("uq_follows_user_event", ["user_id", "event_id"])
        batch_op.create_unique_constraint("uq_follows_user_guide", ["user_id", "guide_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_follows_event_id_events"),
            "events",
            ["event_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_follows_guide_id_guides"),
            "guides",
            ["guide_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guide_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_guide_id"), ["guide_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_event_id_events"),
            "events",
            ["event_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_guide_id_guides"),
            "guides",
            ["guide_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guide_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reports_guide_id"), ["guide_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_guide_id_guides"),
            "guides",
            ["guide_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_guide_id_guides"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reports_guide_id"))
        batch_op.drop_column("guide_id")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_guide_id_guides"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_notifications_event_id_events"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_guide_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_event_id"))
        batch_op.drop_column("event_id")
        batch_op.drop_column("guide_id")

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_follows_guide_id_guides"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_follows_event_id_events"), type_="foreignkey")
        batch_op.drop_constraint("uq_follows_user_guide", type_="unique")
        batch_op.drop_constraint("uq_follows_user_event", type_="unique")
        batch_op.drop_index(batch_op.f("ix_follows_guide_id"))
        batch_op.drop_index(batch_op.f("ix_follows_event_id"))
        batch_op.drop_column("event_id")
        batch_op.drop_column("guide_id")

    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_revisions_author_id"))

    op.drop_table("guide_revisions")
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guides_updated_at"))
        batch_op.drop_index(batch_op.f("ix_guides_trade_id"))
        batch_op.drop_index(batch_op.f("ix_guides_topic_id"))
        batch_op.drop_index(batch_op.f("ix_guides_source_thread_id"))
        batch_op.drop_index(batch_op.f("ix_guides_created_by_id"))

    op.drop_table("guides")
    with op.batch_alter_table("glossary_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossary_edits_term_id"))
        batch_op.drop_index(batch_op.f("ix_glossary_edits_editor_id"))

    op.drop_table("glossary_edits")
    with op.batch_alter_table("event_trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_trades_trade_id"))

    op.drop_table("event_trades")
    with op.batch_alter_table("event_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_changes_event_id"))

    op.drop_table("event_changes")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_status"))
        batch_op.drop_index(batch_op.f("ix_events_starts_at"))
        batch_op.drop_index(batch_op.f("ix_events_stage"))
        batch_op.drop_index(batch_op.f("ix_events_organiser_id"))
        batch_op.drop_index(batch_op.f("ix_events_edition"))

    op.drop_table("events")
