"""Home, policy pages, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_babel import get_locale
from sqlalchemy import text

from forum import charter, documents
from forum.cache import cached_page
from forum.extensions import db
from forum.services import accounts, posting, processing_register, taxonomy
from forum.web import current_actor, safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@cached_page
def home():
    return render_template(
        "main/home.html",
        threads=posting.list_latest_threads(viewer=current_actor()),
        topics=taxonomy.list_topics(),
        groups=taxonomy.list_groups(),
    )


def _document(name: str, **context):
    document = documents.get(name, str(get_locale()))
    return render_template("main/document.html", document=document, **context)


@bp.get("/privacy")
def privacy():
    """The policy, followed by who answers for the data, who receives it, and the table of
    what is kept and how long, all derived from the inventory and the rules (art. 13)."""
    return _document("privacy", register=processing_register.build())


@bp.get("/terms")
def terms():
    return _document("terms")


@bp.get("/cookies")
def cookies():
    return _document("cookies")


@bp.get("/charter")
def charter_page():
    """The rules moderators apply; each statement of reasons links to the one it names."""
    return render_template("main/charter.html", rules=charter.RULES.values())


@bp.post("/locale")
def set_locale():
    """Switch the interface language; remembered on the account of a logged-in member."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        actor = current_actor()
        if actor is not None:
            accounts.set_locale(actor, locale)
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
