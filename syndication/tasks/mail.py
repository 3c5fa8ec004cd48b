"""Email leaves the request: each message is a job, delivered over SMTP by a worker."""

from __future__ import annotations

from datetime import datetime

from syndication.policy.jobs import OUTSIDE_WORLD
from syndication.services import mail
from syndication.tasks import job_kind


@job_kind(mail.JOB_KIND, policy=OUTSIDE_WORLD, outside=True)
def deliver_email(payload: dict, now: datetime) -> None:
    """Hand one rendered message to the SMTP server; an SMTP error fails the attempt."""
    mail.deliver(payload)
