"""Partners' webhooks: the endpoint and its secrets, events queued as deliveries, sending.

An event is a :class:`WebhookDelivery` row and a job, written in the caller's
transaction (:func:`queue_event`); a worker sends it (:func:`deliver`, run by the
``webhook`` job kind in ``tasks/webhooks.py``) through the app's one SSRF-safe
outbound client, recording every attempt. Signing secrets are Fernet-encrypted
at rest with keys from ``WEBHOOK_SECRET_KEYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from syndication.delivery import webhooks as wire
from syndication.delivery.outbound import OutboundError, Refused
from syndication.extensions import db
from syndication.models import Partner, User, WebhookAttempt, WebhookDelivery, WebhookState
from syndication.models.base import utcnow
from syndication.policy.jobs import GiveUp, retry_after
from syndication.services import audit, jobs, mail, outbound, pagination, settings
from syndication.services.errors import Conflict, Invalid, NotFound

JOB_KIND = "webhook"
ERROR_LIMIT = 2000
_KEYS_FILE = "webhook-secret-keys"


# --- secrets -------------------------------------------------------------------------


def secret_box() -> wire.SecretBox:
    """The Fernet keys of this app; in development a key is made once under instance/."""
    setting = current_app.config.get("WEBHOOK_SECRET_KEYS", "")
    if not setting.strip():
        if current_app.config.get("ENV_NAME") == "production":
            raise RuntimeError("WEBHOOK_SECRET_KEYS must be set in production")
        setting = _development_key(Path(current_app.instance_path) / _KEYS_FILE)
    return wire.SecretBox.from_setting(setting)


def _development_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wire.generate_key() + "\n", encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def _signing_secrets(partner: Partner, now: datetime) -> list[str]:
    box = secret_box()
    previous = (
        box.open(partner.webhook_previous_secret) if partner.webhook_previous_secret else None
    )
    return wire.signing_secrets(
        box.open(partner.webhook_secret), previous, partner.webhook_previous_until, now
    )


# --- the endpoint --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """What a partner (or staff) sees of a webhook; never a secret."""

    url: str | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str
    previous_secret_until: datetime | None  # both secrets sign until then


def endpoint(partner: Partner, *, now: datetime | None = None) -> Endpoint:
    """The partner's webhook as it stands."""
    now = now or utcnow()
    until = partner.webhook_previous_until
    return Endpoint(
        url=partner.webhook_url,
        enabled=is_enabled(partner),
        disabled_at=partner.webhook_disabled_at,
        disabled_reason=partner.webhook_disabled_reason or "",
        previous_secret_until=until
        if until and until > now and partner.webhook_previous_secret
        else None,
    )


def is_enabled(partner: Partner) -> bool:
    """Whether events for this partner are sent: a URL and a secret, not disabled."""
    return bool(partner.webhook_url and partner.webhook_secret) and (
        partner.webhook_disabled_at is None
    )


def check_url(url: str) -> str:
    """The URL if it may receive webhooks (https, public addresses), else Invalid."""
    try:
        return wire.check_webhook_url(
            url, allow_loopback=bool(current_app.config["OUTBOUND_ALLOW_LOOPBACK"])
        )
    except Refused as exc:
        raise Invalid(exc.reason) from exc


def set_webhook(partner: Partner, url: str, *, actor: User | None = None) -> str:
    """Point events at ``url`` with a new signing secret; returns the secret (shown once).

    Setting it again (the same URL or another) also re-enables an endpoint that
    was disabled, and ends any rotation overlap: only the new secret signs.
    """
    url = check_url(url)
    secret = wire.new_secret()
    partner.webhook_url = url
    partner.webhook_secret = secret_box().seal(secret)
    partner.webhook_previous_secret = None
    partner.webhook_previous_until = None
    partner.webhook_disabled_at = None
    partner.webhook_disabled_reason = ""
    audit.record(actor, "webhook_set", partner, url=url)
    db.session.commit()
    return secret


