"""Practical guides: `/fiches`, a guide, its history and diffs, editing and moderation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from forum import pagination, policy
from forum.cache import cached_page
from forum.errors import InvalidInput
from forum.models import Guide
from forum.services import follows, guides, moderation, posting, taxonomy
from forum.services import search as search_service
from forum.web import BaseForm, current_actor, thread_slug
from forum.web.forms import choices, optional_int
from forum.web.forum.views import list_args, page_number
from forum.web.moderation.forms import ReportForm, StatementForm

bp = Blueprint("guides", __name__)


class GuideForm(BaseForm):
    title = StringField(_l("Titre de la fiche"), render_kw={"maxlength": 150})
    topic = SelectField(_l("Sujet"), coerce=optional_int, validate_choice=False)
    trade = SelectField(_l("Métier (facultatif)"), coerce=optional_int, validate_choice=False)
    body = TextAreaField(_l("Texte (Markdown)"), render_kw={"rows": 18, "data-draft": "1"})
    summary = StringField(
        _l("Ce que vous avez changé, en quelques mots"), render_kw={"maxlength": 200}
    )
    base = HiddenField()

    def with_choices(self) -> GuideForm:
        topics = [(topic.id, topic.name) for topic in taxonomy.list_topics()]
        self.topic.choices = choices([("", _l("— choisissez —")), *topics])
        trades = [(trade.id, trade.name) for trade in taxonomy.list_trades()]
        self.trade.choices = choices([("", _l("— tous les métiers —")), *trades])
        return self


class ActionForm(BaseForm):
    """Empty: a POST with its CSRF token (lock, approve, follow…)."""

    follow = HiddenField()


def _guide(guide_id: int) -> Guide:
    """The guide, if the reader may open it (a hidden one does not exist for them)."""
    guide = guides.get_guide(guide_id)
    if guide is None or not policy.can_see_guide(current_actor(), guide):
        abort(404)
    return guide


def _place(kind: str, find):
    """The topic or trade `?KIND=<slug>` names (None without one); an unknown one is a 404."""
    slug = request.args.get(kind, "")
    found = find(slug) if slug else None
    if slug and found is None:
        abort(404)
    return found


@bp.get("/fiches")
@cached_page
def index():
    actor = current_actor()
    topic = _place("topic", taxonomy.get_topic)
    trade = _place("trade", taxonomy.get_trade)
    query = request.args.get("q", "").strip()
    problem = None
    words: list[str] = []
    if query:
        try:
            words = search_service.query_words(query)
        except InvalidInput as error:
            problem = error.message
    try:
        page = guides.list_guides(actor, topic=topic, trade=trade, words=words, page=page_number())
    except pagination.PageOutOfRange as out:
        return redirect(url_for("guides.index", **list_args(), page=out.last))
    return render_template(
        "guides/index.html",
        page=page,
        topic=topic,
        trade=trade,
        query=query,
        problem=problem,
        topics=taxonomy.list_topics(),
        trades=taxonomy.list_trades(),
        can_write=guides.can_write(actor),
        excerpt=guides.excerpt,
    )


@bp.get("/fiches/<int:guide_id>")
@bp.get("/fiches/<int:guide_id>/<slug>")
@cached_page
def show(guide_id: int, slug: str | None = None):
    guide = _guide(guide_id)
    if slug != guide.slug:
        return redirect(url_for("guides.show", guide_id=guide.id, slug=guide.slug), 301)
    actor = current_actor()
    return render_template(
        "guides/show.html",
        guide=guide,
        contributors=guides.contributors(guide),
        attribution=guides.attribution(guide),
        following=follows.follows(actor, guide),
        can_edit=guides.can_edit(actor, guide),
        form=ActionForm(),
        hide_form=StatementForm(key=f"g{'restore' if guide.is_hidden else 'hide'}-{guide.id}"),
    )


def _save(guide: Guide | None):
    actor = current_actor()
    form = GuideForm().with_choices()
    if request.method == "GET":
        if guide is not None:
            form.title.data, form.body.data = guide.title, guide.source
            form.topic.data, form.trade.data = guide.topic_id, guide.trade_id
            form.base.data = str(guide.revision_count)
        else:
            topic = taxonomy.get_topic(request.args.get("topic", "")) or None
            form.topic.data = topic.id if topic else None
    if form.validate_on_submit():
        fields = {
            "title": form.title.data or "",
            "body": form.body.data or "",
            "summary": form.summary.data or "",
            "topic_id": form.topic.data,
            "trade_id": form.trade.data,
        }
        try:
            if guide is None:
                guide = guides.create_guide(actor, **fields)
                flash(_("La fiche est publiée. Merci pour les autres candidats !"), "success")
            else:
                base = form.base.data or ""
                guides.edit_guide(
                    actor, guide, base=int(base) if base.isdigit() else None, **fields
                )
                flash(_("Votre version de la fiche est enregistrée."), "success")
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(url_for("guides.show", guide_id=guide.id, slug=guide.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("guides/edit.html", form=form, guide=guide), status


@bp.route("/fiches/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(guides.can_write(current_actor()))
    return _save(None)


@bp.route("/fiches/<int:guide_id>/edit", methods=["GET", "POST"])
@login_required
def edit(guide_id: int):
    guide = _guide(guide_id)
    policy.require(guides.can_edit(current_actor(), guide))
    return _save(guide)


@bp.get("/fiches/<int:guide_id>/history")
def history(guide_id: int):
    guide = _guide(guide_id)
    return render_template(
        "guides/history.html",
        guide=guide,
        revisions=guides.list_revisions(guide),
        form=ActionForm(),
    )


@bp.get("/fiches/<int:guide_id>/v/<int:number>")
def revision(guide_id: int, number: int):
    guide = _guide(guide_id)
    found = guides.get_revision(guide, number)
    if found is None:
        abort(404)
    return render_template(
        "guides/revision.html",
        guide=guide,
        revision=found,
        lines=guides.diff_of(guide, found),
        form=ActionForm(),
    )


def _done(guide: Guide, message: str):
    flash(message, "success")
    return redirect(url_for("guides.show", guide_id=guide.id, slug=guide.slug))


@bp.post("/fiches/<int:guide_id>/v/<int:number>/revert")
@login_required
def revert(guide_id: int, number: int):
    guide = _guide(guide_id)
    policy.require(policy.can_moderate_guide(current_actor(), guide))
    if ActionForm().validate_on_submit():
        try:
            guides.revert(current_actor(), guide, number)
        except InvalidInput as error:
            flash(error.message, "error")
            return redirect(url_for("guides.history", guide_id=guide.id))
        return _done(guide, _("La version %(n)d est de nouveau la version en cours.", n=number))
    abort(400)


@bp.post("/fiches/<int:guide_id>/<any(lock, unlock, approve, refuse):action>")
@login_required
def manage(guide_id: int, action: str):
    guide = _guide(guide_id)
    actor = current_actor()
    policy.require(policy.can_moderate_guide(actor, guide))
    if not ActionForm().validate_on_submit():
        abort(400)
    if action in ("lock", "unlock"):
        guides.set_locked(actor, guide, action == "lock")
        return _done(
            guide,
            _("La fiche est verrouillée.")
            if action == "lock"
            else _("La fiche est déverrouillée."),
        )
    if not guide.is_pending:
        abort(404)
    if action == "approve":
        guides.approve(actor, guide)
        return _done(guide, _("La fiche est publiée."))
    guides.refuse(actor, guide)
    flash(_("La proposition de fiche est refusée."), "success")
    return redirect(url_for("guides.proposals"))


@bp.post("/fiches/<int:guide_id>/follow")
@login_required
def follow(guide_id: int):
    guide = _guide(guide_id)
    actor = current_actor()
    policy.require(policy.can_follow(actor))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    following = form.follow.data == "1"
    follows.set_following(actor, guide, following)
    return _done(
        guide,
        _("Vous suivez cette fiche : chaque nouvelle version vous sera signalée.")
        if following
        else _("Vous ne suivez plus cette fiche."),
    )


@bp.route("/fiches/<int:guide_id>/report", methods=["GET", "POST"])
@login_required
def report(guide_id: int):
    guide = _guide(guide_id)
    actor = current_actor()
    policy.require(policy.can_report_guide(actor, guide))
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_guide(
                actor, guide, reason=form.reason.data or "", comment=form.comment.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return _done(guide, _("Merci : les modérateurs vont examiner cette fiche."))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/report.html", guide=guide, form=form), status


@bp.get("/fiches/proposals")
@login_required
def proposals():
    return render_template(
        "guides/proposals.html", guides=guides.list_proposals(current_actor()), form=ActionForm()
    )


@bp.post("/t/<int:thread_id>/fiche")
@login_required
def from_thread(thread_id: int):
    """Turn a solved thread into a guide (a moderator), or propose it (its author)."""
    actor = current_actor()
    thread = posting.get_thread(thread_id)
    if thread is None or not policy.can_see_thread(actor, thread):
        abort(404)
    policy.require(policy.can_make_guide(actor, thread))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        guide = guides.make_from_thread(actor, thread)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread_slug(thread)))
    if guide.is_pending:
        flash(_("Merci : un modérateur va relire la fiche avant de la publier."), "success")
    else:
        flash(_("La discussion est devenue une fiche : complétez-la si besoin."), "success")
    return redirect(url_for("guides.show", guide_id=guide.id, slug=guide.slug))
