"""Files too large to import while a request waits are imported here, batch by batch."""

from __future__ import annotations

from datetime import datetime, timedelta

from syndication.policy.jobs import RetryPolicy
from syndication.services import importing
from syndication.tasks import job_kind

# An item that cannot be stored is tried again a few times over an hour or so, each time
# from the first item not yet stored; then staff see why at Background work.
IMPORT_POLICY = RetryPolicy(max_attempts=4, base=timedelta(minutes=1), factor=4.0)


# Claimed with a lease (like work that leaves the app): the handler commits batch by batch
# and renews the lease with each, so a worker lost mid-file is noticed and another resumes.
@job_kind(importing.IMPORT_JOB, policy=IMPORT_POLICY, outside=True)
def import_file(payload: dict, now: datetime) -> None:
    """Store the queued file's items not stored yet."""
    importing.resume(payload["run_id"], now=now)
