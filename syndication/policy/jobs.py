"""Background jobs: their lifecycle table and the retry policy for work that leaves the app.

Pure: it says which state a job may move to and when a failed attempt is tried
again. The database side (claiming, recording) is ``services/jobs.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"  # due at run_at; the queue carries its id
    RUNNING = "running"  # claimed by a worker until lease_until (work that leaves the app)
    DONE = "done"
    FAILED = "failed"  # out of attempts: staff see the last error and may retry


# state -> the states it may move to
JOB_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    # A job that commits its work with its claim goes straight from queued to done or,
    # when its last attempt fails, to failed; work outside the app is claimed first.
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.DONE, JobState.FAILED}),
    # Back to queued when an attempt fails with attempts left.
    JobState.RUNNING: frozenset({JobState.QUEUED, JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset(),
    # Staff retry: the job starts over with a fresh count of attempts.
    JobState.FAILED: frozenset({JobState.QUEUED}),
}


class InvalidJobTransition(Exception):
    def __init__(self, current: JobState, target: JobState) -> None:
        super().__init__(f"This job is {current.value}; it cannot become {target.value}.")


def move(current: JobState | str, target: JobState | str) -> JobState:
    """The target state, if the lifecycle allows moving there from ``current``."""
    current, target = JobState(current), JobState(target)
    if target not in JOB_TRANSITIONS[current]:
        raise InvalidJobTransition(current, target)
    return target


class GiveUp(Exception):
    """An attempt failed in a way no retry can fix (refused address, 4xx, not an image)."""


class RetryAfter(Exception):
    """An attempt failed and the other side said when to come back (HTTP Retry-After)."""

    def __init__(self, message: str, delay: timedelta) -> None:
        super().__init__(message)
        self.delay = delay


def retry_after(answer, message: str) -> Exception:
    """The exception for a failed HTTP answer: RetryAfter when it says when to come back.

    ``answer`` has ``header(name)``; Retry-After is either seconds or an HTTP date.
    """
    value = answer.header("retry-after").strip()
    delay: timedelta | None = None
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    elif value:
        try:
            when = parsedate_to_datetime(value)
            delay = max(timedelta(0), when - datetime.now(when.tzinfo))
        except (TypeError, ValueError):
            delay = None
    return RetryAfter(message, delay) if delay is not None else Exception(message)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, for tasks that talk to the outside world.

    Attempt ``n`` (1-based) that fails is tried again after a delay drawn
    uniformly between ``base × factor^(n-1) / 2`` and ``base × factor^(n-1)``,
    capped at ``cap``: half the delay is fixed, so retries keep their spacing,
    and half is random, so many jobs failing together (a mail server restart)
    do not come back at the same second. After ``max_attempts`` the job fails.
    """

    max_attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    factor: float = 4.0
    cap: timedelta = timedelta(hours=6)

    def ceiling(self, attempt: int) -> timedelta:
        """The longest wait after failed attempt number ``attempt``."""
        seconds = self.base.total_seconds() * self.factor ** (attempt - 1)
        return timedelta(seconds=min(seconds, self.cap.total_seconds()))

    def next_attempt(
        self,
        attempt: int,
        failed_at: datetime,
        rng: random.Random | None = None,
        *,
        not_before: timedelta | None = None,
    ) -> datetime | None:
        """When to try again after failed attempt ``attempt``; None once attempts run out.

        ``not_before`` is the other side's own ask (Retry-After): honoured when
        longer than the backoff, up to the policy's cap.
        """
        if attempt >= self.max_attempts:
            return None
        ceiling = self.ceiling(attempt).total_seconds()
        draw = (rng or random).uniform(ceiling / 2, ceiling)
        if not_before is not None:
            draw = max(draw, min(not_before.total_seconds(), self.cap.total_seconds()))
        return failed_at + timedelta(seconds=draw)


# Work that stays inside the database fails only on a bug or an outage: a few quick retries.
INTERNAL = RetryPolicy(max_attempts=3, base=timedelta(seconds=10), factor=3.0)
# SMTP servers, webhook receivers, other sites: minutes to hours of patience.
OUTSIDE_WORLD = RetryPolicy()
