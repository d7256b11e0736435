"""The glossary of the competition (`/lexique`): its terms, kept up to date by moderators."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base
from gdpr.annotations import Erase, not_personal, personal

if TYPE_CHECKING:
    from forum.models.users import User

# Who last edited a term, and when: the editor's data; the definition itself is the forum's.
GLOSSARY_EDITOR = personal(
    "identity",
    purpose="glossary",
    basis="legitimate_interest",
    retention="account",
    erase=Erase.ANONYMISE,
)


class GlossaryTerm(Base):
    __tablename__ = "glossary_terms"
    __table_args__ = {"info": {"subject": "edited_by_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    slug: Mapped[str] = mapped_column(String(80), unique=True, info=not_personal())
    term: Mapped[str] = mapped_column(String(120), info=not_personal())
    # Other ways to write it, linked in posts too ("CPF"), one per line.
    aliases: Mapped[str] = mapped_column(Text, default="", info=not_personal())
    summary: Mapped[str] = mapped_column(String(300), info=not_personal())
    explanation_source: Mapped[str] = mapped_column(Text, default="", info=not_personal())
    explanation_html: Mapped[str] = mapped_column(Text, default="", info=not_personal())
    # Where it came from: "stage:positionnement", "funding:cpf" (reference data), or "".
    origin: Mapped[str] = mapped_column(String(60), default="", info=not_personal())
    last_checked_on: Mapped[date] = mapped_column(info=not_personal())
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=GLOSSARY_EDITOR
    )
    edited_at: Mapped[datetime | None] = mapped_column(info=GLOSSARY_EDITOR)

    edited_by: Mapped[User | None] = relationship()

    @property
    def forms(self) -> list[str]:
        """The term and its aliases, as written in posts."""
        return written_forms(self.term, self.aliases)

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.slug}>"


class GlossaryEdit(Base):
    """One edit of a term: who made it, when, and the definition as it was before."""

    __tablename__ = "glossary_edits"
    __table_args__ = {"info": {"subject": "editor_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    term_id: Mapped[int] = mapped_column(
        ForeignKey("glossary_terms.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, info=GLOSSARY_EDITOR
    )
    edited_at: Mapped[datetime] = mapped_column(info=GLOSSARY_EDITOR)
    # The definition before this edit (empty when the edit created the term): the forum's.
    former_summary: Mapped[str] = mapped_column(String(300), default="", info=not_personal())
    former_explanation: Mapped[str] = mapped_column(Text, default="", info=not_personal())

    editor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<GlossaryEdit {self.term_id} by {self.editor_id}>"


def written_forms(term: str, aliases: str) -> list[str]:
    """TERM and its ALIASES (one a line), as written in posts."""
    others = [line.strip() for line in aliases.splitlines() if line.strip()]
    return list(dict.fromkeys([term, *others]))
