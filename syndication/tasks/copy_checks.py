"""Compliance checks of republished copies: one job per check, and the weekly re-check."""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab

from syndication.policy.jobs import RetryPolicy
from syndication.services import copy_checks
from syndication.tasks import job_kind, periodic

# A check records what it could not read as its own result (an error), so the job itself
# only fails when the worker does: a few tries, then it is shown at *Background work*.
CHECK_POLICY = RetryPolicy(max_attempts=3, base=timedelta(minutes=1), factor=4.0)


@job_kind(copy_checks.CHECK_JOB, policy=CHECK_POLICY, outside=True)
def check_copy(payload: dict, now: datetime) -> None:
    """Fetch one copy's page and check it against its grant's terms."""
    copy_checks.run(payload["check_id"], now=now)


@periodic("copies.recheck", crontab(minute="17"))
def recheck_copies() -> None:
    """Every hour: queue a check of each copy not checked for a week (and of new copies)."""
    copy_checks.queue_due()
