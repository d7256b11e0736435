"""Registration, e-mail verification, login, logout and password reset (/auth/…)."""

from __future__ import annotations

import time

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
from flask_babel import get_locale
from flask_babel import gettext as _

from forum import ratelimits, tokens, usernames
from forum.errors import InvalidInput
from forum.extensions import limiter
from forum.services import accounts, erasure
from forum.services import two_factor as two_factor_service
from forum.web import current_actor, end_session, known_devices, safe_next, start_session
from forum.web.auth.forms import (
    EmailForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResetForm,
    TwoFactorForm,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _limit(name: str):
    """A rate limit read from the configuration when the request comes, POST only."""
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _login_key() -> str:
    """Failures per account, whichever identifier was typed, counted apart for browsers that
    have logged in to it before (OWASP's device cookie): strangers cannot lock the owner out."""
    login = request.form.get("login", "").replace("\x00", "").strip()
    user = accounts.get_user_by_login(login) if login else None
    if user is None:
        return ratelimits.key("login", "name", usernames.key(login))
    return known_devices.attempts_key("login", user.id)


def _failed(response) -> bool:
    return response.status_code != 302


def _page(template: str, form, **context):
    """Render a form page: 400 when a submitted form was refused, so clients can tell."""
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(template, form=form, **context), status


@bp.route("/register", methods=["GET", "POST"])
@_limit("REGISTER_LIMIT")
def register():
    if current_actor():
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                email=form.email.data or "",
                username=form.username.data or "",
                password=form.password.data or "",
                accepted_terms=form.accept_terms.data,
                locale=str(get_locale()),
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            return redirect(url_for("auth.check_email", reason="register"))
    return _page("auth/register.html", form)


@bp.get("/check-email")
def check_email():
    reason = request.args.get("reason", "register")
    return render_template("auth/check_email.html", reason=reason)


@bp.get("/verify/<token>")
def verify(token: str):
    try:
        accounts.verify_email(token)
    except tokens.TokenExpired:
        return render_template("auth/verify_failed.html", expired=True, form=EmailForm()), 400
    except tokens.TokenInvalid:
        return render_template("auth/verify_failed.html", expired=False, form=EmailForm()), 400
    flash(_("Votre adresse e-mail est confirmée. Vous pouvez vous connecter."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/verify/resend")
@_limit("RESET_LIMIT")
def resend_verification():
    form = EmailForm()
    if form.validate_on_submit():
        accounts.resend_verification(form.email.data)
        return redirect(url_for("auth.check_email", reason="register"))
    return _page("auth/verify_failed.html", form, expired=True)


@bp.route("/login", methods=["GET", "POST"])
@_limit("LOGIN_LIMIT_PER_IP")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
def login():
    if current_actor():
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.login.data, form.password.data, ip=request.remote_addr
            )
        except InvalidInput as error:
            form.add_error(error)
        except accounts.NotVerified:
            form.form_errors.append(
                _(
                    "Votre adresse e-mail n'est pas encore confirmée. Nous venons de vous "
                    "renvoyer le lien de confirmation : ouvrez-le, puis connectez-vous."
                )
            )
        else:
            destination = safe_next(request.args.get("next"), url_for("main.home"))
            if user.has_two_factor:  # the second step before any session
                locale = session.get("locale")
                session.clear()
                session.update(
                    two_factor_user=user.id,
                    two_factor_since=int(time.time()),
                    two_factor_remember=bool(form.remember.data),
                    two_factor_next=destination,
                    **({"locale": locale} if locale else {}),
                )
                return redirect(url_for("auth.two_factor"))
            return _complete_login(user, remember=form.remember.data, destination=destination)
    return _page("auth/login.html", form)


def _complete_login(user, *, remember: bool, destination: str):
    start_session(user, remember=remember)
    flash(_("Bienvenue, %(name)s.", name=user.username), "success")
    if erasure.pending_erasure(user) is not None:  # asked, not decided by logging in
        destination = url_for("privacy.erasure_pending")
    return known_devices.remember(redirect(destination), user.id)


# The second step must follow the first closely: the password was checked this long ago at most.
TWO_FACTOR_STEP_SECONDS = 600


def _pending_user():
    """The member who gave the right password a moment ago and owes a code, if any."""
    user_id, since = session.get("two_factor_user"), session.get("two_factor_since")
    if not isinstance(user_id, int) or not isinstance(since, int):
        return None
    if not 0 <= time.time() - since <= TWO_FACTOR_STEP_SECONDS:
        return None
    return accounts.get_user(user_id)


def _pending_key() -> str:
    user = _pending_user()
    return known_devices.attempts_key("two-factor", user.id if user else 0)


@bp.route("/2fa", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="two-factor",
)
def two_factor():
    """Second login step for members with two-factor authentication (field `code`)."""
    if current_actor():
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if two_factor_service.check(user, form.code.data or "", ip=request.remote_addr):
            remember = session.pop("two_factor_remember", False)
            destination = session.pop("two_factor_next", url_for("main.home"))
            return _complete_login(user, remember=remember, destination=destination)
        form.add_error(InvalidInput("code", two_factor_service.code_refused()))
    return _page("auth/two_factor.html", form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        end_session()
        flash(_("Vous êtes déconnecté."), "success")
        return redirect(url_for("main.home"))
    if current_actor() is None:
        return redirect(url_for("main.home"))
    return render_template("auth/logout.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@_limit("RESET_LIMIT")
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return redirect(url_for("auth.check_email", reason="reset"))
    return _page("auth/reset_request.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@_limit("RESET_LIMIT")
def reset(token: str):
    try:
        accounts.user_for_reset(token)
    except tokens.TokenExpired:
        return render_template("auth/reset_failed.html", expired=True), 400
    except tokens.TokenInvalid:
        return render_template("auth/reset_failed.html", expired=False), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.password.data)
        except InvalidInput as error:
            form.add_error(error)
        else:
            end_session()
            flash(_("Votre mot de passe a été changé. Connectez-vous avec le nouveau."), "success")
            # The mailed link proves the owner: this browser is theirs, whatever strangers tried.
            return known_devices.remember(redirect(url_for("auth.login")), user.id)
    return _page("auth/reset.html", form)
