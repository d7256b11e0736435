"""Administration (/admin): the taxonomy of trades and topics, members and the logged access
to their personal data."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Role, Topic, Trade, User
from forum.services import accounts, admin_members, taxonomy
from forum.web import current_actor
from forum.web.admin.forms import (
    REVEAL_FORMS,
    ActionForm,
    MemberSearchForm,
    MergeForm,
    NameForm,
    NewTradeForm,
)
from forum.web.forms import choices

bp = Blueprint("admin", __name__, url_prefix="/admin")
KINDS = {"trades": Trade, "topics": Topic}
ROLES = {
    Role.MEMBER: _l("Membre"),
    Role.MODERATOR: _l("Modérateur"),
    Role.ADMIN: _l("Administrateur"),
    Role.COET_STAFF: _l("Personnel du COET-MOF"),
}
FIELDS = {"email": _l("Adresse e-mail"), "login_ips": _l("Adresses IP de connexion")}


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


# --- members and the logged access to their e-mail and IP addresses -------------------------


@bp.get("/members")
def members():
    form = MemberSearchForm(formdata=request.args)
    found = admin_members.find_members(current_actor(), form.q.data or "")
    return render_template("admin/members.html", form=form, members=found, roles=ROLES)


def _member(username: str) -> User:
    member = accounts.get_user_by_username(username)
    if member is None:
        abort(404)
    return member


def _member_page(member: User, status: int = 200, *, revealed=None, field=None, form=None):
    """The member's non-secret facts and the two reveal forms; FORM is the one that was posted."""
    forms = {name: form_class(formdata=None) for name, form_class in REVEAL_FORMS.items()}
    if form is not None:
        forms[field] = form
    return (
        render_template(
            "admin/member.html",
            member=member,
            roles=ROLES,
            fields=FIELDS,
            forms=forms,
            revealed=revealed,
            revealed_field=field if revealed is not None else None,
        ),
        status,
    )


@bp.get("/members/<username>")
def member(username: str):
    return _member_page(_member(username))


@bp.post("/members/<username>/reveal")
def reveal(username: str):
    """Shown in this response only: never in a URL, a flash message or a cache."""
    member = _member(username)
    field = request.form.get("field", "")
    field = field if field in REVEAL_FORMS else "email"
    form = REVEAL_FORMS[field]()
    page = None
    if form.validate_on_submit():
        try:
            revealed = admin_members.reveal(
                current_actor(), member, form.field.data or "", reason=form.reason.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            page = _member_page(member, revealed=revealed, field=field)
    response = make_response(page or _member_page(member, 400, field=field, form=form))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/access-log")
def access_log():
    accesses = admin_members.list_accesses(current_actor())
    return render_template("admin/access_log.html", accesses=accesses, fields=FIELDS)
