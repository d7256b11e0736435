"""The member's own pages: profile, security (password, sessions)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.errors import InvalidInput
from forum.extensions import limiter
from forum.services import accounts, profiles, taxonomy, two_factor
from forum.web import current_actor, start_session
from forum.web.account.forms import (
    EndSessionsForm,
    PasswordChangeForm,
    ProfileForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from forum.web.forms import choices

bp = Blueprint("account", __name__, url_prefix="/me")


def _security_page(
    password_form: PasswordChangeForm,
    status: int = 200,
    disable_form: TwoFactorDisableForm | None = None,
):
    return (
        render_template(
            "account/security.html",
            password_form=password_form,
            sessions_form=EndSessionsForm(),
            two_factor_form=EndSessionsForm(),
            disable_form=disable_form or TwoFactorDisableForm(),
            logins=accounts.list_logins(current_actor()),
        ),
        status,
    )


@bp.get("/security")
@login_required
def security():
    return _security_page(PasswordChangeForm())


def _actor_key() -> str:
    return f"password-change:{current_user.get_id()}"


@bp.post("/security")
@login_required
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_actor_key,
    deduct_when=lambda response: response.status_code != 302,
)
def change_password():
    actor = current_actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                actor, current=form.current_password.data, new=form.password.data
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            start_session(actor)  # this browser stays signed in; the others are signed out
            flash(_("Votre mot de passe a été changé."), "success")
            return redirect(url_for("account.security"))
    return _security_page(form, 400)


@bp.post("/security/sessions")
@login_required
def end_other_sessions():
    actor = current_actor()
    if EndSessionsForm().validate_on_submit():
        accounts.end_other_sessions(actor)
        start_session(actor)
        flash(_("Vous êtes déconnecté de tous vos autres appareils."), "success")
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


def _setup_page(form: TwoFactorSetupForm, status: int = 200):
    secret = session["two_factor_secret"]
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
def start_two_factor():
    """Enrolment (field `code`): the secret shown as a QR code and as text for manual entry."""
    if not EndSessionsForm().validate_on_submit():
        return redirect(url_for("account.security"))
    session["two_factor_secret"] = two_factor.new_secret()
    return _setup_page(TwoFactorSetupForm())


@bp.post("/security/2fa/confirm")
@login_required
def confirm_two_factor():
    if "two_factor_secret" not in session:
        return redirect(url_for("account.security"))
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(
                current_actor(), secret=session["two_factor_secret"], code=form.code.data or ""
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            session.pop("two_factor_secret", None)
            return render_template("account/recovery_codes.html", codes=codes)
    return _setup_page(form, 400)


@bp.post("/security/2fa/disable")
@login_required
def disable_two_factor():
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(
                current_actor(),
                password=form.current_password.data or "",
                code=form.code.data or "",
            )
        except InvalidInput as error:
            form.add_error(error)
            return _security_page(PasswordChangeForm(), 400, disable_form=form)
        flash(_("La double authentification est désactivée."), "success")
    return redirect(url_for("account.security"))
