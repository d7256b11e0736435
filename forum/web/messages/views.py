"""Private conversations (`/me/messages`) and blocking a member (`/u/<name>/block`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from forum import pagination, policy
from forum.errors import InvalidInput
from forum.services import messages, moderation, profiles
from forum.web import current_actor
from forum.web.forum.views import limit_posting, page_number, previewing, query_arg
from forum.web.messages.forms import AcceptingForm, BlockForm, ConversationForm, MessageForm
from forum.web.moderation.forms import REASON_LABELS, ReportForm

bp = Blueprint("messages", __name__)


@bp.get("/me/messages")
@login_required
def inbox():
    actor = current_actor()
    try:
        rows = messages.list_conversations(actor, page=page_number())
    except pagination.PageOutOfRange as out:
        return redirect(url_for("messages.inbox", page=out.last))
    return render_template(
        "messages/index.html",
        rows=rows,
        form=AcceptingForm(data={"accepts_messages": actor.accepts_messages}),
    )


@bp.post("/me/messages/settings")
@login_required
def settings():
    form = AcceptingForm()
    if form.validate_on_submit():
        messages.set_accepting(current_actor(), bool(form.accepts_messages.data))
        flash(_("Votre choix est enregistré."), "success")
    return redirect(url_for("messages.inbox"))


@bp.route("/me/messages/new", methods=["GET", "POST"])
@login_required
@limit_posting
def new():
    """Start a conversation; `?to=<name>` fills in the recipient (from a profile or the
    directory)."""
    actor = current_actor()
    policy.require(policy.can_start_conversation(actor))
    form = ConversationForm()
    preview = None
    if request.method == "GET":
        form.to.data = query_arg("to", 100)
    elif form.validate_on_submit() and previewing():
        preview = messages.render(form.body.data or "")
    elif form.validate_on_submit():
        try:
            conversation = messages.start(
                actor,
                to=form.to.data or "",
                title=form.title.data or "",
                body=form.body.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(url_for("messages.conversation", conversation_id=conversation.id))
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template("messages/new.html", form=form, preview=preview), status


def _conversation(conversation_id: int):
    conversation = messages.get_conversation(current_actor(), conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def _page(conversation, form: MessageForm, status: int = 200, preview: str | None = None):
    actor = current_actor()
    page = page_number() if "page" in request.args else None
    try:
        shown = messages.list_messages(actor, conversation, page=page)
    except pagination.PageOutOfRange as out:
        return redirect(
            url_for("messages.conversation", conversation_id=conversation.id, page=out.last)
        )
    member_ids = {member.user_id for member in conversation.members}
    blocked = messages.blocked_within(actor, member_ids)
    return (
        render_template(
            "messages/conversation.html",
            conversation=conversation,
            shown=shown,
            form=form,
            member_ids=member_ids,
            writable=policy.can_write_in(actor, conversation, member_ids) and not blocked,
            blocked=blocked,
            preview=preview,
        ),
        status,
    )


@bp.get("/me/messages/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    return _page(_conversation(conversation_id), MessageForm())


@bp.post("/me/messages/<int:conversation_id>")
@login_required
@limit_posting
def write(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = MessageForm()
    if form.validate_on_submit() and previewing():
        return _page(conversation, form, preview=messages.render(form.body.data or ""))
    if form.validate_on_submit():
        try:
            message = messages.reply(current_actor(), conversation, body=form.body.data or "")
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(
                url_for(
                    "messages.conversation",
                    conversation_id=conversation.id,
                    _anchor=f"m{message.id}",
                )
            )
    return _page(conversation, form, 400)


@bp.route("/me/messages/m/<int:message_id>/report", methods=["GET", "POST"])
@login_required
def report(message_id: int):
    """Report a message of one's conversation: the moderators will see that message alone."""
    actor = current_actor()
    message = messages.get_message(actor, message_id)
    if message is None:
        abort(404)
    member_ids = messages.member_ids(message.conversation)
    policy.require(policy.can_report_message(actor, message, member_ids))
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_message(
                actor,
                message,
                reason=form.reason.data or "",
                comment=form.comment.data or "",
                member_ids=member_ids,
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Merci : les modérateurs vont examiner ce message, et lui seul."), "success")
            return redirect(
                url_for("messages.conversation", conversation_id=message.conversation_id)
            )
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "messages/report.html", message=message, form=form, reason_labels=REASON_LABELS
        ),
        status,
    )


@bp.post("/u/<username>/block")
@login_required
def block(username: str):
    """Block the member (`block=1`) or lift the block: no private message, no mention."""
    member = profiles.get_member(username)
    if member is None or not policy.can_view_profile(current_actor(), member):
        abort(404)
    form = BlockForm()
    if form.validate_on_submit():
        blocking = form.block.data == "1"
        messages.set_block(current_actor(), member, blocking)
        flash(
            _(
                "%(name)s est bloqué : ce membre ne peut plus vous écrire ni vous mentionner.",
                name=member.username,
            )
            if blocking
            else _("%(name)s n'est plus bloqué.", name=member.username),
            "success",
        )
    return redirect(url_for("forum.profile", username=member.username))
