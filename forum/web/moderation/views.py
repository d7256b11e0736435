"""Moderation (/mod/…): reports queue, log, and the actions, each a POST named after itself."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Post, Thread
from forum.services import moderation, posting, profiles
from forum.web import current_actor, safe_next
from forum.web.moderation.forms import (
    NoteForm,
    ReasonForm,
    RedactForm,
    ReportForm,
    SanctionForm,
)

bp = Blueprint("moderation", __name__)


def _post(post_id: int) -> Post:
    post = posting.get_post(post_id)
    if post is None:
        abort(404)
    return post


def _back(default: str):
    return redirect(safe_next(request.form.get("next"), default))


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = _post(post_id)
    actor = current_actor()
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


@bp.get("/mod/reports")
@login_required
def reports():
    groups = moderation.list_open_reports(current_actor())
    return render_template("moderation/reports.html", groups=groups, form=ReasonForm())


@bp.get("/mod/log")
@login_required
def log():
    entries = moderation.list_log(current_actor())
    return render_template("moderation/log.html", entries=entries)


def _act(action, target, default: str):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            action(current_actor(), target, reason=form.reason.data or "")
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("C'est fait ; c'est consigné au journal de modération."), "success")
    return _back(default)


@bp.post("/mod/posts/<int:post_id>/hide")
@login_required
def hide_post(post_id: int):
    post = _post(post_id)
    return _act(moderation.hide_post, post, url_for("forum.post", post_id=post.id))


@bp.post("/mod/posts/<int:post_id>/restore")
@login_required
def restore_post(post_id: int):
    post = _post(post_id)
    return _act(moderation.restore_post, post, url_for("forum.post", post_id=post.id))


@bp.post("/mod/posts/<int:post_id>/dismiss")
@login_required
def dismiss_reports(post_id: int):
    return _act(moderation.dismiss_reports, _post(post_id), url_for("moderation.reports"))


@bp.post("/mod/threads/<int:thread_id>/<any(lock, unlock, pin, unpin):action>")
@login_required
def thread_action(thread_id: int, action: str):
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)

    def change(actor, target, *, reason):
        return moderation.change_thread(actor, target, action, reason=reason)

    return _act(change, thread, url_for("forum.thread", thread_id=thread.id, slug=thread.slug))


def _member(username: str):
    policy.require(policy.can_moderate(current_actor()))  # before the look-up: no probing names
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
                current_actor(),
                member,
                form.kind.data or "",
                reason=form.reason.data or "",
                days=form.days.data,
            )
        except InvalidInput as error:
            form.add_error(error)
            return _member_page(member, sanction_form=form, status=400)
        flash(_("C'est fait ; c'est consigné au journal de modération."), "success")
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


@bp.route("/mod/posts/<int:post_id>/redact", methods=["GET", "POST"])
@login_required
def redact_post(post_id: int):
    post = _post(post_id)
    policy.require(policy.can_hide_post(current_actor(), post))
    form = RedactForm()
    if form.validate_on_submit():
        try:
            moderation.redact(
                current_actor(),
                post,
                passage=form.passage.data or "",
                reason=form.reason.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Le passage est retiré, partout où il était conservé."), "success")
            return redirect(url_for("forum.post", post_id=post.id))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/redact.html", post=post, form=form), status
