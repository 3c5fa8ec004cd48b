"""Log in and out; set a password from an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from syndication.extensions import limiter
from syndication.services import partners, tokens, users
from syndication.services.errors import DomainError
from syndication.views.auth import bp
from syndication.views.auth.forms import LoginForm, SetPasswordForm


def _home_for(user) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("portal.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(
                users.login_refusal(form.email.data, form.password.data)
                or "That email and password do not match an account."
            )
        else:
            login_user(user, remember=form.remember.data)
            target = request.args.get("next", "")
            # Only same-site paths: an absolute "next" would be an open redirect.
            parts = urlsplit(target)
            if not target.startswith("/") or parts.netloc or parts.scheme:
                target = _home_for(user)
            return redirect(target)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set a password from an emailed invitation, then log straight in."""
    try:
        invited = tokens.user_for_invitation(token)
    except DomainError as exc:
        return render_template("auth/invitation_invalid.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = partners.accept_invitation(token, form.password.data)
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            login_user(user)
            flash("Your password is set. Welcome!", "success")
            return redirect(_home_for(user))
    status = 422 if form.errors else 200
    return render_template("auth/invitation.html", form=form, user=invited), status
