"""Alembic environment: the forum's models and gdpr/'s tables, on the app's database."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

import gdpr.models
from forum import search_index

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
# Both metadatas: the forum's and gdpr/'s own (DESIGN: gdpr tables have their own MetaData).
target_metadata = [target_db.metadata, gdpr.models.metadata]


def run_migrations_offline():
    context.configure(
        url=str(target_db.engine.url), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Write gdpr's UTCDateTime as the plain timestamp with time zone it stores."""
    if type_ == "type" and isinstance(obj, gdpr.models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name, type_, parent_names):
    """The full-text index lives beside the models (forum/search_index.py): not compared."""
    return not search_index.is_search_object(name)


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_as_batch", True)  # SQLite alters tables by copying them
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_name", include_name)

    connectable = target_db.engine
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
