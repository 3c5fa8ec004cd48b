"""Logging in: the password step, the throttle on each account, the lock-out, the audit trail.

Beside the per-address limit on the login form (``LOGIN_RATE_LIMIT``), every
account is throttled by its email address, whether an account has it or not:
``LOGIN_ACCOUNT_FAILURES`` failures within ``LOGIN_LOCKOUT_SECONDS`` lock it for
that long. The person trying is told; the account's owner, if there is one,
is emailed once per lock-out. The same throttle guards each account's second
factor, keyed by the account. Every failure, lock-out and success of a real
account is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from syndication.extensions import db
from syndication.models import (
    AuditEvent,
    LoginSession,
    LoginThrottle,
    PartnerStatus,
    RecoveryCode,
    User,
)
from syndication.models.base import utcnow
from syndication.services import audit, jobs, mail, settings, users
from syndication.services.sessions import IDLE_LIMIT
from syndication.services.upsert import insert

# Ended login sessions and used recovery codes are kept this long (a week of history for
# whoever looks into an incident; the audit log keeps the events themselves), then deleted.
KEEP_ENDED = timedelta(days=7)


@dataclass(frozen=True)
class PasswordCheck:
    """The password step's answer: a user to continue with, or a message for the form."""

    user: User | None = None
    error: str = ""


WRONG = "That email and password do not match an account."


def _limits() -> tuple[int, timedelta]:
    config = current_app.config
    return (
        config.get("LOGIN_ACCOUNT_FAILURES", 5),
        timedelta(seconds=config.get("LOGIN_LOCKOUT_SECONDS", 900)),
    )


def _locked_until(key: str, now: datetime) -> datetime | None:
    row = db.session.get(LoginThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def _count_failure(key: str, now: datetime) -> bool:
    """Count one failure against ``key``; True when this one locks it (the caller commits)."""
    allowed, window = _limits()
    fresh = now - window
    table = LoginThrottle.__table__
    # One statement, so two failures at once both count: the window restarts when it ran out.
    statement = (
        insert(table)
        .values(key=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": sa.case(
                    (table.c.window_started_at <= fresh, 1), else_=table.c.failures + 1
                ),
                "window_started_at": sa.case(
                    (table.c.window_started_at <= fresh, now), else_=table.c.window_started_at
                ),
            },
        )
        .returning(table.c.failures)
    )
    failures = db.session.execute(statement).scalar_one()
    if failures >= allowed:
        db.session.execute(
            sa.update(table)
            .where(table.c.key == key)
            .values(locked_until=now + window, failures=0, window_started_at=now)
        )
        return True
    return False


def _clear(key: str) -> None:
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (
        "Too many failed attempts: this account is locked for "
        f"{minutes} more minute{'s' if minutes != 1 else ''}. "
        "If it was not you, reset your password once the lock ends."
    )


def _notify_lock(user: User, until: datetime, what: str) -> None:
    audit.record(None, "account_locked", user, reason=what, until=until.isoformat())
    mail.send(
        "account_locked",
        user.email,
        "Your account is locked for a while",
        user=user,
        what=what,
        until=until,
        organisation=settings.organisation(),
    )


