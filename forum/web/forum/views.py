"""Browsing by trade and topic, threads, posts and public profiles."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from forum import pagination, policy, ratelimits
from forum.cache import cached_page
from forum.errors import InvalidInput
from forum.extensions import limiter
from forum.models import Post, Thread, Topic, Trade
from forum.services import (
    bookmarks,
    directory,
    feeds,
    follows,
    guides,
    messages,
    photos,
    posting,
    profiles,
    reactions,
    reading,
    solutions,
    taxonomy,
)
from forum.services import search as search_service
from forum.web import current_actor, thread_slug
from forum.web.forms import optional_int
from forum.web.forum.forms import (
    DeletePostForm,
    EditPostForm,
    FollowForm,
    MarkAllReadForm,
    ReactionForm,
    ReplyForm,
    SolutionForm,
    ThreadForm,
)

bp = Blueprint("forum", __name__)


def _member_key() -> str:
    return ratelimits.key("posting", str(current_actor().id))


# Publishing (new thread, reply, edit) per member; only what went through counts.
limit_posting = limiter.shared_limit(
    lambda: current_app.config["POST_LIMIT"],
    scope="posting",
    key_func=_member_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)


PAGE = re.compile(r"[1-9][0-9]{0,8}")
# The only query arguments a list, a thread or a search link carries on.
LIST_ARGS = ("topic", "trade", "q", "author", "since", "until", "region", "edition", "solved")
SEARCH_FIELDS = ("q", "topic", "trade", "author", "since", "until")


def page_number() -> int:
    """The `?page=` asked for: a positive whole number in ASCII digits, or 404."""
    raw = request.args.get("page", "1")
    if not PAGE.fullmatch(raw):
        abort(404)
    return int(raw)


def list_args() -> dict[str, str]:
    """The filters of the current list, and nothing else the visitor put in the query string."""
    return {key: request.args[key] for key in LIST_ARGS if request.args.get(key)}


def _with_page(endpoint: str, page: int, **values: object) -> str:
    return url_for(endpoint, **values, **list_args(), **({"page": page} if page > 1 else {}))


@bp.app_template_global()
def page_link(endpoint: str, page: int) -> str:
    """The address of PAGE of the list or thread being shown (pager links)."""
    return _with_page(endpoint, page, **(request.view_args or {}))


def _sent_photos() -> list[photos.Prepared]:
    """The photos sent with the form, checked and re-encoded (InvalidInput on `photos`)."""
    return photos.prepare_all(photos.chosen(request.files.getlist("photos")))


def previewing() -> bool:
    """The form was sent by its « Prévisualiser » button: show the text, publish nothing."""
    return request.method == "POST" and request.form.get("preview") == "1"


def preview_of(body: str | None) -> str:
    """BODY rendered as it would be published (its mentions linked), bounded like a post."""
    return posting.render_post((body or "")[: posting.BODY_MAX])


def query_arg(name: str, size: int = 1000) -> str:
    """A query-string argument as text the database takes: no NUL (PostgreSQL refuses it),
    and bounded."""
    return request.args.get(name, "").replace("\x00", "")[:size]


def _filter(kind: str) -> Trade | Topic | None:
    """The optional `?trade=` or `?topic=` filter of a list; unknown -> 404."""
    slug = query_arg(kind, 200)
    if not slug:
        return None
    item = taxonomy.get_trade(slug) if kind == "trade" else taxonomy.get_topic(slug)
    if item is None:
        abort(404)
    return item


@bp.get("/search")
@limiter.limit(lambda: current_app.config["SEARCH_LIMIT"])
@cached_page
def search():
    """Search titles and posts (`q`), with filters `topic`, `trade`, `author`, `since`,
    `until` (dates as 2026-03-31) and `page`; a French message next to a bad field."""
    values = {name: query_arg(name) for name in SEARCH_FIELDS}
    results, errors = None, {}
    if any(values.values()):
        try:
            filters = search_service.parse_filters(
                **{name: value for name, value in values.items() if name != "q"}
            )
            results = search_service.search(
                current_actor(), values["q"], filters, page=page_number()
            )
        except InvalidInput as error:
            errors = error.errors
        except pagination.PageOutOfRange as out:
            return redirect(_with_page("forum.search", out.last))
    return (
        render_template(
            "forum/search.html",
            values=values,
            results=results,
            errors=errors,
            topics=taxonomy.list_topics(),
            trades=taxonomy.list_trades(),
        ),
        400 if errors else 200,
    )


def _listing(endpoint: str, item: Trade | Topic | None, slug: str):
    """A thread list of a trade or a topic, filtered by the other, with canonical redirects."""
    if item is None:
        abort(404)
    if item.slug != slug:  # renamed or merged: the old address leads to the new one
        return redirect(_with_page(endpoint, page_number(), slug=item.slug), 301)
    trade = item if isinstance(item, Trade) else _filter("trade")
    topic = item if isinstance(item, Topic) else _filter("topic")
    solved = {"1": True, "0": False}.get(query_arg("solved", 1))
    try:
        threads = posting.list_threads(
            topic=topic, trade=trade, solved=solved, page=page_number(), viewer=current_actor()
        )
    except pagination.PageOutOfRange as out:
        return redirect(_with_page(endpoint, out.last, slug=slug))
    return render_template(
        "forum/listing.html",
        item=item,
        trade=trade,
        topic=topic,
        solved=solved,
        following=follows.follows(current_actor(), item),
        threads=threads,
        endpoint=endpoint,
        topics=taxonomy.list_topics(),
        trades=taxonomy.list_trades(),
    )


@bp.get("/trades")
@cached_page
def trades_index():
    return render_template("forum/trades.html", groups=taxonomy.list_groups())


@bp.get("/candidates")
@login_required
def candidates():
    """The directory of candidates who chose to be in it, for signed-in members (not for
    visitors and search engines); filters `trade`, `region`, `edition`."""
    values = {name: query_arg(name, 100) for name in ("trade", "region", "edition")}
    members, errors = None, {}
    try:
        members = directory.list_candidates(directory.parse_filters(**values), page=page_number())
    except InvalidInput as error:
        errors = error.errors
    except pagination.PageOutOfRange as out:
        return redirect(_with_page("forum.candidates", out.last))
    return (
        render_template(
            "forum/candidates.html",
            members=members,
            values=values,
            errors=errors,
            trade_options=[(trade.slug, trade.name) for trade in taxonomy.list_trades()],
            regions=profiles.regions(),
            edition_options=[(str(n), _("%(n)de session", n=n)) for n in profiles.EDITIONS],
        ),
        400 if errors else 200,
    )


@bp.get("/topics")
@cached_page
def topics_index():
    """Every topic, with what it is for and how many threads it holds."""
    return render_template("forum/topics.html", topics=taxonomy.list_topics())


@bp.get("/trades/<slug>")
@cached_page
def trade(slug: str):
    return _listing("forum.trade", taxonomy.get_trade(slug), slug)


@bp.get("/topics/<slug>")
@cached_page
def topic(slug: str):
    return _listing("forum.topic", taxonomy.get_topic(slug), slug)


def _atom(body: bytes) -> Response:
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/feeds/latest.atom")
@cached_page(shared=True)
def latest_feed():
    """The latest public posts, as an Atom feed."""
    return _atom(feeds.atom())


@bp.get("/feeds/topics/<slug>.atom")
@cached_page(shared=True)
def topic_feed(slug: str):
    topic = taxonomy.get_topic(slug)
    if topic is None or topic.slug != slug:
        abort(404)
    return _atom(feeds.atom(topic=topic))


@bp.get("/feeds/trades/<slug>.atom")
@cached_page(shared=True)
def trade_feed(slug: str):
    trade = taxonomy.get_trade(slug)
    if trade is None or trade.slug != slug:
        abort(404)
    return _atom(feeds.atom(trade=trade))


@bp.route("/threads/new", methods=["GET", "POST"])
@login_required
@limit_posting
def new_thread():
    actor = current_actor()
    policy.require(policy.can_create_thread(actor))
    form = ThreadForm().with_choices(placeholder=_("— choisir un sujet —"))
    preview = None
    if request.method == "GET":
        preset_topic, preset_trade = _filter("topic"), _filter("trade")
        form.topic.data = preset_topic.id if preset_topic else None
        form.trades.data = [preset_trade.id] if preset_trade else []
    elif form.validate_on_submit() and previewing():
        preview = preview_of(form.body.data)
    elif form.validate_on_submit():
        try:
            thread = posting.create_thread(
                actor,
                title=form.title.data or "",
                body=form.body.data or "",
                topic_id=form.topic.data,
                trade_ids=form.trade_ids(),
                ip=request.remote_addr or "unknown",
                photos=_sent_photos(),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template("forum/new_thread.html", form=form, preview=preview), status


def _thread_page(
    thread: Thread, form: ReplyForm, page: int, status: int = 200, preview: str | None = None
):
    actor = current_actor()
    try:
        posts = posting.list_posts(thread, page=page, viewer=actor)
    except pagination.PageOutOfRange as out:
        slug = thread_slug(thread)
        return redirect(_with_page("forum.thread", out.last, thread_id=thread.id, slug=slug))
    page_reactions = reactions.on_posts(actor, posts.items)
    page_photos = photos.on_posts(posts.items)
    solution = solutions.solution_of(actor, thread)
    # Only a solved thread can become a guide: no look-up on the others.
    made_guide = guides.guide_of_thread(thread) if solution is not None else None
    following = follows.follows(actor, thread)
    reading.mark_seen(actor, thread, posts.items)
    return (
        render_template(
            "forum/thread.html",
            thread=thread,
            posts=posts,
            form=form,
            reactions=page_reactions,
            photos_of=page_photos,
            reaction_kinds=reactions.KINDS,
            solution=solution,
            made_guide=made_guide,
            following=following,
            preview=preview,
        ),
        status,
    )


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>-<slug>")
@cached_page
def thread(thread_id: int, slug: str | None = None):
    thread = _visible_thread(thread_id)
    if thread is None:
        merged_into = posting.merged_into(thread_id)
        if merged_into is None:
            abort(404)
        return redirect(
            url_for("forum.thread", thread_id=merged_into.id, slug=thread_slug(merged_into)), 301
        )
    if slug != thread_slug(thread):
        return redirect(
            _with_page(
                "forum.thread", page_number(), thread_id=thread.id, slug=thread_slug(thread)
            ),
            301,
        )
    form = ReplyForm()
    quoted = posting.get_post(optional_int(request.args.get("quote")) or 0)
    if quoted is not None and policy.can_quote(current_actor(), quoted):
        form.body.data = posting.quote_markdown(quoted)
        form.quote_of.data = str(quoted.id)
    return _thread_page(thread, form, page_number())


@bp.post("/t/<int:thread_id>")
@login_required
@limit_posting
def reply(thread_id: int):
    thread = _visible_thread(thread_id, for_page=False)
    if thread is None:
        abort(404)
    form = ReplyForm()
    last_page = pagination.Page(items=[], number=1, total=thread.post_count).count
    if form.validate_on_submit() and previewing():
        policy.require(policy.can_reply(current_actor(), thread))
        return _thread_page(thread, form, last_page, preview=preview_of(form.body.data))
    if form.validate_on_submit():
        slug = thread_slug(thread)  # read before the reply's commit expires the thread
        try:
            post = posting.reply(
                current_actor(),
                thread,
                body=form.body.data or "",
                quoted_post_id=optional_int(form.quote_of.data or None),
                ip=request.remote_addr or "unknown",
                photos=_sent_photos(),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(_post_url(post, slug))
    return _thread_page(thread, form, last_page, 400)


def _post_url(post: Post, slug: str | None = None) -> str:
    """The address of POST in its thread (SLUG: its thread's, when the caller has it)."""
    page = posting.page_of_post(post, current_actor())
    return url_for(
        "forum.thread",
        thread_id=post.thread_id,
        slug=slug or thread_slug(post.thread),
        _anchor=f"p{post.id}",
        **({"page": page} if page > 1 else {}),
    )


def _visible_thread(thread_id: int, *, for_page: bool = True) -> Thread | None:
    """THREAD, unless it waits for approval and the viewer is neither its author nor a moderator."""
    thread = posting.get_thread(thread_id, for_page=for_page)
    if thread is None or not policy.can_see_thread(current_actor(), thread):
        return None
    return thread


def _get_post(post_id: int) -> Post:
    post = posting.get_post(post_id)
    if post is None or not policy.can_see_post(current_actor(), post):
        abort(404)
    return post


def _photo_file(token: str, extension: str, *, thumb: bool) -> Response:
    """A photo, only for who may read its post (not cached by shared caches: who may read it
    can change — a post hidden, deleted, or its author's data restricted)."""
    photo = photos.get(token)
    if photo is None or photo.extension != extension:
        abort(404)
    if not policy.can_read_post(current_actor(), photo.post):
        abort(404)
    path = photos.path_of(photo, thumb=thumb)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=photo.mimetype, conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/photos/<token>.<any(jpg, png):extension>")
def photo(token: str, extension: str):
    return _photo_file(token, extension, thumb=False)


@bp.get("/photos/t/<token>.<any(jpg, png):extension>")
def photo_thumb(token: str, extension: str):
    return _photo_file(token, extension, thumb=True)


@bp.get("/p/<int:post_id>")
def post(post_id: int):
    return redirect(_post_url(_get_post(post_id)))


@bp.get("/t/<int:thread_id>/unread")
@login_required
def first_unread(thread_id: int):
    """To the first post of the thread the member has not seen (the last one if none)."""
    thread = _visible_thread(thread_id)
    if thread is None:
        abort(404)
    page, post_id = reading.first_unread_page(current_actor(), thread)
    return redirect(
        url_for(
            "forum.thread",
            thread_id=thread.id,
            slug=thread_slug(thread),
            **({"page": page} if page > 1 else {}),
            **({"_anchor": f"p{post_id}"} if post_id else {}),
        )
    )


@bp.post("/p/<int:post_id>/react")
@login_required
def react(post_id: int):
    """Give « Merci » or « Utile » (`kind`), or take it back."""
    post = _get_post(post_id)
    form = ReactionForm()
    if form.validate_on_submit():
        if form.kind.data not in reactions.KINDS:
            abort(400)
        reactions.toggle(current_actor(), post, form.kind.data)
    return redirect(_post_url(post))


@bp.post("/t/<int:thread_id>/solution")
@login_required
def solution(thread_id: int):
    """Mark the reply `post_id` as the thread's solution; no `post_id`: unmark it."""
    thread = _visible_thread(thread_id)
    if thread is None:
        abort(404)
    form = SolutionForm()
    if form.validate_on_submit():
        chosen = None
        if form.post_id.data:
            chosen = posting.get_post(optional_int(form.post_id.data) or 0)
            if chosen is None or chosen.thread_id != thread.id:
                abort(404)
        try:
            solutions.set_solution(current_actor(), thread, chosen)
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(
                _("Réponse marquée comme solution.") if chosen else _("Solution retirée."),
                "success",
            )
    return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread_slug(thread)))


