"""Authorisation: who may reach a view, and the partner-scoped object lookup."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user, login_required

from syndication.extensions import db, login_manager
from syndication.models import Partner, User
from syndication.services import users

T = TypeVar("T")


# The session's user in one statement, built once: this runs on every
# logged-in request. The partner itself is loaded only if a page uses it.
_SESSION_USER = (
    sa.select(User)
    .outerjoin(Partner.__table__, Partner.__table__.c.id == User.__table__.c.partner_id)
    .where(*users.live_session_conditions(User.__table__, Partner.__table__))
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Restore the session's user, unless the session has ended (see live_session_conditions)."""
    identity = users.parse_session_id(user_id)
    if identity is None:
        return None
    return db.session.scalar(_SESSION_USER, {"user_id": identity[0], "version": identity[1]})


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


def owned_or_404(model: type[T], object_id: int) -> T:
    """Load an object of the current partner; another partner's is simply not found."""
    obj = db.session.scalar(
        sa.select(model).where(
            model.id == object_id,  # type: ignore[attr-defined]
            model.partner_id == current_user.partner_id,  # type: ignore[attr-defined]
        )
    )
    if obj is None:
        abort(404)
    return obj


def credential_rate_key() -> str:
    """Rate-limit key for machine clients: the presented credential, hashed.

    Runs before authentication, so it never touches the database: the Bearer
    header, or for feed-token URLs the path that carries the token.
    """
    credential = request.headers.get("Authorization", "") or request.path
    return "credential:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
