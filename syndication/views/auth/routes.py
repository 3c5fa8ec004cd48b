"""Log in (password, then the second factor), log out, reset a password, accept an invitation,
and the account's security pages: *Your sessions* and the second factor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from syndication.errors import redirect_refusals
from syndication.extensions import limiter
from syndication.models import User
from syndication.services import logins, partners, sessions, tokens, two_factor, users
from syndication.services.errors import DomainError
from syndication.views import once
from syndication.views.access import log_in, log_out
from syndication.views.auth import bp
from syndication.views.auth.forms import (
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    TwoFactorForm,
)
from syndication.views.confirm import confirm_first
from syndication.views.forms import ActionForm

# The password step is remembered this long while the second factor is asked for.
PENDING_FOR = timedelta(minutes=10)
_PENDING = "pending_login"
_ENROL_SECRET = "enrol_secret"
_CODES = "recovery_codes"
# Pages that show secrets (recovery codes, a new TOTP secret) must never be cached.
_NO_STORE = {"Cache-Control": "no-store"}


def _home_for(user) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("portal.dashboard")


def _safe_next(target: str, user) -> str:
    # Only same-site paths: an absolute "next" would be an open redirect.
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.netloc or parts.scheme:
        return _home_for(user)
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _pending_user() -> User | None:
    """The user whose password was right in this browser moments ago, if still pending."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["at"])
        user_id, version = int(pending["user"]), int(pending["version"])
    except (KeyError, TypeError, ValueError):
        return None
    if datetime.now(UTC) - since > PENDING_FOR:
        return None
    user = users.get(user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _finish(user: User, second_factor: str = ""):
    """Complete a login: a new session in this browser, then where the user was going."""
    pending = session.get(_PENDING) or {}
    remember = bool(pending.get("remember"))
    target = _safe_next(str(pending.get("next", "")), user)
    log_in(user, remember=remember)
    logins.logged_in(user, ip_address=request.remote_addr or "", second_factor=second_factor)
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        check = logins.check_password(
            form.email.data, form.password.data, ip_address=request.remote_addr or ""
        )
        if check.user is None:
            form.password.errors.append(check.error)
        else:
            user = check.user
            session[_PENDING] = {
                "user": user.id,
                "version": user.session_version,
                "at": datetime.now(UTC).isoformat(),
                "remember": bool(form.remember.data),
                "next": request.args.get("next", "")[:2000],
            }
            if user.has_two_factor:
                return redirect(url_for("auth.second_factor"))
            if two_factor.required_for(user):
                return redirect(url_for("auth.enrol"))
            return _finish(user)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    """The second step of a login: a code from the app, or a recovery code."""
    user = _pending_user()
    if user is None or not user.has_two_factor:
        flash("Log in with your password first.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        locked = logins.second_factor_locked(user)
        kind = None if locked else two_factor.verify(user, form.code.data)
        if kind is not None:
            if kind == "recovery":
                flash(
                    f"You used a recovery code; {two_factor.remaining_codes(user)} are left. "
                    "Make new ones under Security when you can.",
                    "info",
                )
            return _finish(user, second_factor=kind)
        form.code.errors.append(
            locked
            or logins.second_factor_failed(user)
            or "That code is not right (each code works once). Try the next one."
        )
    return render_template("auth/second_factor.html", form=form), 422 if form.errors else 200


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def enrol():
    """Staff set up their second factor at their first login: it is required for them."""
    user = _pending_user()
    if user is None or user.has_two_factor or not two_factor.required_for(user):
        return redirect(url_for("auth.login"))
    secret = session.get(_ENROL_SECRET) or two_factor.new_secret()
    session[_ENROL_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
        except DomainError as exc:
            form.code.errors.append(str(exc))
        else:
            finished = _finish(user, second_factor="totp")
            # The codes are shown once, on the page the redirect leads to (a reload of
            # it shows them no more); from there the login goes where it was going.
            once.keep(_CODES, "\n".join(codes))
            return redirect(url_for("auth.two_factor_page", next=finished.location))
    return (
        render_template(
            "auth/enrol.html",
            form=form,
            secret=secret,
            uri=two_factor.provisioning_uri(user, secret),
            user=user,
        ),
        422 if form.errors else 200,
        _NO_STORE,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    log_out()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        users.request_password_reset(form.email.data)
        flash(
            f"If an account has the address {form.email.data}, we emailed it a link to choose "
            "a new password.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link; every session of the account ends."""
    try:
        user = tokens.user_for_reset(token)
    except DomainError as exc:
        return render_template("auth/invitation_invalid.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(token, form.password.data)
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            log_out()
            flash("Your password is changed and every session ended: log in with it.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form, user=user), status, _NO_STORE


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
            log_out()
            log_in(user)
            flash("Your password is set. Welcome!", "success")
            return redirect(_home_for(user))
    status = 422 if form.errors else 200
    return render_template("auth/invitation.html", form=form, user=invited), status


# --- the account's security ----------------------------------------------------------


@bp.route("/account/sessions")
@login_required
def sessions_page():
    """*Your sessions*: every browser logged in to this account, each one can be ended."""
    user = current_user._get_current_object()
    rows = sessions.live(user)
    return render_template(
        "auth/sessions.html",
        rows=rows,
        current={row.id for row in rows if sessions.is_current(user, row)},
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
@redirect_refusals("auth.sessions_page")
@confirm_first("Log that browser out? Whoever uses it must log in again.")
def end_session(session_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    sessions.end_one(current_user._get_current_object(), session_id)
    flash("That session is logged out.", "success")
    return redirect(url_for("auth.sessions_page"))


@bp.route("/account/sessions/end-all", methods=["POST"])
@login_required
@confirm_first("Log out every browser of your account, this one too?")
def end_all_sessions():
    """Log out everywhere, this browser included."""
    if not ActionForm().validate_on_submit():
        abort(400)
    sessions.log_out_everywhere(current_user._get_current_object())
    log_out()
    flash("Every session of your account is logged out, this one too.", "success")
    return redirect(url_for("auth.login"))


def _turning_off_question() -> str | None:
    if request.form.get("action") != "disable":
        return None
    return "Turn off the second factor? Your password alone will then log you in."


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
@confirm_first(_turning_off_question)
def two_factor_page():
    """The second factor: turn it on (partners may; staff have it), renew codes, turn off.

    New recovery codes are shown once, on the page the redirect after the form leads to.
    """
    user = current_user._get_current_object()
    form = TwoFactorForm()
    secret = None
    if not user.has_two_factor:
        secret = session.get(_ENROL_SECRET) or two_factor.new_secret()
        session[_ENROL_SECRET] = secret
    if form.validate_on_submit():
        locked = logins.second_factor_locked(user)
        try:
            if locked:
                raise DomainError(locked)
            if form.action.data == "enable" and secret:
                codes = two_factor.enable(user, secret, form.code.data)
                session.pop(_ENROL_SECRET, None)
                flash("The second factor is on.", "success")
            elif form.action.data == "regenerate":
                if two_factor.verify(user, form.code.data) is None:
                    raise DomainError("That code is not right.")
                codes = two_factor.regenerate_codes(user)
                flash("New recovery codes are made; the old ones no longer work.", "success")
            elif form.action.data == "disable":
                two_factor.disable(user, form.code.data)
                flash("The second factor is off.", "success")
                return redirect(url_for("auth.two_factor_page"))
            else:
                abort(400)
        except DomainError as exc:
            form.code.errors.append(logins.second_factor_failed(user) or str(exc))
        else:
            once.keep(_CODES, "\n".join(codes))
            return redirect(url_for("auth.two_factor_page"))
    kept = once.take(_CODES) if request.method == "GET" else None
    next_url = request.args.get("next", "")
    return (
        render_template(
            "auth/two_factor.html",
            form=form,
            user=user,
            secret=secret,
            uri=two_factor.provisioning_uri(user, secret) if secret else None,
            codes=kept.split("\n") if kept else [],
            next_url=_safe_next(next_url, user) if next_url else "",
            required=two_factor.required_for(user),
            remaining=two_factor.remaining_codes(user) if user.has_two_factor else 0,
        ),
        422 if form.errors else 200,
        _NO_STORE,
    )
