"""Partner API keys: created with a label, shown once, stored as a hash, revocable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import ApiKey, Partner, PartnerStatus, User
from syndication.models.base import utcnow
from syndication.security import hash_api_key, new_api_key
from syndication.services import audit
from syndication.services.errors import DomainError, Forbidden, NotFound

ADMINS_ONLY = "Only administrators of your partner account can manage its API keys."


def create_key(user: User, label: str) -> tuple[ApiKey, str]:
    """A new key for the user's partner; the secret is returned here and never again.

    A key acts for the whole partner account, so only its administrators make them.
    """
    if not user.is_partner_admin:
        raise Forbidden(ADMINS_ONLY)
    label = label.strip()
    if not label:
        raise DomainError("Give the key a label, such as the system that will use it.")
    if user.partner is None or user.partner.status is not PartnerStatus.APPROVED:
        raise DomainError("Only users of an approved partner can create API keys.")
    secret, prefix, digest = new_api_key()
    key = ApiKey(
        partner_id=user.partner_id,
        created_by_id=user.id,
        label=label,
        prefix=prefix,
        key_hash=digest,
    )
    db.session.add(key)
    db.session.flush()
    audit.record(user, "api_key_created", key, label=label)
    db.session.commit()
    return key, secret


def revoke_key(user: User, key_id: int) -> ApiKey:
    """Revoke one of the user's partner's keys (administrators only); it stops working at once."""
    if not user.is_partner_admin:
        raise Forbidden(ADMINS_ONLY)
    key = db.session.scalar(
        sa.select(ApiKey).where(ApiKey.id == key_id, ApiKey.partner_id == user.partner_id)
    )
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(user, "api_key_revoked", key, label=key.label)
        db.session.commit()
    return key


def key_of(partner_id: int, key_id: int) -> ApiKey:
    """One of the partner's keys; another partner's key is NotFound, like a missing one."""
    key = db.session.scalar(
        sa.select(ApiKey).where(ApiKey.id == key_id, ApiKey.partner_id == partner_id)
    )
    if key is None:
        raise NotFound("No such API key.")
    return key


def keys_of(partner_id: int) -> list[ApiKey]:
    return list(
        db.session.scalars(
            sa.select(ApiKey).where(ApiKey.partner_id == partner_id).order_by(ApiKey.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """Who a live API key speaks for: the key, its partner and that partner's status."""

    key_id: int
    partner_id: int
    partner_status: PartnerStatus


_keys, _partners = ApiKey.__table__, Partner.__table__
# Every API call runs this: plain columns, one statement built once.
_BY_HASH = (
    sa.select(
        _keys.c.id,
        _keys.c.partner_id,
        _keys.c.revoked_at,
        _keys.c.last_used_at,
        _partners.c.status.label("partner_status"),
    )
    .join(_partners, _partners.c.id == _keys.c.partner_id)
    .where(_keys.c.key_hash == sa.bindparam("key_hash"))
)


def authenticate(secret: str) -> KeyHolder | None:
    """The live key with this secret (any partner status), recording its use; else None."""
    row = db.session.execute(_BY_HASH, {"key_hash": hash_api_key(secret)}).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        _touch(row.id, now)
    return KeyHolder(row.id, row.partner_id, row.partner_status)


# "Last used" to the minute is what people read; writing it on every call would
# make every API request a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def _touch(key_id: int, now: datetime) -> None:
    # Its own short transaction, first statement a write: see packages.begin_logging.
    db.session.commit()
    db.session.execute(
        sa.update(ApiKey)
        .where(
            ApiKey.id == key_id,
            sa.or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_PRECISION),
        )
        .values(last_used_at=now)
    )
    db.session.commit()