def refusal_for_partner(user: User) -> str:
    """Why a partner user may not log in now (suspended, terminated, …), or ""."""
    partner = user.partner
    if partner is None or partner.status is PartnerStatus.APPROVED:
        return ""
    reason = db.session.scalar(
        sa.select(AuditEvent.reason)
        .where(
            AuditEvent.object_type == "partners",
            AuditEvent.object_id == partner.id,
            AuditEvent.to_status == partner.status.value,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    contact = settings.organisation().licensing_email
    because = f" The reason we gave: {reason}" if reason else ""
    standing = {
        PartnerStatus.SUSPENDED: "is suspended",
        PartnerStatus.TERMINATED: "has ended",
        PartnerStatus.REJECTED: "was not approved",
        PartnerStatus.APPLIED: "is still waiting for review",
    }.get(partner.status, f"is {partner.status.value}")
    return (
        f"The partnership of {partner.name} {standing}, so its users cannot log in.{because} "
        f"Write to {contact} about it."
    )


def check_password(
    email: str, password: str, *, ip_address: str = "", now: datetime | None = None
) -> PasswordCheck:
    """The password step. A user comes back only for the right password of an open account."""
    now = now or utcnow()
    key = "email:" + email.strip().lower()
    locked = _locked_until(key, now)
    if locked is not None:
        return PasswordCheck(error=_lock_message(locked, now))
    user = users.find_by_email(email)
    # The hash is checked whether or not the account exists: the same time either way.
    matches = users.password_matches(user, password)
    # Every outcome below writes (a failure counted, an event, the throttle cleared). On
    # SQLite the write lock is taken now, after the hash, so concurrent logins wait their
    # turn for it instead of failing with "database is locked" (and none holds it while
    # hashing).
    jobs.begin_write()
    if user is not None and matches and not user.active:
        # The right password of a closed account: saying so reveals nothing a guesser lacks.
        audit.record(None, "login_refused", user, reason="deactivated", ip_address=ip_address)
        db.session.commit()
        return PasswordCheck(
            error="This account is deactivated. Ask an administrator of your organisation."
        )
    if not matches or user is None:
        just_locked = _count_failure(key, now)
        if user is not None:
            audit.record(None, "login_failed", user, ip_address=ip_address)
            if just_locked:
                _notify_lock(user, now + _limits()[1], "password")
        db.session.commit()
        if just_locked:
            return PasswordCheck(error=_lock_message(now + _limits()[1], now))
        return PasswordCheck(error=WRONG)
    _clear(key)
    refusal = refusal_for_partner(user)
    if refusal:
        audit.record(None, "login_refused", user, reason=refusal, ip_address=ip_address)
        db.session.commit()
        return PasswordCheck(error=refusal)
    db.session.commit()
    return PasswordCheck(user=user)


def second_factor_locked(user: User, now: datetime | None = None) -> str:
    """The lock-out message while the user's second factor is locked, else ""."""
    now = now or utcnow()
    until = _locked_until(f"totp:{user.id}", now)
    return _lock_message(until, now) if until else ""


def second_factor_failed(user: User, now: datetime | None = None) -> str:
    """Count a wrong code (audited); the lock-out message if it locked the account, else ""."""
    now = now or utcnow()
    jobs.begin_write()
    audit.record(None, "two_factor_failed", user)
    just_locked = _count_failure(f"totp:{user.id}", now)
    if just_locked:
        _notify_lock(user, now + _limits()[1], "second factor")
    db.session.commit()
    return _lock_message(now + _limits()[1], now) if just_locked else ""


def logged_in(user: User, *, ip_address: str = "", second_factor: str = "") -> None:
    """Record a completed login (the caller has started the session; this commits)."""
    _clear(f"totp:{user.id}")
    user.last_login_at = utcnow()
    audit.record(user, "logged_in", user, ip_address=ip_address, second_factor=second_factor)
    db.session.commit()


def forget_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what no longer guards anything, in one transaction; how many rows of each.

    Login throttles whose window has passed and whose lock (if any) is over, login
    sessions that ended (or sat idle past ``IDLE_LIMIT``) ``KEEP_ENDED`` ago, and
    recovery codes used that long ago. A deleted session's cookies stay refused: a
    cookie is accepted only while its session's row says it is live.
    """
    now = now or utcnow()
    _, window = _limits()
    jobs.begin_write()
    removed = {
        "login_throttles": db.session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.window_started_at <= now - window,
                sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            )
        ).rowcount,
        "login_sessions": db.session.execute(
            sa.delete(LoginSession).where(
                sa.or_(
                    LoginSession.ended_at <= now - KEEP_ENDED,
                    LoginSession.last_seen_at <= now - IDLE_LIMIT - KEEP_ENDED,
                )
            )
        ).rowcount,
        "recovery_codes": db.session.execute(
            sa.delete(RecoveryCode).where(RecoveryCode.used_at <= now - KEEP_ENDED)
        ).rowcount,
    }
    db.session.commit()
    return removed
