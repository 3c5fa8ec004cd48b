"""Accounts: create users, check passwords, say why a login is refused; staff colleagues."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from syndication.extensions import db
from syndication.models import Partner, PartnerStatus, Role, User
from syndication.security import hash_password, verify_password
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
    """The active user with this email and password, else None (and no hint which failed).

    A user of a partner that is not approved is refused too: login_refusal says why.
    """
    user = find_by_email(email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    if user.partner is not None and user.partner.status is not PartnerStatus.APPROVED:
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


def login_refusal(email: str, password: str) -> str | None:
    """Why a right email and password still cannot log in, in words for the person; None
    when the password is wrong (which says nothing about the account)."""
    user = find_by_email(email)
    if user is None or not verify_password(user.password_hash, password):
        return None
    if not user.active:
        return "This account is deactivated. Ask an administrator of your organisation."
    partner = user.partner
    if partner is not None and partner.status is not PartnerStatus.APPROVED:
        contact = settings.organisation().licensing_email
        standing = {
            PartnerStatus.SUSPENDED: "is suspended",
            PartnerStatus.TERMINATED: "has ended",
            PartnerStatus.REJECTED: "was not approved",
            PartnerStatus.APPLIED: "is still waiting for review",
        }[partner.status]
        return (
            f"The partnership of {partner.name} {standing}, so its users cannot log in. "
            f"Write to {contact} about it."
        )
    return None


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
