"""Declarative base of the forum's models: naming convention, tz-aware datetimes, utcnow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from gdpr.models import NAMING_CONVENTION, UTCDateTime, utcnow

__all__ = ["REASON_WITHDRAWN", "Base", "utcnow"]

# What replaces, on erasure, a reason written about the member (why a post was hidden, why
# an admin looked at their address).
REASON_WITHDRAWN = "[motif retiré : membre effacé]"


class Base(DeclarativeBase):
    # One registry carrying both settings: Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
