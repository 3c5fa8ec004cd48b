"""Notices leave by email from a worker; reminders go at half time and at the deadline."""

from __future__ import annotations

from datetime import datetime

from huey import crontab

from syndication.services import notices
from syndication.tasks import job_kind, periodic


@job_kind(notices.NOTICE_EMAIL_JOB)
def email_holder(payload: dict, now: datetime) -> None:
    """Render one delivery's email for each of the partner's contacts (queued as mail jobs)."""
    notices.email_holder(payload["delivery_id"], reminder=payload.get("reminder", ""))


@periodic("notices.reminders", crontab(minute="*/5"))
def remind() -> None:
    """Every five minutes: reminders for deliveries at half time or past their deadline."""
    notices.send_reminders()
