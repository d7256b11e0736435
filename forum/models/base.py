"""Declarative base of the forum's models: naming convention, tz-aware datetimes, utcnow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from gdpr.models import NAMING_CONVENTION, UTCDateTime, utcnow

__all__ = ["Base", "utcnow"]


class Base(DeclarativeBase):
    # One registry carrying both settings: Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
