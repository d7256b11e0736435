"""Notifications (/me/notifications) and the statements of reasons a member can appeal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import charter, pagination, policy
from forum.errors import InvalidInput
from forum.services import moderation, notifications
from forum.web import current_actor
from forum.web.forum.views import page_number
from forum.web.notifications.forms import AppealForm, MarkReadForm

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
