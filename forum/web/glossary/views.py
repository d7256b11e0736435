"""The glossary: `/lexique`, a term's page, and the moderators' forms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import BooleanField, StringField, TextAreaField

from forum import policy
from forum.errors import InvalidInput
from forum.services import glossary
from forum.services import search as search_service
from forum.web import BaseForm, current_actor

bp = Blueprint("glossary", __name__)


class TermForm(BaseForm):
    term = StringField(_l("Terme"), render_kw={"maxlength": 120})
    aliases = TextAreaField(
        _l("Autres écritures, une par ligne (sigle, pluriel…)"), render_kw={"rows": 3}
    )
    summary = StringField(_l("Définition courte"), render_kw={"maxlength": 300})
    explanation = TextAreaField(_l("Explication (Markdown)"), render_kw={"rows": 8})
    checked = BooleanField(_l("J'ai vérifié cette définition aujourd'hui"))


@bp.get("/lexique")
def index():
    terms = glossary.list_terms()
    stale = {term.id for term in terms if glossary.is_stale(term)}
    return render_template("glossary/index.html", terms=terms, stale=stale)


@bp.get("/lexique/<slug>")
def term(slug: str):
    found = glossary.get_term(slug)
    if found is None:
        abort(404)
    related, related_guides = search_service.related_to(current_actor(), found.forms)
    return render_template(
        "glossary/term.html",
        term=found,
        stale=glossary.is_stale(found),
        related=related,
        related_guides=related_guides,
        history=glossary.list_edits(found),
    )


def _edit(found):
    actor = current_actor()
    policy.require(policy.can_edit_glossary(actor))
    if request.method == "GET" and found is not None:
        form = TermForm(
            data={
                "term": found.term,
                "aliases": found.aliases,
                "summary": found.summary,
                "explanation": found.explanation_source,
            }
        )
    else:
        form = TermForm()
    if form.validate_on_submit():
        try:
            saved = glossary.save_term(
                actor,
                found,
                name=form.term.data or "",
                aliases=form.aliases.data or "",
                summary=form.summary.data or "",
                explanation=form.explanation.data or "",
                checked=bool(form.checked.data),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Le lexique est à jour."), "success")
            return redirect(url_for("glossary.term", slug=saved.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("glossary/edit.html", form=form, term=found), status


@bp.route("/lexique/new", methods=["GET", "POST"])
@login_required
def new():
    return _edit(None)


@bp.route("/lexique/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    policy.require(policy.can_edit_glossary(current_actor()))
    found = glossary.get_term(slug)
    if found is None:
        abort(404)
    return _edit(found)
