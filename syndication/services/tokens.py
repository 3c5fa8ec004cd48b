"""Signed, expiring, single-use links (invitations, password resets)."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from syndication.extensions import db
from syndication.models import User
from syndication.services.errors import DomainError

INVITATION_SALT = "partner-invitation"
RESET_SALT = "password-reset"


def _serializer(salt: str = INVITATION_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Changes the moment a password is set, which makes every earlier link single-use.
    source = f"{user.password_hash or ''}:{user.session_version}"
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def invitation_token(user: User) -> str:
    """A token that lets this user set a password, once, within INVITATION_MAX_AGE."""
    return _serializer().dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_invitation(token: str) -> User:
    """The user a valid invitation token names, or DomainError saying what is wrong."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired as exc:
        raise DomainError("This invitation link has expired; ask for a new one.") from exc
    except BadSignature as exc:
        raise DomainError("This invitation link is not valid.") from exc
    user = db.session.get(User, data.get("user"))
    if user is None or not user.active or _fingerprint(user) != data.get("fp"):
        raise DomainError("This invitation link has already been used or was withdrawn.")
    return user


def reset_token(user: User) -> str:
    """A token that lets this user choose a new password, once, within PASSWORD_RESET_MAX_AGE."""
    return _serializer(RESET_SALT).dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_reset(token: str) -> User:
    """The user a valid reset token names, or DomainError saying what is wrong.

    Single-use: setting the password changes the fingerprint, and so does any
    other end of the user's sessions; expiring after PASSWORD_RESET_MAX_AGE.
    """
    try:
        data = _serializer(RESET_SALT).loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired as exc:
        raise DomainError("This reset link has expired; ask for a new one.") from exc
    except BadSignature as exc:
        raise DomainError("This reset link is not valid.") from exc
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or _fingerprint(user) != data.get("fp"):
        raise DomainError("This reset link has already been used; ask for a new one.")
    return user
