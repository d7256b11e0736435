"""How a column declares whether it holds personal data, where the column is defined."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Erase(StrEnum):
    DELETE = "delete"  # value or row removed
    ANONYMISE = "anonymise"  # replaced by a neutral value ("Ancien membre")
    HOLD = "hold"  # kept under legal hold, purged by retention


@dataclass(frozen=True)
class PersonalData:
    category: str  # identity, contact, content, connection, preference, security, consent…
    purpose: str  # why we hold it; feeds the art. 30 register and the policy page
    basis: str  # contract, consent, legal_obligation, legitimate_interest
    retention: str  # key of a retention duration in configuration
    erase: Erase = Erase.DELETE
    export: bool = True


def personal(category: str, **details: Any) -> dict[str, Any]:
    """Column info for personal data of CATEGORY."""
    return {"personal": PersonalData(category, **details)}


def not_personal() -> dict[str, Any]:
    """Column info for data that identifies nobody."""
    return {"personal": None}
