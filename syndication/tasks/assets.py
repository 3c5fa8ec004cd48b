"""Images named by URL are fetched by a worker, through the SSRF-safe outbound client."""

from __future__ import annotations

from datetime import datetime, timedelta

from syndication.policy.jobs import RetryPolicy
from syndication.services import assets
from syndication.tasks import job_kind

# A few tries over about an hour: an image host that is down longer is a thing for staff.
FETCH_POLICY = RetryPolicy(max_attempts=4, base=timedelta(minutes=1), factor=4.0)


@job_kind(assets.FETCH_JOB, policy=FETCH_POLICY, outside=True)
def fetch_asset(payload: dict, now: datetime) -> None:
    """Fetch one asset's image and store it by content hash."""
    assets.fetch(payload["asset_id"])
