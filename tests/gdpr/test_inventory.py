import ast
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, func, select

import gdpr.crypto
import gdpr.erasure
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
            if personal and not table.info.get("unlinked"):
                assert table.info.get("subject") in table.columns, table.name


def test_gdpr_never_imports_the_forum_nor_flask():
    package = Path(gdpr.models.__file__).parent
    offenders = []
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in {"forum", "flask"}
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


def test_every_reference_to_a_member_is_handled_by_the_erasure(app_ctx, time_machine):
    """A new table pointing at users must be erased too: after an erasure no row refers to them."""
    from forum.services import erasure
    from tests.factories import PASSWORD
    from tests.gdpr.conftest import make_member_with_a_past

    time_machine.move_to("2026-06-01 10:00", tick=True)
    member, *_ = make_member_with_a_past()
    member_id = member.id
    erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)
    erasure.run_due_erasures()

    left = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                count = db.session.execute(
                    select(func.count()).select_from(table).where(column == member_id)
                ).scalar_one()
                if count:
                    left.append(f"{table.name}.{column.name}")
    assert left == []


def test_every_table_keeps_its_personal_data_no_longer_than_a_rule_says():
    """Each (table, duration) the inventory declares has a rule of that duration that removes
    that table's rows (or, for the account's lifetime, erases the member and so reaches every
    table linked to them): the register cannot state a retention the code does not apply."""
    from forum.services.retention import RETENTION_RULES

    metadatas = [db.metadata, gdpr.models.metadata]
    subjects = gdpr.erasure.subjects_table(metadatas)
    unruled = []
    for metadata in metadatas:
        for table in metadata.sorted_tables:
            linked = bool(gdpr.erasure.references(table, subjects))
            for key in {
                column.info["personal"].retention
                for column in table.columns
                if isinstance(column.info["personal"], PersonalData)
            }:
                if not any(
                    rule.retention == key
                    and (table.name in rule.tables or (rule.erases_subjects and linked))
                    for rule in RETENTION_RULES
                ):
                    unruled.append(f"{table.name}: {key}")

    assert unruled == []


def test_every_retention_rule_has_a_setting():
    from config import RETENTION_DEFAULTS
    from forum.services.retention import RETENTION_RULES

    assert {rule.retention for rule in RETENTION_RULES} <= set(RETENTION_DEFAULTS)


def test_the_erasure_engine_can_apply_every_declaration():
    assert gdpr.erasure.problems([db.metadata, gdpr.models.metadata]) == []


def test_every_column_holding_ciphertext_is_declared_encrypted_and_so_rotated():
    declared = {
        f"{column.table.name}.{column.name}"
        for column in gdpr.crypto.encrypted_columns([db.metadata, gdpr.models.metadata])
    }
    named = {
        f"{table.name}.{column.name}"
        for metadata in (db.metadata, gdpr.models.metadata)
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_encrypted")
    }

    assert declared == named
    assert "users.totp_secret_encrypted" in declared