def _set_following(target, back: str):
    form = FollowForm()
    if form.validate_on_submit():
        following = form.follow.data == "1"
        follows.set_following(current_actor(), target, following)
        flash(
            _("Vous suivez maintenant cette page : vous serez prévenu de ce qui s'y passe.")
            if following
            else _("Vous ne suivez plus cette page."),
            "success",
        )
    return redirect(back)


@bp.post("/t/<int:thread_id>/follow")
@login_required
def follow_thread(thread_id: int):
    """Follow the thread (`follow=1`) or stop (`follow=0`)."""
    thread = _visible_thread(thread_id)
    if thread is None:
        abort(404)
    return _set_following(
        thread, url_for("forum.thread", thread_id=thread.id, slug=thread_slug(thread))
    )


def _follow_place(item: Topic | Trade | None, endpoint: str):
    if item is None:
        abort(404)
    return _set_following(item, url_for(endpoint, slug=item.slug))


@bp.post("/topics/<slug>/follow")
@login_required
def follow_topic(slug: str):
    return _follow_place(taxonomy.get_topic(slug), "forum.topic")


@bp.post("/trades/<slug>/follow")
@login_required
def follow_trade(slug: str):
    return _follow_place(taxonomy.get_trade(slug), "forum.trade")


@bp.post("/read")
@login_required
def mark_all_read():
    """Count every thread as read: in the topic or the trade given (a slug), or everywhere."""
    form = MarkAllReadForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    topic = taxonomy.get_topic(form.topic.data) if form.topic.data else None
    trade = taxonomy.get_trade(form.trade.data) if form.trade.data else None
    if (form.topic.data and topic is None) or (form.trade.data and trade is None):
        abort(404)
    reading.mark_all_read(current_actor(), topic=topic, trade=trade)
    flash(_("Tout est marqué comme lu."), "success")
    if topic is not None:
        return redirect(url_for("forum.topic", slug=topic.slug))
    if trade is not None:
        return redirect(url_for("forum.trade", slug=trade.slug))
    return redirect(url_for("main.home"))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@limit_posting
