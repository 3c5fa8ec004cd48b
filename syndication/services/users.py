"""Accounts: create users, check passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from syndication.extensions import db
from syndication.models import LoginSession, Partner, PartnerStatus, Role, User
from syndication.security import dummy_hash, hash_password, verify_password
from syndication.services import audit
from syndication.services.errors import Conflict, DomainError

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """The canonical form of an address, or DomainError when it is not one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(f"{email!r} is not a valid email address: {exc}") from exc


def get(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    role: Role | str,
    *,
    password: str | None = None,
    name: str = "",
    partner: Partner | None = None,
    partner_admin: bool = False,
    commit: bool = True,
) -> User:
    """Create an account; partner users need their partner, staff must not have one."""
    role = Role(role)
    email = normalise_email(email)
    if (role is Role.PARTNER) != (partner is not None):
        raise DomainError("Partner users belong to a partner; staff and admins do not.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if find_by_email(email) is not None:
        raise Conflict(f"An account for {email} already exists.")
    user = User(
        email=email,
        name=name,
        role=role,
        partner=partner,
        is_partner_admin=partner_admin,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is the user's, in the same time whether or not the user exists.

    For a missing account (or one without a password yet) a hash of the same
    cost is checked instead, so the answer's timing says nothing about which.
    """
    if user is None or not user.password_hash:
        verify_password(dummy_hash(), password)
        return False
    return verify_password(user.password_hash, password)


def set_password(user: User, password: str) -> None:
    """Store a new password hash and end every session of the user (caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; every session ends (audited)."""
    if not verify_password(user.password_hash, current):
        raise DomainError("The current password is not right.")
    set_password(user, new)
    audit.record(user, "password_changed", user)
    db.session.commit()


def live_session_conditions(users: sa.Table, partners: sa.Table) -> tuple[sa.ColumnElement, ...]:
    """WHERE conditions under which a session's user is still logged in.

    For a select over ``users`` LEFT JOIN ``partners``, with bound parameters
    ``user_id`` and ``version`` from the session. A bumped session version
    (log out everywhere, password change), a deactivated user or a partner no
    longer approved all end the session at once. Every check of a session uses
    these, so they cannot drift apart.
    """
    return (
        users.c.id == sa.bindparam("user_id"),
        users.c.session_version == sa.bindparam("version"),
        users.c.active.is_(True),
        sa.or_(users.c.partner_id.is_(None), partners.c.status == PartnerStatus.APPROVED),
    )


def parse_session_id(session_id: str) -> tuple[int, int, str] | None:
    """(user id, session version, login session key) from the id Flask-Login keeps."""
    raw_id, _, rest = session_id.partition(":")
    raw_version, _, key = rest.partition(":")
    try:
        return int(raw_id), int(raw_version), key
    except ValueError:
        return None


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address; say nothing either way."""
    from syndication.services import mail, settings, tokens

    user = find_by_email(email)
    if user is None or not user.active:
        return
    audit.record(None, "password_reset_requested", user)
    mail.send(
        "password_reset",
        user.email,
        "Choose a new password",
        user=user,
        link=mail.external_url("auth.reset_password", token=tokens.reset_token(user)),
        hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600),
        organisation=settings.organisation(),
    )
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    """Set the password a reset link asked for; the link is spent and every session ends."""
    from syndication.services import tokens

    user = tokens.user_for_reset(token)
    set_password(user, password)
    audit.record(user, "password_reset", user)
    db.session.commit()
    return user
