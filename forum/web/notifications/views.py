"""Notifications (/me/notifications) and the statements of reasons a member can appeal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import charter, pagination, policy
from forum.errors import InvalidInput
from forum.extensions import csrf
from forum.services import follows, moderation, notifications, posting
from forum.web import current_actor, thread_slug
from forum.web.forum.views import page_number
from forum.web.notifications.forms import (
    AppealForm,
    MarkReadForm,
    NoticeSettingsForm,
    UnsubscribeForm,
)

bp = Blueprint("notifications", __name__, url_prefix="/me")


@bp.get("/notifications")
@login_required
def inbox():
    actor = current_actor()
    try:
        items = notifications.page_for(actor, page=page_number())
    except pagination.PageOutOfRange as out:
        return redirect(url_for("notifications.inbox", page=out.last))
    return render_template(
        "notifications/inbox.html",
        items=items,
        unread=notifications.count_unread(actor),
        form=MarkReadForm(),
    )


@bp.post("/notifications/read")
@login_required
def mark_read():
    if MarkReadForm().validate_on_submit():
        notifications.mark_read(current_actor())
    return redirect(url_for("notifications.inbox"))


@bp.get("/notifications/<int:notice_id>")
@login_required
def open_notice(notice_id: int):
    """Mark the notice read and go to what it is about."""
    actor = current_actor()
    notice = notifications.get_notice(actor, notice_id)
    if notice is None:
        abort(404)
    notifications.mark_read(actor, notice_id=notice.id)
    if notice.action_id:
        return redirect(url_for("notifications.decision", action_id=notice.action_id))
    if notice.conversation_id:
        return redirect(url_for("messages.conversation", conversation_id=notice.conversation_id))
    if notice.guide_id and notice.kind == "report_outcome":
        return redirect(url_for("notifications.inbox"))
    if notice.guide_id:
        return redirect(url_for("guides.history", guide_id=notice.guide_id))
    if notice.event_id:
        return redirect(url_for("calendar.event", event_id=notice.event_id))
    if notice.post is not None:
        return redirect(url_for("forum.post", post_id=notice.post_id))
    thread = notice.thread
    if thread is None:  # about a private message: nothing more to open
        return redirect(url_for("notifications.inbox"))
    return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread_slug(thread)))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    """How each kind of notice reaches the member, and what they follow."""
    actor = current_actor()
    policy.require(policy.can_follow(actor))
    form = NoticeSettingsForm(
        data={
            **notifications.settings_for(actor),
            "digest": actor.email_digest,
            "follow_on_post": actor.follow_on_post,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        notifications.save_settings(
            actor,
            {kind: form[kind].data for kind in notifications.KINDS},
            digest=form.digest.data,
            follow_on_post=form.follow_on_post.data,
        )
        flash(_("Vos préférences de notification sont enregistrées."), "success")
        return redirect(url_for("notifications.settings"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "notifications/settings.html",
            form=form,
            kinds=notifications.KINDS,
            followed=follows.list_followed(actor),
            title_for=posting.title_for,
        ),
        status,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop the notification e-mails from the link of one of them, without logging in: the
    page asks to confirm (a link scanner opening it changes nothing); the POST — from that
    page, or the mail client's one-click (RFC 8058) — withdraws the consent."""
    if request.method == "POST":
        member = notifications.unsubscribe(token)
        if member is None:
            return render_template("notifications/unsubscribe.html", invalid=True), 400
        return render_template("notifications/unsubscribe.html", done=True)
    return render_template("notifications/unsubscribe.html", form=UnsubscribeForm())


def _decision(action_id: int):
    entry = moderation.get_decision(current_actor(), action_id)
    if entry is None:
        abort(404)
    return entry


def _decision_page(entry, form: AppealForm, status: int = 200):
    return (
        render_template(
            "notifications/decision.html",
            entry=entry,
            form=form,
            deadline=charter.appeal_deadline(entry),
            appealable=charter.APPEALABLE,
        ),
        status,
    )


@bp.get("/decisions/<int:action_id>")
@login_required
def decision(action_id: int):
    entry = _decision(action_id)
    actor = current_actor()
    if actor.id == entry.member_id:
        notifications.mark_read(actor, action_id=entry.id)
    return _decision_page(entry, AppealForm())


@bp.post("/decisions/<int:action_id>/appeal")
@login_required
def appeal(action_id: int):
    entry = _decision(action_id)
    policy.require(policy.can_appeal(current_actor(), entry))
    form = AppealForm()
    if form.validate_on_submit():
        try:
            moderation.appeal(current_actor(), entry, text=form.text.data or "")
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(
                _("Votre contestation est enregistrée : un autre modérateur va l'examiner."),
                "success",
            )
            return redirect(url_for("notifications.decision", action_id=entry.id))
    return _decision_page(entry, form, 400)
