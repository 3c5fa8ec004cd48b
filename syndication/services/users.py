"""Accounts: create users, check passwords, say why a login is refused; staff colleagues."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from syndication.extensions import db
from syndication.models import LoginSession, Partner, PartnerStatus, Role, User
from syndication.security import dummy_hash, hash_password, verify_password
from syndication.services import audit, settings
from syndication.services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from syndication.services.pagination import Sort, sorted_by

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
    from syndication.services import mail, tokens

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


# Staff: colleagues of the licensing desk, managed by admins.

STAFF_ROLES = (Role.STAFF, Role.ADMIN)
STAFF_SORTS = {
    "email": User.email,
    "name": User.name,
    "role": User.role,
    "last_login": User.last_login_at,
}


def colleagues(*, sort: Sort, include_inactive: bool = True) -> list[User]:
    """Every staff and admin account, sorted as asked (active first when not sorted otherwise)."""
    query = sa.select(User).where(User.role.in_(STAFF_ROLES))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(sorted_by(query, sort, STAFF_SORTS, User.id)))


def colleague(user_id: int) -> User:
    """A staff or admin account, or NotFound (partner users are not colleagues)."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound("No such colleague.")
    return user


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators manage staff accounts.")


def _active_admins() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True))
    )


def invite_colleague(email: str, role: Role | str, *, actor: User, name: str = "") -> User:
    """Create a staff or admin account without a password and email a link to set one."""
    _require_admin(actor)
    role = Role(role)
    if role not in STAFF_ROLES:
        raise Invalid("Colleagues are staff or admins; partners invite their own users.")
    user = create_user(email, role, name=name.strip(), commit=False)
    db.session.flush()
    audit.record(actor, "staff_invited", user, role=role.value, email=user.email)
    # Imported here: the partner service imports this module.
    from syndication.services.partners import send_invitation

    send_invitation(user, inviter=actor)
    db.session.commit()
    return user


def change_role(user_id: int, role: Role | str, *, actor: User) -> User:
    """Make a colleague staff or admin; the last active admin stays an admin."""
    _require_admin(actor)
    role = Role(role)
    if role not in STAFF_ROLES:
        raise Invalid("Colleagues are staff or admins.")
    user = colleague(user_id)
    if user.role is role:
        return user
    if user.role is Role.ADMIN and user.active and _active_admins() <= 1:
        raise Conflict(f"{user.email} is the last administrator: make someone else one first.")
    previous = user.role
    user.role = role
    # New rights take effect at the next request: end the sessions holding the old ones.
    user.session_version += 1
    audit.record(
        actor, "role_changed", user, from_status=previous.value, to_status=role.value,
        email=user.email, role=role.value,
    )  # fmt: skip
    db.session.commit()
    return user


def set_colleague_active(user_id: int, active: bool, *, actor: User) -> User:
    """Deactivate a colleague (their sessions end at once) or bring them back."""
    _require_admin(actor)
    user = colleague(user_id)
    if user.active == active:
        return user
    if not active:
        if user.id == actor.id:
            raise Invalid("You cannot deactivate yourself; ask another administrator.")
        if user.role is Role.ADMIN and _active_admins() <= 1:
            raise Conflict(f"{user.email} is the last administrator and cannot be deactivated.")
        user.session_version += 1
    user.active = active
    audit.record(
        actor, "staff_reactivated" if active else "staff_deactivated", user, email=user.email
    )
    db.session.commit()
    return user
