"""gdpr/ tables: their own metadata; a data subject is named by an opaque `subject_ref` (no
foreign key), so that proofs survive the user row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from gdpr.annotations import Erase, not_personal, personal, variant

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


class UTCDateTime(TypeDecorator):
    """A timestamp that is always tz-aware UTC in Python, whatever the engine returns.

    SQLite keeps no time zone: without this, values read back would be naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    registry = registry(metadata=metadata, type_annotation_map={datetime: UTCDateTime()})


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
    # Set when the subject's account ends: the proof is kept five years from then.
    subject_ended_at: Mapped[datetime | None] = mapped_column(index=True, info=PROOF)

    def __repr__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"<ConsentEvent {self.id} {self.purpose} {state}>"


NONE = not_personal()
SUBJECT = personal(
    "identity",
    purpose="handling data-subject requests",
    basis="legal_obligation",
    retention="request_proof",
    erase=Erase.HOLD,
)


REQUEST_DETAILS = variant(SUBJECT, erase=Erase.DELETE)


class SubjectRequest(Base):
    """A data-subject request (art. 15 to 21), with its statutory due date (art. 12(3))."""

    __tablename__ = "gdpr_requests"
    __table_args__ = {"info": {"subject": "subject_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    subject_ref: Mapped[str | None] = mapped_column(String(64), index=True, info=SUBJECT)
    kind: Mapped[str] = mapped_column(String(20), info=NONE)
    channel: Mapped[str] = mapped_column(String(20), info=NONE)  # self-service, letter, e-mail
    received_at: Mapped[datetime] = mapped_column(info=NONE)
    due_at: Mapped[datetime] = mapped_column(info=NONE)
    extension_reason: Mapped[str | None] = mapped_column(String(500), info=NONE)
    status: Mapped[str] = mapped_column(String(20), default="open", info=NONE)
    outcome: Mapped[str | None] = mapped_column(String(500), info=NONE)
    closed_at: Mapped[datetime | None] = mapped_column(info=NONE)
    # Free text an admin types for a request by letter: who and how to answer; it goes with
    # the member, the request's proof stays.
    details: Mapped[str | None] = mapped_column(String(1000), info=REQUEST_DETAILS)

    def __repr__(self) -> str:
        return f"<SubjectRequest {self.id} {self.kind} {self.status}>"


ARCHIVE = personal(
    "identity",
    purpose="handling data-subject requests",
    basis="legal_obligation",
    retention="export_archive",
)


class ExportArchive(Base):
    """A ZIP of a member's data (art. 15, 20): built by a job, downloadable by its owner only."""

    __tablename__ = "gdpr_exports"
    __table_args__ = {"info": {"subject": "subject_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True, info=ARCHIVE)
    request_id: Mapped[int | None] = mapped_column(info=NONE)
    status: Mapped[str] = mapped_column(String(20), default="pending", info=NONE)
    requested_at: Mapped[datetime] = mapped_column(info=NONE)
    ready_at: Mapped[datetime | None] = mapped_column(info=NONE)
    expires_at: Mapped[datetime | None] = mapped_column(info=NONE)
    filename: Mapped[str | None] = mapped_column(String(100), info=NONE)

    def __repr__(self) -> str:
        return f"<ExportArchive {self.id} {self.status}>"


ERASURE_SUBJECT = personal(
    "identity",
    purpose="handling data-subject requests",
    basis="legal_obligation",
    retention="erasure_proof",
    erase=Erase.HOLD,
)


class Erasure(Base):
    """A scheduled erasure (art. 17): cancellable until due, then executed in one transaction."""

    __tablename__ = "gdpr_erasures"
    __table_args__ = {"info": {"subject": "subject_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True, info=ERASURE_SUBJECT)
    request_id: Mapped[int | None] = mapped_column(info=NONE)
    content: Mapped[str] = mapped_column(String(20), info=NONE)  # "anonymise" or "delete"
    requested_at: Mapped[datetime] = mapped_column(info=NONE)
    due_at: Mapped[datetime] = mapped_column(index=True, info=NONE)
    cancelled_at: Mapped[datetime | None] = mapped_column(info=NONE)
    executed_at: Mapped[datetime | None] = mapped_column(info=NONE)

    def __repr__(self) -> str:
        return f"<Erasure {self.id} due {self.due_at:%Y-%m-%d}>"


class ErasureCertificate(Base):
    """What an erasure did, with no personal data: dates and counts only."""

    __tablename__ = "gdpr_certificates"

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    erasure_id: Mapped[int] = mapped_column(index=True, info=NONE)
    request_id: Mapped[int | None] = mapped_column(info=NONE)
    requested_at: Mapped[datetime] = mapped_column(info=NONE)
    executed_at: Mapped[datetime] = mapped_column(info=NONE)
    counts: Mapped[str] = mapped_column(String(2000), info=NONE)  # JSON: what was erased, how many
    residues: Mapped[int] = mapped_column(default=0, info=NONE)

    def __repr__(self) -> str:
        return f"<ErasureCertificate {self.id}>"


# A keyed hash of the address is pseudonymous data: kept as long as a backup holding the member
# may be restored, so that the erasure can be applied again (art. 17, 5(1)(e)).
TOMBSTONE = personal(
    "identity",
    purpose="keeping erasures after a backup is restored",
    basis="legal_obligation",
    retention="tombstone",
    erase=Erase.HOLD,
    export=False,
)


class Tombstone(Base):
    """A keyed hash of an erased member's identifier: erase again after a backup restore."""

    __tablename__ = "gdpr_tombstones"
    __table_args__ = {"info": {"unlinked": "a keyed hash of an address: no member to link it to"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    digest: Mapped[str] = mapped_column(String(64), unique=True, info=TOMBSTONE)
    content: Mapped[str] = mapped_column(String(20), default="anonymise", info=NONE)
    erased_at: Mapped[datetime] = mapped_column(info=NONE)

    def __repr__(self) -> str:
        return f"<Tombstone {self.id}>"


# The identifiers to look for, until an admin has dealt with what was found: encrypted, and
# forgotten as soon as the task is resolved.
RESIDUE = personal(
    "identity",
    purpose="finishing an erasure",
    basis="legal_obligation",
    retention="review_task",
    erase=Erase.HOLD,
    export=False,
    encrypted=True,
)


class ReviewTask(Base):
    """A place where an erased member's former identifier was still found: an admin replaces
    it by « Ancien membre », or keeps it with a reason."""

    __tablename__ = "gdpr_review_tasks"
    __table_args__ = {"info": {"unlinked": "the member is erased: nothing left to link to"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    erasure_id: Mapped[int] = mapped_column(index=True, info=NONE)
    table_name: Mapped[str] = mapped_column(String(64), info=NONE)
    column_name: Mapped[str] = mapped_column(String(64), info=NONE)
    row_key: Mapped[str] = mapped_column(String(64), info=NONE)
    found_at: Mapped[datetime] = mapped_column(info=NONE)
    identifiers_encrypted: Mapped[str | None] = mapped_column(Text, info=RESIDUE)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True, info=NONE)
    outcome: Mapped[str | None] = mapped_column(String(20), info=NONE)  # "replaced", "kept"
    # Why an admin kept what was found (their words: it must not repeat the identifier).
    kept_because: Mapped[str | None] = mapped_column(String(500), info=NONE)

    def __repr__(self) -> str:
        return f"<ReviewTask {self.table_name}.{self.column_name} #{self.row_key}>"


class PurgeLog(Base):
    """Proof of purge (CNIL): which retention rule removed how many rows, when. No personal data."""

    __tablename__ = "gdpr_purge_log"

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    rule: Mapped[str] = mapped_column(String(64), info=NONE)
    count: Mapped[int] = mapped_column(info=NONE)
    ran_at: Mapped[datetime] = mapped_column(index=True, info=NONE)

    def __repr__(self) -> str:
        return f"<PurgeLog {self.rule} {self.count}>"


HELD = personal(
    "connection",
    purpose="identification of content authors (LCEN, décret 2021-1362)",
    basis="legal_obligation",
    retention="legal_hold",
    erase=Erase.HOLD,
    export=False,
)
HELD_ENCRYPTED = personal(
    "connection",
    purpose="identification of content authors (LCEN, décret 2021-1362)",
    basis="legal_obligation",
    retention="legal_hold",
    erase=Erase.HOLD,
    export=False,
    encrypted=True,
)
ADMIN = personal(
    "identity",
    purpose="accountability of access to held data",
    basis="legal_obligation",
    retention="access_log",
    erase=Erase.HOLD,
)
# The other admin, who approved: not in the requester's export.
APPROVER = variant(ADMIN, export=False)


class HoldRecord(Base):
    """Who published a content, from where and when: kept apart, encrypted, for one year.

    The only personal data that survives an erasure, and only until its year is over
    (art. 17(3)(b) GDPR, LCEN art. 6, décret 2021-1362).
    """

    __tablename__ = "gdpr_hold_records"
    __table_args__ = {"info": {"subject": "subject_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True, info=HELD)
    item: Mapped[str] = mapped_column(String(64), index=True, info=NONE)  # e.g. "post:42"
    ip_encrypted: Mapped[str] = mapped_column(String(500), info=HELD_ENCRYPTED)
    at: Mapped[datetime] = mapped_column(index=True, info=HELD)

    def __repr__(self) -> str:
        return f"<HoldRecord {self.item}>"


class HoldAccess(Base):
    """A request to read held data: one admin asks with a reason, another approves; all logged."""

    __tablename__ = "gdpr_hold_access"
    __table_args__ = {"info": {"subject": "requested_by_ref", "refs": ["approved_by_ref"]}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    item: Mapped[str] = mapped_column(String(64), info=NONE)
    reason: Mapped[str] = mapped_column(String(1000), info=NONE)
    requested_by_ref: Mapped[str] = mapped_column(String(64), info=ADMIN)
    requested_at: Mapped[datetime] = mapped_column(info=NONE)
    approved_by_ref: Mapped[str | None] = mapped_column(String(64), info=APPROVER)

    approved_at: Mapped[datetime | None] = mapped_column(info=NONE)
    revealed_at: Mapped[datetime | None] = mapped_column(info=NONE)

    def __repr__(self) -> str:
        return f"<HoldAccess {self.id} {self.item}>"


class HoldReading(Base):
    """Each time held data was read: which access, by whom, when (append-only)."""

    __tablename__ = "gdpr_hold_readings"
    __table_args__ = {"info": {"subject": "reader_ref"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=NONE)
    access_id: Mapped[int] = mapped_column(index=True, info=NONE)
    reader_ref: Mapped[str] = mapped_column(String(64), info=ADMIN)
    at: Mapped[datetime] = mapped_column(info=NONE)

    def __repr__(self) -> str:
        return f"<HoldReading {self.id} of {self.access_id}>"
