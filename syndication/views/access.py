"""Authorisation: who may reach a view, and whose credential a request is counted against."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, request, session
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from syndication.extensions import limiter, login_manager
from syndication.models import User
from syndication.services import sessions


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Restore the session's user, unless the session has ended (services.sessions)."""
    return sessions.session_user(user_id)


def session_login_id() -> str | None:
    """The login id this request's session cookie carries, when Flask-Login would take it as is.

    For a view that checks the login session in its own statement
    (a remembered download) instead of loading the user: None when there is
    none, or when Flask-Login would do more than read it (a remember cookie
    to restore, a session whose browser no longer matches its protection
    identifier), so that such a view falls back to the full login check.
    """
    login_id = session.get("_user_id")
    if not login_id or current_app.config.get("LOGIN_DISABLED"):
        return None
    mode = current_app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if mode and session.get("_id") != login_manager._session_identifier_generator():
        return None
    return login_id


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a login session for ``user`` in this browser (commits).

    Whatever the browser's session held before is dropped first, the CSRF
    token with it: a token or session planted before the login is worth
    nothing after it. The new session's CSRF secret is made here, so that the
    cookie the login sets is the one every page then reads unchanged (made by
    the first page that asks, it would cost that page a new cookie).
    """
    session.clear()
    sessions.start(
        user,
        user_agent=request.user_agent.string or "",
        ip_address=request.remote_addr or "",
    )
    login_user(user, remember=remember)
    # The token this request made before the login signed the secret dropped above.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


def log_out() -> None:
    """End this browser's login session for good, remember cookie included."""
    if current_user.is_authenticated:
        sessions.end_current(current_user._get_current_object())
    logout_user()
    session.clear()


def staff_required(view: Callable) -> Callable:
    """Logged-in staff or admin; anyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def partner_required(view: Callable) -> Callable:
    """A logged-in user of an approved partner; staff get 403 here too."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.partner_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def partner_admin_required(view: Callable) -> Callable:
    """A logged-in administrator of an approved partner (manages its users, keys, feeds)."""

    @wraps(view)
    @partner_required
    def wrapper(*args, **kwargs):
        if not current_user.is_partner_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


# Endpoints no rate limit applies to, said before the limiter resolves, per request,
# the limits that would apply (for a blueprint's view, its exemption scopes too,
# which cost a cached download more than anything else it adds to its floor):
# - the tracking pixel, where a throttled hit is a lost one;
# - the portal's download, which only a live login session reaches and which
#   writes a downloads row for every answer. The API's download keeps its
#   per-credential limit.
NEVER_LIMITED = frozenset({"public.pixel", "portal.download"})


@limiter.request_filter
def _never_limited() -> bool:
    return request.endpoint in NEVER_LIMITED


def credential_rate_key() -> str:
    """Rate-limit key for machine clients: the presented credential, hashed.

    Runs before authentication, so it never touches the database: the Bearer
    header, or for feed-token URLs the path that carries the token.
    """
    credential = request.headers.get("Authorization", "") or request.path
    return "credential:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
