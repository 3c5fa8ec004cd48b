"""Accounts: staff, admins and partner users."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column

if TYPE_CHECKING:
    from syndication.models.partners import Partner


class Role(enum.StrEnum):
    STAFF = "staff"
    ADMIN = "admin"
    PARTNER = "partner"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A partner user always belongs to a partner; staff never do.
        sa.CheckConstraint(
            "(role = 'partner') = (partner_id IS NOT NULL)", name="partner_role_has_partner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    is_partner_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of the user at once (suspension, password change).
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The TOTP second factor (RFC 6238): the shared secret, set once confirmed and
    # Fernet-encrypted at rest (services/two_factor.py), and the last time step a code
    # was accepted for, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(500))
    totp_last_step: Mapped[int | None]
    two_factor_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this on every request
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    # The login session this object was loaded for (services.sessions), when it was:
    # a plain attribute, not a column.
    login_key = None

    def get_id(self) -> str:
        # The session version and the login session's key are part of the id: bumping
        # the version ends every session of the user, ending the login session ends one.
        return f"{self.id}:{self.session_version}:{self.login_key or ''}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One logged-in browser: ended by logging out there, or from *Your sessions*.

    The browser's session and remember cookies name it by a random key, kept
    here only as a hash; a cookie replayed after its session ended is refused.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ip_address: Mapped[str] = mapped_column(sa.String(64), default="")


class LoginThrottle(db.Model):
    """Failed attempts at one account (by email, known or not) or one second factor.

    Too many within the window lock it until ``locked_until``; the same for
    addresses with and without an account, so the lock tells nothing about which.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor (a lost phone); hashed."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
