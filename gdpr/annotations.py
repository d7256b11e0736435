"""How a column declares whether it holds personal data, where the column is defined.

A table names the column that links its rows to their data subject in
`info={"subject": "<column>"}`. Beside it, `info={"refs": [...]}` names other columns holding a
subject's opaque reference (gdpr/'s own tables), and `info={"content_of": "<column>"}` says the
table's content belongs to the subject of the row that column points at (a post's history).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Erase(StrEnum):
    """What erasure (art. 17) does to a column, for the rows of the subject being erased."""

    # Removed: on the subject column, the whole row; elsewhere the value (NULL, or the
    # placeholder, or the type's empty value).
    DELETE = "delete"
    # The row stays without the person: a reference becomes NULL; any other value becomes its
    # placeholder, or stays as it is when it names nobody once dissociated.
    ANONYMISE = "anonymise"
    # Kept, on a stated legal basis, until its retention ends (retention purges it).
    HOLD = "hold"
    # What the member published: kept without their name, or removed as DELETE does, as the
    # member chose when asking for the erasure.
    CONTENT = "content"


@dataclass(frozen=True)
class PersonalData:
    category: str  # identity, contact, content, connection, preference, security, consent…
    purpose: str  # why we hold it; feeds the art. 30 register and the policy page
    basis: str  # contract, consent, legal_obligation, legitimate_interest
    retention: str  # key of a retention duration in configuration
    erase: Erase = Erase.DELETE
    export: bool = True
    encrypted: bool = False  # ciphertext under the data keys: re-encrypted by key rotation
    placeholder: str | None = None  # the neutral value that replaces it on erasure


def personal(category: str, **details: Any) -> dict[str, Any]:
    """Column info for personal data of CATEGORY."""
    return {"personal": PersonalData(category, **details)}


def not_personal() -> dict[str, Any]:
    """Column info for data that identifies nobody."""
    return {"personal": None}


def of(column: Any) -> PersonalData | None:
    """The declaration of COLUMN, or None when it is not personal data."""
    data = column.info.get("personal")
    return data if isinstance(data, PersonalData) else None


def belongs_elsewhere(column: Any) -> bool:
    """True for the content a `content_of` table keeps for the subject of another row (a
    post's former text, whoever replaced it): it is that row's subject's, not this row's."""
    data = of(column)
    return (
        bool(column.table.info.get("content_of"))
        and data is not None
        and (data.erase is Erase.CONTENT)
    )


def variant(info: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Column info like INFO with CHANGES (another erase rule, left out of the export…): one
    declaration of the purpose, basis and retention, several ways to treat its columns."""
    return {"personal": replace(of_info(info), **changes)}


def of_info(info: dict[str, Any]) -> PersonalData:
    data = info.get("personal")
    if not isinstance(data, PersonalData):
        raise TypeError("only personal data has variants")
    return data
