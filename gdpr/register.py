"""The record of processing activities (art. 30), derived from the column annotations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import MetaData

from gdpr.annotations import PersonalData


@dataclass
class Purpose:
    name: str
    bases: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    retentions: set[str] = field(default_factory=set)
    columns: list[str] = field(default_factory=list)
    # Retention key -> the tables holding it and how their columns are erased.
    kept: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def purposes(*metadatas: MetaData) -> list[Purpose]:
    """One entry per purpose: legal bases, data categories, retention rules, columns."""
    found: dict[str, Purpose] = defaultdict(lambda: Purpose(""))
    for metadata in metadatas:
        for table in metadata.sorted_tables:
            for column in table.columns:
                data = column.info.get("personal")
                if not isinstance(data, PersonalData):
                    continue
                purpose = found[data.purpose]
                purpose.name = data.purpose
                purpose.bases.add(data.basis)
                purpose.categories.add(data.category)
                purpose.retentions.add(data.retention)
                purpose.columns.append(f"{table.name}.{column.name}")
                kept = purpose.kept.setdefault(data.retention, {})
                kept.setdefault(table.name, set()).add(str(data.erase))
    return sorted(found.values(), key=lambda p: p.name)
