"""The record of processing activities (art. 30), derived from the column annotations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
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
    return sorted(found.values(), key=lambda p: p.name)


def markdown(
    entries: Iterable[Purpose],
    *,
    controller: str,
    recipients: str,
    security: Iterable[str],
    durations: dict[str, int],
) -> str:
    """The register as Markdown (`flask gdpr register`)."""
    lines = [f"# Registre des activités de traitement — {controller}", ""]
    for entry in entries:
        lines += [
            f"## {entry.name}",
            "",
            f"- Base légale : {', '.join(sorted(entry.bases))}",
            f"- Catégories de données : {', '.join(sorted(entry.categories))}",
            "- Personnes concernées : membres du forum "
            "(candidats, modérateurs, personnel du COET-MOF)",
            f"- Destinataires : {recipients}",
            "- Durées de conservation : "
            + ", ".join(
                f"{key} ({durations.get(key, '?')} jours)" for key in sorted(entry.retentions)
            ),
            f"- Colonnes : {', '.join(entry.columns)}",
            "",
        ]
    lines += ["## Mesures de sécurité", ""] + [f"- {measure}" for measure in security] + [""]
    return "\n".join(lines)
