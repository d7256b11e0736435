"""The glossary (`/lexique`): the competition's terms, seeded from the reference data (its
stages and funding schemes) and kept by moderators; the first occurrence of a term in a post
links to its definition (`markup.Terms`)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import markup, policy, slugs
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import GlossaryEdit, GlossaryTerm, User
from forum.models.base import utcnow
from forum.models.glossary import written_forms
from forum.services import taxonomy

TERM_MAX, SUMMARY_MAX, ALIASES_MAX = 120, 300, 600
EXPLANATION_MAX = 20_000
ACRONYM = re.compile(r"^[A-ZÀ-Ý0-9][A-ZÀ-Ý0-9 -]{1,15}$")


def _forms_of(name: str) -> tuple[str, list[str]]:
    """A reference name as a term and its aliases: "Compte personnel de formation (CPF)" is
    the term "Compte personnel de formation" written also "CPF"; "FAFCEA (chefs…)" is
    "FAFCEA"."""
    bare, _, rest = name.partition(" (")
    inside = rest.rstrip(")")
    return bare.strip(), [inside] if inside and ACRONYM.match(inside) else []


def load_reference() -> int:
    """Add the stages and funding schemes of the reference data that the glossary lacks (a
    term a moderator edited or removed is not put back as it was); how many were added."""
    data = taxonomy.reference_data()
    known = set(db.session.scalars(select(GlossaryTerm.origin)))
    added = 0
    for kind, key in (("stage", "stages"), ("funding", "funding_schemes")):
        for item in data[key]:
            origin = f"{kind}:{item['slug']}"
            if origin in known:
                continue
            term, aliases = _forms_of(item["name"])
            description = item.get("description", "")
            db.session.add(
                GlossaryTerm(
                    slug=item["slug"],
                    term=term,
                    aliases="\n".join(aliases),
                    summary=_first_sentence(description),
                    explanation_source=description,
                    explanation_html=markup.render(description),
                    origin=origin,
                    last_checked_on=utcnow().date(),
                )
            )
            added += 1
    db.session.commit()
    return added


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence[:SUMMARY_MAX]


def list_terms() -> list[GlossaryTerm]:
    """Every term, alphabetically (accents and case ignored)."""
    terms = db.session.scalars(select(GlossaryTerm)).all()
    return sorted(terms, key=lambda term: slugs.slugify(term.term))


def list_edits(term: GlossaryTerm) -> list[GlossaryEdit]:
    """Who edited TERM, and when, the newest first."""
    query = (
        select(GlossaryEdit)
        .where(GlossaryEdit.term_id == term.id)
        .order_by(GlossaryEdit.id.desc())
        .options(joinedload(GlossaryEdit.editor))
    )
    return list(db.session.scalars(query))


def get_term(slug: str) -> GlossaryTerm | None:
    return db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.slug == slug))


def is_stale(term: GlossaryTerm, today: date | None = None) -> bool:
    """Whether the definition was last checked too long ago (the doctrine changes)."""
    limit = timedelta(days=current_app.config["GLOSSARY_STALE_DAYS"])
    return (today or utcnow().date()) - term.last_checked_on > limit


def terms() -> markup.Terms:
    """The glossary as the renderer reads it (one query of the columns it needs; the same
    glossary gives the same `Terms`, its pattern compiled once)."""
    rows = db.session.execute(
        select(
            GlossaryTerm.term, GlossaryTerm.aliases, GlossaryTerm.slug, GlossaryTerm.summary
        ).order_by(GlossaryTerm.id)
    )
    return _terms_of(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=4)
def _terms_of(rows: tuple[tuple[str, str, str, str], ...]) -> markup.Terms:
    forms: dict[str, tuple[str, str]] = {}
    for term, aliases, slug, summary in rows:
        for form in written_forms(term, aliases):
            forms.setdefault(form.lower(), (slug, summary))
    return markup.Terms(forms)


def save_term(
    actor: User,
    term: GlossaryTerm | None,
    *,
    name: str,
    aliases: str,
    summary: str,
    explanation: str,
    checked: bool,
) -> GlossaryTerm:
    """Create or edit a term (moderators); CHECKED: the definition was checked today."""
    policy.require(policy.can_edit_glossary(actor))
    name, summary = " ".join(name.split()), " ".join(summary.split())
    explanation = explanation.replace("\r\n", "\n").strip()
    alias_lines = "\n".join(line.strip() for line in aliases.splitlines() if line.strip())
    slug = term.slug if term is not None else slugs.slugify(name)
    taken = db.session.scalar(
        select(func.count()).where(
            GlossaryTerm.slug == slug, GlossaryTerm.id != (term.id if term else 0)
        )
    )
    error = InvalidInput.collect(
        {
            "term": _("Indiquez le terme.")
            if not name or not slug
            else _("Le terme ne peut pas dépasser %(n)d caractères.", n=TERM_MAX)
            if len(name) > TERM_MAX
            else _("Ce terme est déjà dans le lexique.")
            if taken
            else None,
            "aliases": _(
                "Les autres écritures ne peuvent pas dépasser %(n)d caractères.", n=ALIASES_MAX
            )
            if len(alias_lines) > ALIASES_MAX
            else None,
            "summary": _("Donnez une définition courte.")
            if not summary
            else _("La définition courte ne peut pas dépasser %(n)d caractères.", n=SUMMARY_MAX)
            if len(summary) > SUMMARY_MAX
            else None,
            "explanation": _(
                "L'explication ne peut pas dépasser %(n)d caractères.", n=EXPLANATION_MAX
            )
            if len(explanation) > EXPLANATION_MAX
            else None,
        }
    )
    if error:
        raise error
    if term is None:
        term = GlossaryTerm(
            slug=slug,
            term=name,
            origin="",
            last_checked_on=utcnow().date(),
            summary="",
            explanation_source="",
        )
        db.session.add(term)
        db.session.flush()
    db.session.add(
        GlossaryEdit(
            term_id=term.id,
            editor_id=actor.id,
            edited_at=utcnow(),
            former_summary=term.summary,
            former_explanation=term.explanation_source,
        )
    )
    term.term, term.aliases, term.summary = name, alias_lines, summary
    term.explanation_source = explanation
    term.explanation_html = markup.render(explanation) if explanation else ""
    if checked:
        term.last_checked_on = utcnow().date()
    term.edited_by_id, term.edited_at = actor.id, utcnow()
    db.session.commit()
    return term
