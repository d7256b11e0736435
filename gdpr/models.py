"""gdpr/ tables: their own metadata; a data subject is named by an opaque `subject_ref` (no
foreign key), so that proofs survive the user row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from gdpr.annotations import Erase, not_personal, personal

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=metadata, type_annotation_map={datetime: DateTime(timezone=True)})


PROOF = personal(
    "consent",
    purpose="proof of consent and of acceptance of the terms",
    basis="legal_obligation",
    retention="consent_proof",
    erase=Erase.HOLD,
)


class ConsentEvent(Base):
    """One line of the append-only consent log: who, what, given or withdrawn, which text, when."""

    __tablename__ = "gdpr_consent_events"
    __table_args__ = {"info": {"subject": "subject_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    subject_ref: Mapped[str] = mapped_column(String(64), index=True, info=PROOF)
    purpose: Mapped[str] = mapped_column(String(64), info=PROOF)
    given: Mapped[bool] = mapped_column(info=PROOF)
    document_version: Mapped[str | None] = mapped_column(String(32), info=PROOF)
    text_hash: Mapped[str | None] = mapped_column(String(64), info=PROOF)
    via: Mapped[str] = mapped_column(String(64), info=PROOF)
    at: Mapped[datetime] = mapped_column(default=utcnow, info=PROOF)

    def __repr__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"<ConsentEvent {self.id} {self.purpose} {state}>"