def rotate_secret(
    partner: Partner,
    *,
    actor: User | None = None,
    overlap: timedelta = wire.ROTATION_OVERLAP,
    now: datetime | None = None,
) -> str:
    """A new signing secret (shown once); the old one keeps signing for ``overlap``."""
    if not (partner.webhook_url and partner.webhook_secret):
        raise Conflict("Set a webhook URL first; it comes with its secret.")
    now = now or utcnow()
    secret = wire.new_secret()
    partner.webhook_previous_secret = partner.webhook_secret
    partner.webhook_previous_until = now + overlap
    partner.webhook_secret = secret_box().seal(secret)
    audit.record(
        actor, "webhook_secret_rotated", partner, overlap_hours=overlap / timedelta(hours=1)
    )
    db.session.commit()
    return secret


def clear_webhook(partner: Partner, *, actor: User | None = None) -> None:
    """Stop webhook deliveries; pending ones are marked disabled when their turn comes."""
    partner.webhook_url = None
    partner.webhook_secret = None
    partner.webhook_previous_secret = None
    partner.webhook_previous_until = None
    partner.webhook_disabled_at = None
    partner.webhook_disabled_reason = ""
    audit.record(actor, "webhook_cleared", partner)
    db.session.commit()


# --- events --------------------------------------------------------------------------


def queue_event(
    partner_id: int, event_type: str, data: dict, *, notice_delivery_id: int | None = None
) -> WebhookDelivery | None:
    """Add one webhook delivery (and its job) to the CURRENT transaction; the caller commits.

    None when the partner has no enabled webhook. ``event_type`` is one of
    notice.correction, notice.update, notice.takedown, grant.revoked, test;
    ``data`` is the event's JSON-ready ``data`` object, wrapped here in the
    Standard Webhooks envelope.
    """
    partner = db.session.get(Partner, partner_id)
    if partner is None or not is_enabled(partner):
        return None
    delivery = WebhookDelivery(
        partner_id=partner_id,
        event_type=event_type,
        message_id=wire.new_message_id(),
        payload=wire.envelope(event_type, data, utcnow()),
        state=WebhookState.PENDING,
        attempts=0,
        last_error="",
        notice_delivery_id=notice_delivery_id,
    )
    db.session.add(delivery)
    db.session.flush()
    jobs.add(JOB_KIND, {"delivery_id": delivery.id})
    return delivery


def send_test(partner: Partner, *, actor: User | None = None) -> WebhookDelivery:
    """Queue a ``test`` event to the partner's endpoint; Conflict when there is none."""
    delivery = queue_event(
        partner.id,
        "test",
        {"message": "A test event from the syndication desk.", "partner_id": partner.id},
    )
    if delivery is None:
        db.session.rollback()
        raise Conflict("There is no enabled webhook to send a test event to.")
    audit.record(actor, "webhook_test_sent", partner, delivery_id=delivery.id)
    db.session.commit()
    return delivery


def redeliver(delivery_id: int, *, partner_id: int | None, actor: User | None) -> WebhookDelivery:
    """Send a delivery again with the same message id (receivers deduplicate on it).

    ``partner_id`` scopes a partner's request to its own deliveries; staff pass None.
    """
    delivery = _delivery(delivery_id, partner_id)
    if delivery.state is WebhookState.PENDING:
        raise Conflict("This delivery is still being attempted.")
    if not is_enabled(delivery.partner):
        raise Conflict("The webhook is not enabled; set it again before redelivering.")
    before = delivery.state.value
    delivery.state = WebhookState.PENDING
    delivery.attempts = 0
    delivery.delivered_at = None
    jobs.add(JOB_KIND, {"delivery_id": delivery.id})
    audit.record(
        actor,
        "webhook_redelivered",
        delivery,
        from_status=before,
        to_status=WebhookState.PENDING.value,
    )
    db.session.commit()
    return delivery


def _delivery(delivery_id: int, partner_id: int | None) -> WebhookDelivery:
    query = sa.select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if partner_id is not None:
        query = query.where(WebhookDelivery.partner_id == partner_id)
    found = db.session.scalar(query)
    if found is None:
        raise NotFound("No such webhook delivery.")
    return found


