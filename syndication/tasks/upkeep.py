"""The worker's own upkeep: a heartbeat staff can see on the *Background work* page, and
the hourly clean-up of what no longer guards anything (old throttles, sessions, codes)."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from syndication.services import jobs, logins
from syndication.tasks import periodic


@periodic("heartbeat", crontab(minute="*"))
def heartbeat() -> None:
    """Every minute: record that this worker process is alive and running tasks."""
    jobs.beat(jobs.worker_name())


@periodic("forget_expired_logins", crontab(minute="23"))
def forget_expired_logins() -> None:
    """Hourly: delete passed login throttles, long-ended sessions and long-used codes."""
    removed = logins.forget_expired()
    if any(removed.values()):
        current_app.logger.info("Forgot expired account rows: %s", removed)
