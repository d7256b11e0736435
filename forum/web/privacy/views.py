"""The member's privacy centre (/me/privacy) and the admins' register (/admin/gdpr/…)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import login_required

from forum import policy, tokens
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import User
from forum.services import (
    consents,
    erasure,
    exports,
    restriction,
    subject_requests,
)
from forum.services import legal_hold as held_data
from forum.services import processing_register as register_of_processing
from forum.services import review_tasks as residues
from forum.web import current_actor, current_device_id, end_session, renew_session, safe_next
from forum.web.forms import optional_int
from forum.web.privacy.forms import (
    AcceptPoliciesForm,
    ActionForm,
    CloseRequestForm,
    ConsentForm,
    EraseForm,
    ExtendRequestForm,
    HoldAccessForm,
    KeepResidueForm,
    RequestForm,
    RestrictionForm,
)
from gdpr import requests as gdpr_requests
from gdpr.models import HoldAccess, ReviewTask, SubjectRequest

bp = Blueprint("privacy", __name__)


def _centre(erase_form: EraseForm | None = None, status: int = 200):
    actor = current_actor()
    return (
        render_template(
            "privacy/centre.html",
            exports=exports.list_exports(actor),
            erasure=erasure.pending_erasure(actor),
            requests=subject_requests.list_requests(actor),
            erase_form=erase_form or EraseForm(),
            action_form=ActionForm(),
            consents=consents.consents(actor),
        ),
        status,
    )


@bp.get("/me/privacy")
@login_required
def centre():
    return _centre()


# Pages a member may open before accepting a new version of the terms: their rights stay theirs.
OPEN_BEFORE_ACCEPTANCE = {
    "static",
    "auth.logout",
    "main.set_locale",
    "main.healthz",
    "main.privacy",
    "main.terms",
    "main.cookies",
}


@bp.before_app_request
def ask_for_new_policies():
    """A new version of the terms or privacy policy is presented at the next visit."""
    actor = current_actor()
    endpoint = request.endpoint or ""
    if actor is None or endpoint in OPEN_BEFORE_ACCEPTANCE:
        return None
    if endpoint.startswith("privacy.") or endpoint in {
        "main.privacy",
        "main.terms",
        "main.cookies",
    }:
        return None
    # Checked once a session and a version of the texts, not on every request.
    checked = f"{actor.id}:{consents.policies_version()}"
    if session.get("policies_checked") == checked:
        return None
    if consents.policies_to_accept(actor):
        return redirect(url_for("privacy.accept_policies", next=request.full_path))
    session["policies_checked"] = checked
    return None


@bp.route("/me/privacy/accept", methods=["GET", "POST"])
@login_required
def accept_policies():
    actor = current_actor()
    form = AcceptPoliciesForm()
    if form.validate_on_submit():
        try:
            consents.accept_policies(
                actor, accepted=form.accept_terms.data, locale=str(get_locale())
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    status = 400 if form.is_submitted() else 200
    pending = consents.policies_to_accept(actor)
    return render_template("privacy/accept.html", form=form, pending=pending), status


@bp.post("/me/privacy/consents")
@login_required
def set_consent():
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            consents.set_consent(
                current_actor(),
                form.purpose.data or "",
                form.given.data == "1",
                via="privacy-centre",
                locale=str(get_locale()),
            )
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("Votre choix est enregistré."), "success")
    return redirect(url_for("privacy.centre"))


@bp.post("/me/privacy/export")
@login_required
def request_export():
    if ActionForm().validate_on_submit():
        archive = exports.request_export(current_actor())
        if archive.status == "ready":
            flash(_("Votre archive est prête : vous avez reçu un e-mail."), "success")
        else:
            flash(_("Votre archive est en préparation : vous recevrez un e-mail."), "success")
    return redirect(url_for("privacy.centre"))


@bp.get("/me/privacy/export/<int:archive_id>")
@login_required
def download_export(archive_id: int):
    path = exports.archive_path(current_actor(), archive_id)
    if path is None or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name="etabli-mes-donnees.zip")


@bp.route("/me/privacy/erase", methods=["GET", "POST"])
@login_required
def erase():
    form = EraseForm()
    if form.validate_on_submit():
        try:
            erasure.schedule_erasure(
                current_actor(),
                password=form.password.data or "",
                content=form.content.data,
                keep_device=current_device_id(),
            )
        except InvalidInput as error:
            form.add_error(error)
            return _centre(form, 400)
        renew_session(current_actor())
        flash(
            _(
                "L'effacement de votre compte est programmé. "
                "Vous pouvez l'annuler jusqu'à la date indiquée."
            ),
            "success",
        )
    return redirect(url_for("privacy.centre"))


@bp.post("/me/privacy/erase/cancel")
@login_required
def cancel_own_erasure():
    if ActionForm().validate_on_submit() and erasure.cancel_own_erasure(current_actor()):
        flash(_("L'effacement de votre compte est annulé."), "success")
    return redirect(url_for("privacy.centre"))


@bp.get("/me/privacy/erase/pending")
@login_required
def erasure_pending():
    """Asked at login during the grace period: keep the erasure (and log out), or cancel it.
    Logging in decides nothing by itself."""
    scheduled = erasure.pending_erasure(current_actor())
    if scheduled is None:
        return redirect(url_for("privacy.centre"))
    return render_template("privacy/pending.html", scheduled=scheduled, form=ActionForm())


@bp.post("/me/privacy/erase/keep")
@login_required
def keep_erasure():
    scheduled = erasure.pending_erasure(current_actor())
    if not ActionForm().validate_on_submit() or scheduled is None:
        return redirect(url_for("privacy.centre"))
    due = scheduled.due_at
    end_session()
    flash(
        _(
            "L'effacement de votre compte reste prévu le %(date)s. Vous êtes déconnecté.",
            date=format_date(due, "long"),
        ),
        "info",
    )
    return redirect(url_for("main.home"))


@bp.route("/me/privacy/erase/cancel/<token>", methods=["GET", "POST"])
def cancel_erasure(token: str):
    """The mailed link shows a button; only the POST cancels (mail scanners follow links)."""
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("privacy/cancel.html", form=form)
    try:
        cancelled = erasure.cancel_erasure_by_token(token)
    except tokens.TokenInvalid:
        cancelled = False
    message = (
        _("L'effacement de votre compte est annulé.")
        if cancelled
        else _(
            "Ce lien n'annule plus rien : l'effacement a déjà eu lieu, ou le lien n'est pas valide."
        )
    )
    return render_template("privacy/cancelled.html", message=message), 200 if cancelled else 400


def _require_admin():
    policy.require(policy.is_admin(current_actor()))


@bp.route("/admin/gdpr/requests", methods=["GET", "POST"])
@login_required
def requests_register():
    _require_admin()
    form = RequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            subject_requests.record_request(
                current_actor(),
                kind=form.kind.data,
                channel=form.channel.data,
                received_on=form.received_on.data or "",
                details=form.details.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
            status = 400
        else:
            flash(_("Demande enregistrée."), "success")
            return redirect(url_for("privacy.requests_register"))
    return (
        render_template(
            "privacy/requests.html",
            requests=subject_requests.list_all(current_actor()),
            state=gdpr_requests.state,
            form=form,
            close_form=CloseRequestForm(),
            extend_form=ExtendRequestForm(),
        ),
        status,
    )


def _request(request_id: int) -> SubjectRequest:
    found = db.session.get(SubjectRequest, request_id)
    if found is None:
        abort(404)
    return found


@bp.post("/admin/gdpr/requests/<int:request_id>/close")
@login_required
def close_request(request_id: int):
    _require_admin()
    form = CloseRequestForm()
    if form.validate_on_submit():
        subject_requests.close_request(
            current_actor(), _request(request_id), outcome=form.outcome.data or ""
        )
    return redirect(url_for("privacy.requests_register"))


@bp.post("/admin/gdpr/requests/<int:request_id>/extend")
@login_required
def extend_request(request_id: int):
    _require_admin()
    form = ExtendRequestForm()
    if form.validate_on_submit():
        try:
            subject_requests.extend_request(
                current_actor(), _request(request_id), reason=form.reason.data or ""
            )
        except InvalidInput as error:
            flash(error.message, "error")
    return redirect(url_for("privacy.requests_register"))


@bp.get("/admin/gdpr/register")
@login_required
def processing_register():
    _require_admin()
    return render_template(
        "privacy/register.html", markdown=register_of_processing.register_markdown()
    )


@bp.route("/admin/gdpr/legal-hold", methods=["GET", "POST"])
@login_required
def legal_hold():
    _require_admin()
    form = HoldAccessForm()
    status = 200
    if form.validate_on_submit():
        try:
            held_data.request_hold_access(
                current_actor(),
                post_id=optional_int(form.post_id.data),
                reason=form.reason.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
            status = 400
        else:
            flash(
                _("Demande d'accès enregistrée : un autre administrateur doit l'approuver."),
                "success",
            )
            return redirect(url_for("privacy.legal_hold"))
    return (
        render_template(
            "privacy/legal_hold.html",
            form=form,
            accesses=held_data.list_hold_accesses(current_actor()),
            action_form=ActionForm(),
        ),
        status,
    )


def _access(access_id: int) -> HoldAccess:
    found = db.session.get(HoldAccess, access_id)
    if found is None:
        abort(404)
    return found


@bp.post("/admin/gdpr/legal-hold/<int:access_id>/approve")
@login_required
def approve_hold_access(access_id: int):
    _require_admin()
    if ActionForm().validate_on_submit():
        try:
            held_data.approve_hold_access(current_actor(), _access(access_id))
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("Accès approuvé."), "success")
    return redirect(url_for("privacy.legal_hold"))


@bp.get("/admin/gdpr/legal-hold/<int:access_id>")
@login_required
def reveal_hold(access_id: int):
    _require_admin()
    access = _access(access_id)
    try:
        held = held_data.reveal_hold(current_actor(), access)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("privacy.legal_hold"))
    return render_template("privacy/legal_hold_reveal.html", access=access, held=held)


@bp.route("/admin/gdpr/restrictions", methods=["GET", "POST"])
@login_required
def restrictions():
    _require_admin()
    form = RestrictionForm()
    status = 200
    if form.validate_on_submit():
        try:
            restriction.restrict(
                current_actor(), username=form.username.data or "", reason=form.reason.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
            status = 400
        else:
            flash(_("Les données du membre sont gelées ; il en est informé."), "success")
            return redirect(url_for("privacy.restrictions"))
    return (
        render_template(
            "privacy/restrictions.html",
            form=form,
            members=restriction.list_restricted(current_actor()),
            action_form=ActionForm(),
        ),
        status,
    )


@bp.post("/admin/gdpr/restrictions/<int:user_id>/lift")
@login_required
def lift_restriction(user_id: int):
    _require_admin()
    member = db.session.get(User, user_id)
    if member is None:
        abort(404)
    if ActionForm().validate_on_submit():
        restriction.lift_restriction(current_actor(), member)
        flash(_("La limitation est levée ; le membre en est informé."), "success")
    return redirect(url_for("privacy.restrictions"))


def _review_page(refused: KeepResidueForm | None = None, refused_id: int = 0, status=200):
    """The review page, each task with its own "keep" form (the refused one keeps its text)."""
    actor = current_actor()
    items = residues.list_review_tasks(actor)
    keep_forms = {}
    for task in (item.task for item in items):
        form = refused if task.id == refused_id else KeepResidueForm(formdata=None)
        form.reason.id = f"keep-{task.id}-reason"  # one page, several forms: ids apart
        keep_forms[task.id] = form
    return (
        render_template(
            "privacy/review.html",
            items=items,
            certificates=residues.list_certificates(actor),
            action_form=ActionForm(),
            keep_forms=keep_forms,
        ),
        status,
    )


@bp.get("/admin/gdpr/review")
@login_required
def review_tasks():
    _require_admin()
    return _review_page()


def _task(task_id: int) -> ReviewTask:
    task = db.session.get(ReviewTask, task_id)
    if task is None or task.resolved_at is not None:
        abort(404)
    return task


@bp.post("/admin/gdpr/review/<int:task_id>/replace")
@login_required
def replace_review_task(task_id: int):
    """Replace what an erasure left by « Ancien membre » (text, rendering, former versions)."""
    _require_admin()
    task = _task(task_id)
    if ActionForm().validate_on_submit():
        try:
            residues.replace_residue(current_actor(), task)
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("Remplacé par « Ancien membre »."), "success")
    return redirect(url_for("privacy.review_tasks"))


@bp.post("/admin/gdpr/review/<int:task_id>/resolve")
@login_required
def resolve_review_task(task_id: int):
    """Keep what was found, with a reason (field `reason`)."""
    _require_admin()
    task = _task(task_id)
    form = KeepResidueForm()
    if form.validate_on_submit():
        try:
            residues.keep_residue(current_actor(), task, reason=form.reason.data or "")
        except InvalidInput as error:
            form.add_error(error)
            return _review_page(form, task.id, 400)
        flash(_("Gardé tel quel ; le motif est noté."), "success")
    return redirect(url_for("privacy.review_tasks"))