def log_of(partner_id: int, *, limit: int = 50) -> list[WebhookDelivery]:
    """The partner's latest deliveries, newest first, each with every attempt."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.partner_id == partner_id)
            .options(selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def failed_of(partner_id: int, *, limit: int = 50) -> list[WebhookDelivery]:
    """The partner's failed deliveries, newest first: what staff may redeliver."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(
                WebhookDelivery.partner_id == partner_id,
                WebhookDelivery.state == WebhookState.FAILED,
            )
            .options(selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def page_of(
    partner_id: int, *, before: int | None, limit: int
) -> tuple[list[WebhookDelivery], bool]:
    """The partner's deliveries, newest first, below the id ``before``; and whether more follow."""
    return pagination.newest_first(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.partner_id == partner_id)
        .options(selectinload(WebhookDelivery.attempt_log)),
        WebhookDelivery,
        before=before,
        limit=limit,
    )


# --- sending (in a worker) -----------------------------------------------------------


@dataclass(frozen=True)
class _Send:
    delivery_id: int
    url: str
    message_id: str
    body: str
    signing_secrets: list[str]
    attempt: int


@dataclass(frozen=True)
class _Attempt:
    """What one attempt came to: the row to record, and what the job does next."""

    delivery_id: int
    status: int | None
    elapsed: float
    error: str
    state: WebhookState
    raise_: Exception | None = None  # GiveUp, RetryAfter or OutboundError: the job's outcome
    disable: bool = False  # the endpoint answered 410


def deliver(delivery_id: int, *, now: datetime | None = None) -> None:
    """Make one attempt at a delivery and record it; raise so the job retries or gives up.

    Runs in a worker outside any transaction while the receiver answers. 2xx:
    delivered. 410: the endpoint is disabled and the partner's contacts are
    emailed. 429, 5xx, timeouts: tried again by the job's policy, honouring
    Retry-After. Any other answer, or an address that is refused: failed at once.
    """
    (outcome,) = deliver_many([delivery_id], now=now)
    if outcome is not None:
        raise outcome


def deliver_many(delivery_ids: list[int], *, now: datetime | None = None) -> list[Exception | None]:
    """One attempt at each delivery, as :func:`deliver` makes it, at a batch's cost.

    The deliveries (with their partners and secrets) are read in one query and
    every attempt is recorded in one transaction, instead of a read and a write
    per delivery: at thousands of deliveries those, not the network, were the
    limit. Returns, per id, None (delivered, or nothing to do) or the exception
    that tells the job to retry or give up.
    """
    now = now or utcnow()
    prepared = _prepare(delivery_ids, now)
    attempts = [_attempt(send) for send in prepared.values()]
    _record(attempts, now)
    for attempt in attempts:
        if attempt.disable:
            _disable(attempt.delivery_id, now)
    raised = {a.delivery_id: a.raise_ for a in attempts}
    return [raised.get(delivery_id) for delivery_id in delivery_ids]


def _attempt(send: _Send) -> _Attempt:
    """POST one delivery through the outbound client and classify the answer."""
    # The signature's timestamp is the wall clock, not ``now`` (which tests inject):
    # receivers compare it with their own clock to refuse replays.
    headers = wire.headers(send.signing_secrets, send.message_id, utcnow(), send.body)
    status: int | None = None
    error = ""
    elapsed = 0.0
    answer = None
    try:
        answer = outbound.client().request(
            "POST",
            send.url,
            headers=headers,
            body=send.body.encode("utf-8"),
            max_bytes=wire.ANSWER_MAX_BYTES,
        )
        status, elapsed = answer.status, answer.elapsed
    except Refused as exc:
        return _Attempt(
            send.delivery_id, None, 0.0, exc.reason, WebhookState.FAILED, GiveUp(exc.reason)
        )
    except OutboundError as exc:
        error = exc.reason
    outcome = wire.classify(status)
    if outcome is wire.Outcome.DELIVERED:
        return _Attempt(send.delivery_id, status, elapsed, "", WebhookState.DELIVERED)
    if outcome is wire.Outcome.DISABLE:
        message = "410 Gone: endpoint disabled"
        return _Attempt(
            send.delivery_id, status, elapsed, message, WebhookState.DISABLED, disable=True
        )
    if outcome is wire.Outcome.FAIL:
        message = f"The endpoint answered {status}."
        return _Attempt(
            send.delivery_id, status, elapsed, message, WebhookState.FAILED, GiveUp(message)
        )
    message = error or f"The endpoint answered {status}."
    if send.attempt >= wire.RETRY_POLICY.max_attempts:
        return _Attempt(
            send.delivery_id,
            status,
            elapsed,
            message,
            WebhookState.FAILED,
            GiveUp(f"{message} Out of attempts."),
        )
    retry = retry_after(answer, message) if answer is not None else OutboundError(message)
    return _Attempt(send.delivery_id, status, elapsed, message, WebhookState.PENDING, retry)


