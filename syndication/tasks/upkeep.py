"""The worker's own upkeep: a heartbeat staff can see on the *Background work* page, the
hourly clean-up of what no longer guards anything (old throttles, sessions, codes), and
the body forms of revisions made before they were stored."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from syndication.services import jobs, logins, package_sources
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


@periodic("fill_revision_forms", crontab(minute="*"))
def fill_revision_forms() -> None:
    """Every minute: store the body forms of up to 1,000 revisions that have none yet."""
    filled = package_sources.fill_forms(limit=1000)
    if filled:
        current_app.logger.info("Stored the body forms of %d revisions", filled)
