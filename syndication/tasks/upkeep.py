"""The worker's own upkeep: a heartbeat staff can see on the *Background work* page."""

from __future__ import annotations

from huey import crontab

from syndication.services import jobs
from syndication.tasks import periodic


@periodic("heartbeat", crontab(minute="*"))
def heartbeat() -> None:
    """Every minute: record that this worker process is alive and running tasks."""
    jobs.beat(jobs.worker_name())