def _prepare(delivery_ids: list[int], now: datetime) -> dict[int, _Send]:
    """What to send, by delivery id; a delivery with nothing to send is left out.

    Only reads (each attempt is counted when it is recorded), so no lock is held
    while receivers answer. A delivery whose endpoint was cleared or disabled
    meanwhile is marked disabled instead.
    """
    found = db.session.scalars(
        sa.select(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(delivery_ids),
            WebhookDelivery.state == WebhookState.PENDING,
        )
        .options(joinedload(WebhookDelivery.partner))
        .order_by(WebhookDelivery.id)
    ).all()
    prepared: dict[int, _Send] = {}
    secrets: dict[int, list[str]] = {}  # decrypted once per partner
    stopped: list[int] = []
    for delivery in found:
        partner = delivery.partner
        if not is_enabled(partner):
            stopped.append(delivery.id)
            continue
        if partner.id not in secrets:
            secrets[partner.id] = _signing_secrets(partner, now)
        prepared[delivery.id] = _Send(
            delivery_id=delivery.id,
            url=partner.webhook_url or "",
            message_id=delivery.message_id,
            body=wire.body_of(delivery.payload),
            signing_secrets=secrets[partner.id],
            attempt=delivery.attempts + 1,
        )
    db.session.rollback()
    if stopped:
        jobs.begin_write()
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(stopped))
            .values(
                state=WebhookState.DISABLED,
                last_error="The webhook was cleared or disabled before this was sent.",
            )
        )
        db.session.commit()
    return prepared


def _record(attempts: list[_Attempt], now: datetime) -> None:
    """Every attempt of a batch in one transaction: the attempt rows in one INSERT, and
    one UPDATE per distinct outcome (a batch that all arrived is one)."""
    if not attempts:
        return
    jobs.begin_write()
    db.session.execute(
        sa.insert(WebhookAttempt),
        [
            {
                "delivery_id": a.delivery_id,
                "at": now,
                "status_code": a.status,
                "latency_ms": round(a.elapsed * 1000),
                "error": a.error[:ERROR_LIMIT],
            }
            for a in attempts
        ],
    )
    outcomes: dict[tuple[WebhookState, int | None, str], list[int]] = {}
    for a in attempts:
        outcomes.setdefault((a.state, a.status, a.error[:ERROR_LIMIT]), []).append(a.delivery_id)
    for (state, status, error), ids in outcomes.items():
        values: dict = {
            "state": state,
            "attempts": WebhookDelivery.attempts + 1,
            "last_status": status,
            "last_error": error,
        }
        if state is WebhookState.DELIVERED:
            values["delivered_at"] = now
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _disable(delivery_id: int, now: datetime) -> None:
    """The endpoint answered 410: stop sending to it and tell the partner's contacts."""
    jobs.begin_write()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    partner = delivery.partner
    reason = "The endpoint answered 410 Gone."
    # A plain UPDATE, not the versioned ORM row: a worker must not lose a race with staff.
    disabled = db.session.execute(
        sa.update(Partner)
        .where(Partner.id == partner.id, Partner.webhook_disabled_at.is_(None))
        .values(webhook_disabled_at=now, webhook_disabled_reason=reason)
    ).rowcount
    if not disabled:
        # Another delivery's 410 got there first and told the partner.
        db.session.rollback()
        return
    db.session.refresh(partner)
    audit.record(None, "webhook_disabled", partner, reason=reason, delivery_id=delivery_id)
    organisation = settings.organisation()
    link = mail.external_url("portal.webhook")
    for address in contacts_of(partner):
        mail.send(
            "webhook_disabled",
            address,
            "Your webhook was disabled",
            partner=partner,
            url=partner.webhook_url,
            reason=reason,
            link=link,
            organisation=organisation,
        )
    db.session.commit()


def contacts_of(partner: Partner) -> list[str]:
    """The partner's contact address and its active admins', each once."""
    found = [partner.contact_email]
    found += [u.email for u in partner.users if u.is_partner_admin and u.active]
    return list(dict.fromkeys(a for a in found if a))
