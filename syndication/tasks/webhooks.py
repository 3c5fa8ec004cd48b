"""Webhook deliveries leave the app: each is a job, sent by a worker and retried by policy."""

from __future__ import annotations

from datetime import datetime

from syndication.delivery.webhooks import RETRY_POLICY
from syndication.services import webhooks
from syndication.tasks import job_kind


def send_webhooks(payloads: list[dict], now: datetime) -> list[Exception | None]:
    """One attempt at each delivery of a claimed batch, read and recorded together."""
    return webhooks.deliver_many([payload["delivery_id"] for payload in payloads], now=now)


@job_kind(webhooks.JOB_KIND, policy=RETRY_POLICY, outside=True, batch=send_webhooks)
def send_webhook(payload: dict, now: datetime) -> None:
    """Make one attempt at one delivery; the service records it and says whether to retry."""
    webhooks.deliver(payload["delivery_id"], now=now)
