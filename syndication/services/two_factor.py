"""The second factor: TOTP codes from an authenticator app (pyotp), and recovery codes.

Required for staff and admins (they enrol at their first login), offered to
partner users. A secret is stored only once a code from it was entered; each
code works once (the last accepted time step is kept); ten recovery codes,
shown once and stored as hashes, each stand in for one code. The secret is
Fernet-encrypted at rest with the keys that seal webhook secrets
(``WEBHOOK_SECRET_KEYS``): a copy of the database alone yields no codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import RecoveryCode, User
from syndication.models.base import utcnow
from syndication.services import audit
from syndication.services.errors import DomainError
from syndication.services.webhooks import secret_box

ISSUER = "Syndication Desk"
RECOVERY_CODES = 10
# A code from the step before or after this one is accepted too: phone clocks drift.
DRIFT_STEPS = 1


def required_for(user: User) -> bool:
    """Staff and admins must use a second factor; partners may."""
    return user.is_staff


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits) for the user to add to an app."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in, or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear (stored encrypted), or None without a second factor."""
    return secret_box().open(user.totp_secret) if user.totp_secret is not None else None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().replace("-", "").encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return codes


def enable(user: User, secret: str, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn the second factor on once a code from ``secret`` is right; the recovery codes."""
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise DomainError("That code is not right: type the six digits your app shows now.")
    user.totp_secret = secret_box().seal(secret)
    user.totp_last_step = step
    user.two_factor_since = now
    codes = _new_recovery_codes(user)
    audit.record(user, "two_factor_enabled", user)
    db.session.commit()
    return codes


def verify(user: User, code: str, *, now: datetime | None = None) -> str | None:
    """Check a code or a recovery code; which kind matched ("totp"/"recovery"), else None.

    A TOTP code is accepted once only; a recovery code is used up (audited).
    """
    if user.totp_secret is None:
        return None
    now = now or utcnow()
    step = _matching_step(secret_of(user), code, now)
    if step is not None:
        # One conditional UPDATE: two requests with the same code cannot both pass.
        claimed = db.session.execute(
            sa.update(User)
            .where(
                User.id == user.id,
                sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        return "totp" if claimed else None
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    ).rowcount
    if used:
        audit.record(user, "recovery_code_used", user, left=remaining_codes(user))
        db.session.commit()
        return "recovery"
    return None


def remaining_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def regenerate_codes(user: User) -> list[str]:
    """New recovery codes; the old ones stop working (audited)."""
    if user.totp_secret is None:
        raise DomainError("Turn on the second factor first.")
    codes = _new_recovery_codes(user)
    audit.record(user, "recovery_codes_regenerated", user)
    db.session.commit()
    return codes


def disable(user: User, code: str) -> None:
    """Turn the second factor off with a current code; staff may not (it is required)."""
    if required_for(user):
        raise DomainError("Staff accounts must keep their second factor.")
    if verify(user, code) is None:
        raise DomainError("That code is not right.")
    user.totp_secret = None
    user.totp_last_step = None
    user.two_factor_since = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user, "two_factor_disabled", user)
    db.session.commit()