def edit_post(post_id: int):
    post = _get_post(post_id)
    actor = current_actor()
    if request.method == "GET":
        policy.require(policy.can_edit_post(actor, post))
    form = EditPostForm(
        data={"body": post.source, "version": post.version} if request.method == "GET" else None
    )
    preview = None
    if form.validate_on_submit() and previewing():
        policy.require(policy.can_edit_post(actor, post))
        preview = preview_of(form.body.data)
    elif form.validate_on_submit():
        try:
            posting.edit_post(
                actor,
                post,
                body=form.body.data or "",
                version=optional_int(form.version.data),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Votre message a été modifié."), "success")
            return redirect(_post_url(post))
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template("forum/edit_post.html", post=post, form=form, preview=preview), status


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete_post(post_id: int):
    post = _get_post(post_id)
    if DeletePostForm().validate_on_submit():
        posting.delete_post(current_actor(), post)
        flash(_("Votre message a été supprimé."), "success")
    return redirect(_post_url(post))


@bp.post("/p/<int:post_id>/bookmark")
@login_required
def bookmark(post_id: int):
    """Keep the post in « Mes signets », or let it go (a form with its CSRF token only)."""
    post = _get_post(post_id)
    if DeletePostForm().validate_on_submit():
        if bookmarks.toggle(current_actor(), post):
            flash(_("Message gardé dans vos signets."), "success")
        else:
            flash(_("Message retiré de vos signets."), "success")
    return redirect(_post_url(post))


@bp.get("/me/bookmarks")
@login_required
def my_bookmarks():
    try:
        kept = bookmarks.list_bookmarks(current_actor(), page=page_number())
    except pagination.PageOutOfRange as out:
        return redirect(_with_page("forum.my_bookmarks", out.last))
    return render_template("forum/bookmarks.html", posts=kept)


@bp.get("/p/<int:post_id>/history")
@login_required
def post_history(post_id: int):
    post = _get_post(post_id)
    actor = current_actor()
    policy.require(policy.can_see_post_history(actor, post))
    readable = policy.can_read_post(actor, post)  # a restricted member's: admins only
    revisions = posting.list_revisions(post) if readable else []
    return render_template("forum/post_history.html", post=post, revisions=revisions)


@bp.get("/u/<username>")
@cached_page
def profile(username: str):
    member = profiles.get_member(username)
    if member is None or not policy.can_view_profile(current_actor(), member):
        abort(404)
    return render_template(
        "forum/profile.html",
        member=member,
        post_count=profiles.count_posts(member, viewer=current_actor()),
        recent_posts=profiles.list_recent_posts(member, viewer=current_actor()),
        regions=profiles.regions(),
        blocked=current_actor() is not None and member.id in messages.blocked_ids(current_actor()),
    )
