"""Moderation (/mod/…): reports, approval queue, appeals, the log, and the actions.

Every action is a POST named after itself and carries a statement of reasons (reason, rule of
the charter, how it was detected). A form that fails comes back on the moderation page of its
post or thread, with the message next to the field and what was typed.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import charter, pagination, policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Appeal, Guide, Post, Thread
from forum.services import moderation, posting, profiles
from forum.web import current_actor, safe_next, thread_slug
from forum.web.forms import optional_int
from forum.web.moderation.forms import (
    REASON_LABELS,
    DecideAppealForm,
    MergeForm,
    ModeratorEditForm,
    MoveForm,
    NoteForm,
    RedactForm,
    ReportForm,
    SanctionForm,
    SplitForm,
    StatementForm,
    scope,
)

bp = Blueprint("moderation", __name__)


def _done() -> None:
    flash(
        _("C'est fait ; c'est consigné au journal de modération, le membre concerné est prévenu."),
        "success",
    )


def _grounds(form: StatementForm) -> moderation.Grounds:
    return moderation.Grounds(
        form.reason.data or "", form.rule.data or None, form.detection.data or None
    )


def _post(post_id: int) -> Post:
    post = posting.get_post(post_id)
    if post is None:
        abort(404)
    return post


def _thread(thread_id: int) -> Thread:
    thread = posting.get_thread(thread_id)
    if thread is None:
        abort(404)
    return thread


def _require_moderator() -> None:
    policy.require(policy.can_moderate(current_actor()))


# --- reports --------------------------------------------------------------------------------


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = _post(post_id)
    actor = current_actor()
    if not policy.can_read_post(actor, post):
        abort(404)  # for this reader the text does not exist: nothing to show, nothing to report
    policy.require(policy.can_report_post(actor, post))
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_post(
                actor, post, reason=form.reason.data or "", comment=form.comment.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Merci : les modérateurs vont examiner ce message."), "success")
            return redirect(url_for("forum.post", post_id=post.id))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/report.html", post=post, form=form), status


def _queue_form(group: moderation.ReportGroup, key: str) -> StatementForm:
    form = StatementForm(key=f"{key}-{group.post.id}", formdata=None)
    form.rule.data = charter.rule_for_reports(report.reason for report in group.reports) or ""
    form.detection.data = "report"
    return form


def _message_forms(group: moderation.MessageReportGroup) -> tuple[StatementForm, ...]:
    forms = []
    for key in MESSAGE_ACTIONS:
        form = StatementForm(key=f"m{key}-{group.message.id}", formdata=None)
        form.rule.data = charter.rule_for_reports(r.reason for r in group.reports) or ""
        form.detection.data = "report"
        forms.append(form)
    return tuple(forms)


@bp.get("/mod/reports")
@login_required
def reports():
    groups = moderation.list_open_reports(current_actor())
    message_groups = moderation.list_message_reports(current_actor())
    guide_groups = moderation.list_guide_reports(current_actor())
    return render_template(
        "moderation/reports.html",
        groups=groups,
        forms={
            group.post.id: (_queue_form(group, "hide"), _queue_form(group, "dismiss"))
            for group in groups
        },
        message_groups=message_groups,
        message_forms={group.message.id: _message_forms(group) for group in message_groups},
        guide_groups=guide_groups,
        guide_forms={group.guide.id: _guide_forms(group) for group in guide_groups},
        reason_labels=REASON_LABELS,
    )


GUIDE_ACTIONS = {
    "hide": moderation.hide_guide,
    "restore": moderation.restore_guide,
    "dismiss": moderation.dismiss_guide_reports,
}


def _guide_forms(group: moderation.GuideReportGroup) -> tuple[StatementForm, ...]:
    forms = []
    for key in ("hide", "dismiss"):
        form = StatementForm(key=f"g{key}-{group.guide.id}", formdata=None)
        form.rule.data = charter.rule_for_reports(r.reason for r in group.reports) or ""
        form.detection.data = "report"
        forms.append(form)
    return tuple(forms)


@bp.post("/mod/guides/<int:guide_id>/<any(hide, restore, dismiss):action>")
@login_required
def guide_action(guide_id: int, action: str):
    """Hide a guide, show it again, or close its reports; back to where the form was."""
    _require_moderator()
    guide = db.session.get(Guide, guide_id)
    if guide is None:
        abort(404)
    form = StatementForm(key=f"g{action}-{guide_id}")
    if form.validate_on_submit():
        try:
            GUIDE_ACTIONS[action](current_actor(), guide, _grounds(form))
        except InvalidInput as error:
            for text in error.errors.values():
                flash(text, "error")
        else:
            flash(_("C'est fait ; c'est consigné au journal de modération."), "success")
    return redirect(safe_next(form.next.data, url_for("moderation.reports")))


MESSAGE_ACTIONS = {
    "remove": moderation.remove_message,
    "dismiss": moderation.dismiss_message_reports,
}


@bp.post("/mod/messages/<int:message_id>/<any(remove, dismiss):action>")
@login_required
def message_action(message_id: int, action: str):
    """Remove a reported private message, or close its reports: the message alone, never the
    conversation around it (a message without an open report is not found)."""
    _require_moderator()
    message = moderation.reported_message(current_actor(), message_id)
    if message is None:
        abort(404)
    form = StatementForm(key=f"m{action}-{message_id}")
    if form.validate_on_submit():
        try:
            MESSAGE_ACTIONS[action](current_actor(), message, _grounds(form))
        except InvalidInput as error:
            for text in error.errors.values():
                flash(text, "error")
        else:
            _done()
    return redirect(url_for("moderation.reports"))


@bp.get("/mod/queue")
@login_required
def queue():
    return render_template(
        "moderation/queue.html", posts=moderation.list_pending_posts(current_actor())
    )


@bp.get("/mod/log")
@login_required
def log():
    entries = moderation.list_log(current_actor())
    return render_template("moderation/log.html", entries=entries)


# --- a post ---------------------------------------------------------------------------------

POST_ACTIONS = {
    "hide": moderation.hide_post,
    "restore": moderation.restore_post,
    "dismiss": moderation.dismiss_reports,
    "delete": moderation.delete_post,
    "approve": moderation.approve_post,
    "reject": moderation.reject_post,
}


def _available(post: Post, reports: list) -> set[str]:
    """The actions that make sense for POST as it stands: their forms are on its page."""
    if post.is_deleted:
        return set()
    available = {"delete", "restore" if post.is_hidden else "hide"}
    if post.is_pending:
        available |= {"approve", "reject"}
    if reports:
        available.add("dismiss")
    return available


def _post_page(post: Post, failed: dict[str, StatementForm] | None = None, status: int = 200):
    forms = {key: StatementForm(key=key, formdata=None) for key in POST_ACTIONS}
    forms["approve"].reason.data = _("Message conforme à la charte : bienvenue sur L'Établi !")
    reports = moderation.open_reports_of(post)
    if reports:
        rule = charter.rule_for_reports(report.reason for report in reports) or ""
        for form in forms.values():
            form.rule.data, form.detection.data = rule, "report"
    available = _available(post, reports)
    for key, form in (failed or {}).items():
        if key in available:
            forms[key] = form
        else:  # the post changed meanwhile (another moderator): say why nothing was done
            for message in form.reason.errors or [_("Cette action n'est plus possible.")]:
                flash(message, "error")
    return (
        render_template(
            "moderation/post.html",
            post=post,
            reports=reports,
            forms=forms,
            available=available,
            reason_labels=REASON_LABELS,
        ),
        status,
    )


@bp.get("/mod/posts/<int:post_id>")
@login_required
def post(post_id: int):
    post = _post(post_id)
    policy.require(policy.can_moderate_post(current_actor(), post))
    return _post_page(post)


@bp.post("/mod/posts/<int:post_id>/<any(hide, restore, dismiss, delete, approve, reject):action>")
@login_required
def post_action(post_id: int, action: str):
    post = _post(post_id)
    policy.require(policy.can_moderate_post(current_actor(), post))
    form = StatementForm(key=action)
    if form.validate_on_submit():
        try:
            POST_ACTIONS[action](current_actor(), post, _grounds(form))
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(safe_next(form.next.data, url_for("forum.post", post_id=post.id)))
    return _post_page(post, {action: form}, 400)


@bp.route("/mod/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = _post(post_id)
    policy.require(policy.can_moderate_post(current_actor(), post))
    if request.method == "GET":
        form = ModeratorEditForm(data={"body": post.source, "version": post.version})
    else:
        form = ModeratorEditForm()
        if form.validate_on_submit():
            try:
                moderation.edit_post(
                    current_actor(),
                    post,
                    body=form.body.data or "",
                    version=optional_int(form.version.data),
                    grounds=_grounds(form),
                )
            except InvalidInput as error:
                form.add_error(error)
            else:
                _done()
                return redirect(url_for("forum.post", post_id=post.id))
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/edit.html", post=post, form=form), status


@bp.route("/mod/posts/<int:post_id>/redact", methods=["GET", "POST"])
@login_required
def redact_post(post_id: int):
    post = _post(post_id)
    policy.require(policy.can_hide_post(current_actor(), post))
    form = RedactForm()
    if request.method == "GET":
        form.rule.data = "privacy"
    if form.validate_on_submit():
        try:
            moderation.redact(
                current_actor(), post, passage=form.passage.data or "", grounds=_grounds(form)
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Le passage est retiré, partout où il était conservé."), "success")
            return redirect(url_for("forum.post", post_id=post.id))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/redact.html", post=post, form=form), status


# --- a thread -------------------------------------------------------------------------------

THREAD_ACTIONS = ("lock", "unlock", "pin", "unpin")


def _move_form(thread: Thread, form: MoveForm | None = None) -> MoveForm:
    if form is None:
        form = MoveForm(key="move", formdata=None)
        form.topic.data = thread.topic_id
        form.trades.data = [trade.id for trade in thread.trades]
    return form.with_choices()


def _thread_page(thread: Thread, failed: dict[str, StatementForm] | None = None, status: int = 200):
    forms: dict[str, StatementForm] = {
        key: StatementForm(key=key, formdata=None) for key in THREAD_ACTIONS
    }
    forms["move"] = _move_form(thread)
    forms["merge"] = MergeForm(key="merge", formdata=None)
    for key, form in (failed or {}).items():
        forms[key] = _move_form(thread, form) if key == "move" else form
    return render_template("moderation/thread.html", thread=thread, forms=forms), status


@bp.get("/mod/threads/<int:thread_id>")
@login_required
def thread(thread_id: int):
    thread = _thread(thread_id)
    policy.require(policy.can_manage_thread(current_actor(), thread))
    return _thread_page(thread)


def _thread_url(thread: Thread) -> str:
    return url_for("forum.thread", thread_id=thread.id, slug=thread_slug(thread))


@bp.post("/mod/threads/<int:thread_id>/<any(lock, unlock, pin, unpin):action>")
@login_required
def thread_action(thread_id: int, action: str):
    thread = _thread(thread_id)
    policy.require(policy.can_manage_thread(current_actor(), thread))
    form = StatementForm(key=action)
    if form.validate_on_submit():
        try:
            moderation.change_thread(current_actor(), thread, action, _grounds(form))
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(safe_next(form.next.data, _thread_url(thread)))
    return _thread_page(thread, {action: form}, 400)


@bp.post("/mod/threads/<int:thread_id>/move")
@login_required
def move_thread(thread_id: int):
    thread = _thread(thread_id)
    policy.require(policy.can_manage_thread(current_actor(), thread))
    form = MoveForm(key="move")
    if form.validate_on_submit():
        try:
            moderation.move_thread(
                current_actor(),
                thread,
                topic_id=form.topic.data,
                trade_ids=form.trade_ids(),
                grounds=_grounds(form),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(_thread_url(thread))
    return _thread_page(thread, {"move": form}, 400)


THREAD_ADDRESS = re.compile(r"(?:/t/)?(\d{1,10})(?:-[^/?#]*)?/?(?:[?#].*)?$")


def _target_thread(value: str) -> Thread | None:
    """The thread a moderator names by its number or its address (/t/12-slug)."""
    match = THREAD_ADDRESS.search(value.strip())
    thread_id = optional_int(match.group(1)) if match else None
    return posting.get_thread(thread_id) if thread_id else None


@bp.post("/mod/threads/<int:thread_id>/merge")
@login_required
def merge_thread(thread_id: int):
    thread = _thread(thread_id)
    policy.require(policy.can_manage_thread(current_actor(), thread))
    form = MergeForm(key="merge")
    if form.validate_on_submit():
        target = _target_thread(form.target.data or "")
        try:
            if target is None:
                raise InvalidInput("target", _("Aucune discussion à ce numéro ou à cette adresse."))
            target = moderation.merge_threads(current_actor(), thread, target, _grounds(form))
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(_thread_url(target))
    return _thread_page(thread, {"merge": form}, 400)


def _split_page(thread: Thread, form: SplitForm, status: int = 200):
    try:
        page = posting.list_posts(
            thread, page=optional_int(request.args.get("page")) or 1, viewer=current_actor()
        )
    except pagination.PageOutOfRange:
        abort(404)
    first_id = posting.first_post_id(thread)
    return (
        render_template(
            "moderation/split.html", thread=thread, posts=page, form=form, first_id=first_id
        ),
        status,
    )


@bp.route("/mod/threads/<int:thread_id>/split", methods=["GET", "POST"])
@login_required
def split_thread(thread_id: int):
    thread = _thread(thread_id)
    policy.require(policy.can_manage_thread(current_actor(), thread))
    form = SplitForm()
    if request.method == "GET":
        form.rule.data = "on_topic"
        return _split_page(thread, form)
    if form.validate_on_submit():
        try:
            new = moderation.split_thread(
                current_actor(),
                thread,
                post_ids=[post_id for post_id in form.posts.data or [] if post_id],
                title=form.title.data or "",
                grounds=_grounds(form),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(_thread_url(new))
    return _split_page(thread, form, 400)


# --- appeals --------------------------------------------------------------------------------


def _appeals_page(failed: dict[int, DecideAppealForm] | None = None, status: int = 200):
    contests = moderation.list_open_appeals(current_actor())
    forms = {
        contest.id: scope(DecideAppealForm(formdata=None), f"appeal-{contest.id}")
        for contest in contests
    }
    forms.update(failed or {})
    return (
        render_template(
            "moderation/appeals.html",
            appeals=contests,
            forms=forms,
            undone_on_appeal=charter.UNDONE_ON_APPEAL,
        ),
        status,
    )


@bp.get("/mod/appeals")
@login_required
def appeals():
    return _appeals_page()


@bp.post("/mod/appeals/<int:appeal_id>/decide")
@login_required
def decide_appeal(appeal_id: int):
    _require_moderator()
    contest = db.session.get(Appeal, appeal_id)
    if contest is None:
        abort(404)
    form = scope(DecideAppealForm(), f"appeal-{contest.id}")
    if form.validate_on_submit():
        try:
            moderation.decide_appeal(
                current_actor(),
                contest,
                decision=form.decision.data or "",
                reason=form.reason.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            _done()
            return redirect(url_for("moderation.appeals"))
    return _appeals_page({contest.id: form}, 400)


# --- a member -------------------------------------------------------------------------------


def _member(username: str):
    _require_moderator()  # before the look-up: no probing names
    member = profiles.get_member(username)
    if member is None:
        abort(404)
    return member


def _member_page(member, sanction_form=None, note_form=None, status: int = 200):
    return (
        render_template(
            "moderation/member.html",
            member=member,
            file=moderation.member_file(current_actor(), member),
            sanction_form=sanction_form or SanctionForm(),
            note_form=note_form or NoteForm(),
        ),
        status,
    )


@bp.get("/mod/members/<username>")
@login_required
def member(username: str):
    return _member_page(_member(username))


@bp.post("/mod/members/<username>/sanction")
@login_required
def sanction(username: str):
    member = _member(username)
    form = SanctionForm()
    if form.validate_on_submit():
        try:
            moderation.sanction(
                current_actor(), member, form.kind.data or "", _grounds(form), days=form.days.data
            )
        except InvalidInput as error:
            form.add_error(error)
            return _member_page(member, sanction_form=form, status=400)
        _done()
        return redirect(url_for("moderation.member", username=member.username))
    return _member_page(member, sanction_form=form, status=400)


@bp.post("/mod/members/<username>/notes")
@login_required
def add_note(username: str):
    member = _member(username)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            moderation.add_note(current_actor(), member, text=form.text.data or "")
        except InvalidInput as error:
            form.add_error(error)
            return _member_page(member, note_form=form, status=400)
        return redirect(url_for("moderation.member", username=member.username))
    return _member_page(member, note_form=form, status=400)
