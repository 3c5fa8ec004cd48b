"""Requests that wait: an embargoed free article is granted by a job when its embargo lifts."""

from __future__ import annotations

from datetime import datetime

from syndication.services import grants
from syndication.tasks import job_kind


@job_kind(grants.EMBARGO_JOB)
def grant_when_embargo_lifts(payload: dict, now: datetime) -> None:
    """Grant (or, if it can no longer be had, refuse) the waiting request; once only."""
    grants.grant_when_embargo_lifts(payload["request_id"], now=now)
