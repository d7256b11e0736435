"""The inventory of personal data, derived from the column annotations."""

from __future__ import annotations

from sqlalchemy import MetaData


def unclassified(*metadatas: MetaData) -> list[str]:
    """Columns that say nothing about personal data; tests/gdpr keeps this list empty."""
    return [
        f"{table.name}.{column.name}"
        for metadata in metadatas
        for table in metadata.sorted_tables
        for column in table.columns
        if "personal" not in column.info
    ]
