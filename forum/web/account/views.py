"""The member's own pages: security (password, sessions)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user

from forum.errors import InvalidInput
from forum.services import accounts
from forum.web import current_actor
from forum.web.account.forms import EndSessionsForm, PasswordChangeForm

bp = Blueprint("account", __name__, url_prefix="/me")


def _security_page(password_form: PasswordChangeForm, status: int = 200):
    return (
        render_template(
            "account/security.html", password_form=password_form, sessions_form=EndSessionsForm()
        ),
        status,
    )


@bp.get("/security")
@login_required
def security():
    return _security_page(PasswordChangeForm())


@bp.post("/security")
@login_required
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
            login_user(actor)  # this browser stays signed in; the others are signed out
            flash(_("Votre mot de passe a été changé."), "success")
            return redirect(url_for("account.security"))
    return _security_page(form, 400)


@bp.post("/security/sessions")
@login_required
def end_other_sessions():
    actor = current_actor()
    if EndSessionsForm().validate_on_submit():
        accounts.end_other_sessions(actor)
        login_user(actor)
        flash(_("Vous êtes déconnecté de tous vos autres appareils."), "success")
    return redirect(url_for("account.security"))
