"""The member's own pages: profile, security (password, sessions)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from forum import ratelimits
from forum.errors import InvalidInput
from forum.extensions import limiter
from forum.services import accounts, devices, profiles, taxonomy, two_factor
from forum.web import current_actor, current_device, current_device_id, end_session, renew_session
from forum.web.account.forms import (
    EndSessionsForm,
    PasswordChangeForm,
    ProfileForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
    TwoFactorStartForm,
)
from forum.web.forms import choices

bp = Blueprint("account", __name__, url_prefix="/me")


def _security_page(status: int = 200, **forms):
    """The security page; FORMS replace the empty ones (a refused form keeps its errors)."""
    actor = current_actor()
    forms = {
        "password_form": PasswordChangeForm(),
        "start_form": TwoFactorStartForm(),
        "disable_form": TwoFactorDisableForm(),
        **forms,
    }
    return (
        render_template(
            "account/security.html",
            sessions_form=EndSessionsForm(),
            logins=accounts.list_logins(actor),
            devices=devices.list_devices(actor),
            current_device=current_device_id(),
            **forms,
        ),
        status,
    )


@bp.get("/security")
@login_required
def security():
    return _security_page()


def _device_key() -> str:
    return ratelimits.key("password-check", str(current_device_id()))


# Every form that checks the current password or a code counts its failures like a login
# does, per device: whoever holds another session cannot lock the owner out of these pages.
limit_password_checks = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    scope="password-check",
    key_func=_device_key,
    deduct_when=lambda response: response.status_code == 400,
)


@bp.post("/security")
@login_required
@limit_password_checks
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_actor(),
                current=form.current_password.data,
                new=form.password.data,
                keep_device=current_device_id(),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            renew_session(current_actor())
            flash(_("Votre mot de passe a été changé."), "success")
            return redirect(url_for("account.security"))
    return _security_page(400, password_form=form)


@bp.post("/security/sessions")
@login_required
def end_other_sessions():
    if EndSessionsForm().validate_on_submit():
        accounts.end_other_sessions(current_actor(), keep_device=current_device_id())
        renew_session(current_actor())
        flash(_("Vous êtes déconnecté de tous vos autres appareils."), "success")
    return redirect(url_for("account.security"))


@bp.post("/security/sessions/<int:device_id>/end")
@login_required
def end_device(device_id: int):
    """Log out one device ("log out this device"); another member's device is a 404."""
    if not EndSessionsForm().validate_on_submit():
        return redirect(url_for("account.security"))
    if device_id == current_device_id():
        end_session()
        flash(_("Vous êtes déconnecté."), "success")
        return redirect(url_for("auth.login"))
    if not devices.end_session(current_actor(), device_id):
        abort(404)
    flash(_("Cet appareil est déconnecté."), "success")
    return redirect(url_for("account.security"))


def _profile_form(form: ProfileForm) -> ProfileForm:
    form.trades.choices = choices((trade.id, trade.name) for trade in taxonomy.list_trades())
    form.region.choices = choices([("", _("— non précisée —")), *profiles.regions().items()])
    form.edition.choices = choices(
        [("", _("— non précisée —"))]
        + [(number, _("%(n)de session", n=number)) for number in profiles.EDITIONS]
    )
    return form


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    actor = current_actor()
    if request.method == "GET":
        form = _profile_form(
            ProfileForm(
                data={
                    "display_name": actor.display_name or "",
                    "trades": [trade.id for trade in actor.trades],
                    "region": actor.region_code or "",
                    "edition": actor.edition,
                    "bio": actor.bio_source,
                    "show_display_name": actor.show_display_name,
                    "show_trades": actor.show_trades,
                    "show_region": actor.show_region,
                    "show_edition": actor.show_edition,
                    "show_bio": actor.show_bio,
                }
            )
        )
        return render_template("account/profile.html", form=form)
    form = _profile_form(ProfileForm())
    if form.validate_on_submit():
        try:
            profiles.update_profile(
                actor,
                display_name=form.display_name.data or "",
                region_code=form.region.data or None,
                edition=form.edition.data,
                trade_ids=[trade_id for trade_id in form.trades.data or [] if trade_id],
                bio=form.bio.data or "",
                visibility=profiles.Visibility(
                    display_name=form.show_display_name.data,
                    trades=form.show_trades.data,
                    region=form.show_region.data,
                    edition=form.show_edition.data,
                    bio=form.show_bio.data,
                ),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_("Votre profil est enregistré."), "success")
            return redirect(url_for("forum.profile", username=actor.username))
    return render_template("account/profile.html", form=form), 400


def _setup_page(form: TwoFactorSetupForm, secret: str, status: int = 200):
    return (
        render_template(
            "account/two_factor_setup.html",
            form=form,
            secret=secret,
            qr=two_factor.qr_code(current_actor(), secret),
        ),
        status,
    )


@bp.post("/security/2fa")
@login_required
@limit_password_checks
def start_two_factor():
    """Enrol or replace the app (fields `current_password`, and `code` once it is on); the
    secret is then shown as a QR code and as text for manual entry."""
    form = TwoFactorStartForm()
    if form.validate_on_submit():
        try:
            secret = two_factor.start_enrolment(
                current_actor(),
                current_device(),
                password=form.current_password.data or "",
                code=form.code.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return _setup_page(TwoFactorSetupForm(), secret)
    return _security_page(400, start_form=form)


@bp.post("/security/2fa/confirm")
@login_required
@limit_password_checks
def confirm_two_factor():
    """The code from the app, on the device that started the enrolment (another one, or the
    same after ENROLMENT_MINUTES, is sent back to the security page)."""
    actor, device = current_actor(), current_device()
    secret = two_factor.pending_secret(device)
    if secret is None:
        flash(_("Recommencez l'activation depuis la page Sécurité."), "info")
        return redirect(url_for("account.security"))
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(
                actor, device, code=form.code.data or "", ip=request.remote_addr
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            renew_session(actor)
            return render_template("account/recovery_codes.html", codes=codes)
    return _setup_page(form, secret, 400)


@bp.post("/security/2fa/disable")
@login_required
@limit_password_checks
def disable_two_factor():
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(
                current_actor(),
                password=form.current_password.data or "",
                code=form.code.data or "",
                ip=request.remote_addr,
                keep_device=current_device_id(),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            renew_session(current_actor())
            flash(_("La double authentification est désactivée."), "success")
            return redirect(url_for("account.security"))
    return _security_page(400, disable_form=form)
