"""The log of admins' access to a member's e-mail and IP addresses. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import REASON_WITHDRAWN, Base, utcnow
from gdpr.annotations import Erase, not_personal, personal

if TYPE_CHECKING:
    from forum.models.users import User

# Kept five years like the log of access to held data (proof of accountability, art. 5(2)
# and 32 GDPR). After an erasure the row stays without naming the member or the admin.
ACCESS = personal(
    "access log",
    purpose="accountability of access to personal data",
    basis="legal_obligation",
    retention="access_log",
    erase=Erase.ANONYMISE,
)
# Why the admin looked may name the member: it goes with them, the proof of the access stays.
ACCESS_REASON = personal(
    "access log",
    purpose="accountability of access to personal data",
    basis="legal_obligation",
    retention="access_log",
    erase=Erase.ANONYMISE,
    placeholder=REASON_WITHDRAWN,
)
# Who looked is the admin's data, a third party's for the member: left out of their export.
ACCESS_ADMIN = personal(
    "identity",
    purpose="accountability of access to personal data",
    basis="legal_obligation",
    retention="access_log",
    erase=Erase.ANONYMISE,
    export=False,
)


class PersonalDataAccess(Base):
    """An admin saw a member's e-mail address or login IP addresses: who, whose, what, why, when."""

    __tablename__ = "personal_data_accesses"
    __table_args__ = {"info": {"subject": "subject_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), info=ACCESS_ADMIN)
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=ACCESS
    )  # the member whose data was seen; NULL once they are erased
    field: Mapped[str] = mapped_column(String(20), info=ACCESS)  # "email" or "login_ips"
    reason: Mapped[str] = mapped_column(Text, info=ACCESS_REASON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True, info=ACCESS)

    admin: Mapped[User | None] = relationship(foreign_keys=[admin_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])

    def __repr__(self) -> str:
        return f"<PersonalDataAccess {self.id} {self.field}>"
