"""Accounts: create users, check passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from syndication.extensions import db
from syndication.models import Partner, PartnerStatus, Role, User
from syndication.security import hash_password, verify_password
from syndication.services.errors import Conflict, DomainError

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """The canonical form of an address, or DomainError when it is not one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(f"{email!r} is not a valid email address: {exc}") from exc


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


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (and no hint which failed)."""
    user = find_by_email(email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    user.last_login_at = datetime.now(UTC)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password hash and end the user's other sessions (caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise DomainError("The current password is not right.")
    set_password(user, new)
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


# The session's user in one statement, built once: this runs on every
# logged-in request. The partner itself is loaded only if a page uses it.
_SESSION_USER = (
    sa.select(User)
    .outerjoin(Partner.__table__, Partner.__table__.c.id == User.__table__.c.partner_id)
    .where(*live_session_conditions(User.__table__, Partner.__table__))
)


def session_user(session_id: str) -> User | None:
    """The user a login session names, while the session holds (see live_session_conditions)."""
    identity = parse_session_id(session_id)
    if identity is None:
        return None
    return db.session.scalar(_SESSION_USER, {"user_id": identity[0], "version": identity[1]})


def parse_session_id(session_id: str) -> tuple[int, int] | None:
    """(user id, session version) from the id Flask-Login keeps in the session."""
    raw_id, _, raw_version = session_id.partition(":")
    try:
        return int(raw_id), int(raw_version)
    except ValueError:
        return None
