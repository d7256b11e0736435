from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table

import gdpr.models
from forum.extensions import db
from gdpr.annotations import PersonalData, not_personal
from gdpr.inventory import unclassified


def test_every_column_is_classified():
    assert unclassified(db.metadata, gdpr.models.metadata) == []


def test_a_column_without_classification_is_reported():
    metadata = MetaData()
    Table("notes", metadata, Column("id", Integer, primary_key=True, info=not_personal()))
    Table("extra", metadata, Column("id", Integer, primary_key=True), Column("nickname", Integer))

    assert unclassified(metadata) == ["extra.id", "extra.nickname"]


def test_every_table_with_personal_data_names_its_subject_column():
    for metadata in (db.metadata, gdpr.models.metadata):
        for table in metadata.sorted_tables:
            personal = [c for c in table.columns if isinstance(c.info["personal"], PersonalData)]
            if personal:
                assert table.info.get("subject") in table.columns, table.name


def test_gdpr_never_imports_the_forum_nor_flask():
    package = Path(gdpr.models.__file__).parent
    offenders = [
        path.name
        for path in package.glob("*.py")
        for line in path.read_text().splitlines()
        if line.startswith(("import ", "from "))
        and line.split()[1].split(".")[0] in {"forum", "flask"}
    ]

    assert offenders == []


def test_every_retention_rule_named_by_a_column_has_a_duration_in_the_settings(app):
    durations = app.config["GDPR_RETENTION"]
    named = {
        column.info["personal"].retention
        for metadata in (db.metadata, gdpr.models.metadata)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.info["personal"], PersonalData)
    }

    assert named and named <= set(durations)
    assert all(isinstance(days, int) and days > 0 for days in durations.values())
