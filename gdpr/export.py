"""Access and portability (art. 15, 20): a subject's rows, as the inventory defines them."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from gdpr import files as private
from gdpr.annotations import belongs_elsewhere, of

SCHEMA_VERSION = 1


def exportable_columns(table: Table) -> list[str]:
    """The personal columns of TABLE that go into an export: not what belongs to another
    subject (another member's former text, in a revision the subject made)."""
    return [
        column.name
        for column in table.columns
        if (data := of(column)) is not None and data.export and not belongs_elsewhere(column)
    ]


def collect(session: Session, tables: Iterable[Table], subject_value: Any) -> dict[str, list]:
    """Rows of every table whose subject column equals SUBJECT_VALUE, exportable columns only."""
    found: dict[str, list] = {}
    for table in tables:
        subject = table.info.get("subject")
        columns = exportable_columns(table)
        if not subject or not columns:
            continue
        query = select(*(table.c[name] for name in columns)).where(
            table.c[subject] == subject_value
        )
        rows = [dict(row._mapping) for row in session.execute(query)]
        if rows:
            found[table.name] = rows
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def to_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, default=_plain, ensure_ascii=False, indent=2, sort_keys=True)


def write_zip(path: Path, contents: Mapping[str, str | bytes]) -> None:
    """Write CONTENTS (name -> text or bytes) into a new ZIP at PATH, readable by its owner only."""
    with private.open_private(path) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in contents.items():
                archive.writestr(name, text)
