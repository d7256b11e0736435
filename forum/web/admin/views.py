"""Administration (/admin): the taxonomy of trades and topics."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Topic, Trade
from forum.services import taxonomy
from forum.web import current_actor
from forum.web.admin.forms import ActionForm, MergeForm, NameForm, NewTradeForm
from forum.web.forms import choices

bp = Blueprint("admin", __name__, url_prefix="/admin")
KINDS = {"trades": Trade, "topics": Topic}


@bp.before_request
@login_required
def require_admin():
    policy.require(policy.is_admin(current_actor()))


@bp.get("/")
def index():
    return render_template("admin/index.html")


def _page(status: int = 200, **forms):
    groups = taxonomy.list_groups()
    new_trade = forms.get("new_trade") or NewTradeForm()
    new_trade.group.choices = choices((group.id, group.name) for group in groups)
    return (
        render_template(
            "admin/taxonomy.html",
            groups=groups,
            topics=taxonomy.list_topics(active_only=False),
            trades=taxonomy.list_trades(active_only=False),
            new_trade=new_trade,
            new_topic=forms.get("new_topic") or NameForm(prefix="topic"),
            failed=forms.get("failed"),
        ),
        status,
    )


@bp.get("/taxonomy")
def taxonomy_page():
    return _page()


@bp.post("/taxonomy/trades/new")
def create_trade():
    form = NewTradeForm()
    if form.validate_on_submit():
        try:
            trade = taxonomy.create_trade(
                current_actor(),
                name=form.name.data or "",
                group_id=form.group.data or 0,
                description=form.description.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Métier « %(name)s » ajouté.", name=trade.name), "success")
            return redirect(url_for("admin.taxonomy_page"))
    return _page(400, new_trade=form)


@bp.post("/taxonomy/topics/new")
def create_topic():
    form = NameForm(prefix="topic")
    if form.validate_on_submit():
        try:
            topic = taxonomy.create_topic(
                current_actor(), name=form.name.data or "", description=form.description.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Sujet « %(name)s » ajouté.", name=topic.name), "success")
            return redirect(url_for("admin.taxonomy_page"))
    return _page(400, new_topic=form)


def _item(kind: str, item_id: int) -> Trade | Topic:
    item = db.session.get(KINDS[kind], item_id)
    if item is None:
        abort(404)
    return item


def _refused(error: InvalidInput):
    return _page(400, failed=error.message)


@bp.post("/taxonomy/<any(trades, topics):kind>/<int:item_id>/rename")
def rename(kind: str, item_id: int):
    item = _item(kind, item_id)
    form = NameForm()
    if form.validate_on_submit():
        try:
            taxonomy.rename(
                current_actor(),
                item,
                name=form.name.data or "",
                description=form.description.data or "",
            )
        except InvalidInput as error:
            return _refused(error)
        flash(_("Renommé en « %(name)s ».", name=item.name), "success")
    return redirect(url_for("admin.taxonomy_page"))


@bp.post("/taxonomy/<any(trades, topics):kind>/merge")
def merge(kind: str):
    """One form per kind (fields `source` and `target`): a page of one select per row is too big."""
    form = MergeForm()
    if form.validate_on_submit():
        source = db.session.get(KINDS[kind], form.source.data or 0)
        target = db.session.get(KINDS[kind], form.target.data or 0)
        if source is None or target is None:
            return _refused(InvalidInput("target", _("Choisissez quoi fusionner, et où.")))
        try:
            taxonomy.merge(current_actor(), source, target)
        except InvalidInput as error:
            return _refused(error)
        flash(_("« %(a)s » est fusionné dans « %(b)s ».", a=source.name, b=target.name), "success")
    return redirect(url_for("admin.taxonomy_page"))


@bp.post("/taxonomy/<any(trades, topics):kind>/<int:item_id>/<any(retire, restore):action>")
def retire(kind: str, item_id: int, action: str):
    item = _item(kind, item_id)
    if ActionForm().validate_on_submit():
        try:
            taxonomy.set_retired(current_actor(), item, retired=action == "retire")
        except InvalidInput as error:
            return _refused(error)
        flash(_("Enregistré."), "success")
    return redirect(url_for("admin.taxonomy_page"))
