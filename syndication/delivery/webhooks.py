"""Webhook messages to the Standard Webhooks specification: envelope, signing, secrets,
which URLs may receive them and what an answer means.

Pure: no Flask, no database. The service (``services/webhooks.py``) stores
deliveries and their attempts; the task sends them through the outbound client.
Signing is the ``standardwebhooks`` library's, so receivers verifying with it (or
any implementation of the specification) agree with us byte for byte.
"""

from __future__ import annotations

import base64
import enum
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from standardwebhooks import Webhook

from syndication.delivery.outbound import (
    Refused,
    Resolver,
    address_allowed,
    check_url,
    system_resolver,
)
from syndication.policy.jobs import RetryPolicy

EVENT_TYPES = frozenset(
    {"notice.correction", "notice.update", "notice.takedown", "grant.revoked", "test"}
)
SECRET_PREFIX = "whsec_"
# Both secrets sign for this long after a rotation, so a receiver can switch at leisure.
ROTATION_OVERLAP = timedelta(hours=24)
# A receiver's answer is read only to learn its status: a small cap is plenty.
ANSWER_MAX_BYTES = 64 * 1024
# 8 attempts over about a day: the waits' ceilings are 2 m, 8 m, 32 m, 2 h 8 m,
# 8 h 32 m, 10 h and 10 h (each drawn between half and all of it): 16 to 31 hours.
RETRY_POLICY = RetryPolicy(
    max_attempts=8, base=timedelta(minutes=2), factor=4.0, cap=timedelta(hours=10)
)
# The same rule the API document states, so the form and the API agree on the shape;
# where the host points is checked separately (:func:`check_webhook_url`).
WEBHOOK_URL = re.compile(r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?(/[!-~]*)?$")
URL_MAX_LENGTH = 500


class Outcome(enum.StrEnum):
    """What one attempt's answer means for the delivery."""

    DELIVERED = "delivered"  # 2xx
    DISABLE = "disable"  # 410 Gone: the receiver asks never to be called again
    RETRY = "retry"  # 429, 5xx, timeouts, connection failures
    FAIL = "fail"  # any other answer (4xx, 3xx: redirects are never followed)


def classify(status: int | None) -> Outcome:
    """The outcome of an answer with HTTP ``status``; None means no answer came (retry)."""
    if status is None:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 410:
        return Outcome.DISABLE
    if status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.FAIL


def new_message_id() -> str:
    """A message id, ``msg_`` and 128 random bits: the ``webhook-id`` receivers dedupe on."""
    return "msg_" + secrets.token_hex(16)


def new_secret() -> str:
    """A signing secret in the specification's form: ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def envelope(event_type: str, data: Mapping, timestamp: datetime) -> dict:
    """The JSON body of an event: ``type``, ``timestamp`` (ISO 8601, UTC) and ``data``."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    return {
        "type": event_type,
        "timestamp": timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": dict(data),
    }


def body_of(payload: Mapping) -> str:
    """The exact text that is sent and signed: compact JSON, keys in the stored order."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def sign(signing_secrets: Iterable[str], message_id: str, timestamp: datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret, space-separated."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in signing_secrets)


def headers(
    signing_secrets: Iterable[str], message_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """Every header of one attempt: the three of the specification and the content type."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(signing_secrets, message_id, timestamp, body),
    }


def signing_secrets(
    current: str, previous: str | None, previous_until: datetime | None, now: datetime
) -> list[str]:
    """The secrets that sign at ``now``: the current one, and the previous during its overlap."""
    found = [current]
    if previous and previous_until is not None and now < previous_until:
        found.append(previous)
    return found


def check_webhook_url(
    url: str, *, allow_loopback: bool = False, resolver: Resolver = system_resolver
) -> str:
    """The URL, stripped, if it may receive webhooks; Refused with a reason for people.

    https only; the host must resolve, and to public addresses only (the same
    rule the outbound client applies when sending, checked here so a partner
    learns at once rather than from a failed delivery).
    """
    url = url.strip()
    if len(url) > URL_MAX_LENGTH or not WEBHOOK_URL.match(url):
        raise Refused("The webhook must be an https:// URL on a public host name.")
    scheme, host, port = check_url(url)
    if scheme != "https":
        raise Refused("The webhook must be an https:// URL.")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        found = [str(literal)]
    except ValueError:
        found = resolver(host, port)
    if not found:
        raise Refused(f"The host name {host!r} does not resolve.")
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not address_allowed(address, allow_loopback=allow_loopback):
            raise Refused(f"{host} resolves to {address}, which is not a public address.")
    return url


@dataclass(frozen=True)
class SecretBox:
    """Encrypts signing secrets at rest with Fernet keys from configuration.

    The first key encrypts; every key decrypts (MultiFernet), so the key itself
    is rotated by putting a new one first and re-encrypting at leisure.
    """

    keys: tuple[str, ...]

    @classmethod
    def from_setting(cls, setting: str) -> SecretBox:
        keys = tuple(k.strip() for k in setting.split(",") if k.strip())
        if not keys:
            raise ValueError("WEBHOOK_SECRET_KEYS holds no key")
        return cls(keys)

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(key.encode("ascii")) for key in self.keys])

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        """The secret inside ``token``; ValueError when no configured key opens it."""
        try:
            return self._fernet().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("No configured WEBHOOK_SECRET_KEYS key opens this secret") from exc


def generate_key() -> str:
    """A new Fernet key for ``WEBHOOK_SECRET_KEYS``."""
    return Fernet.generate_key().decode("ascii")
