"""Background work on Huey: the app's queue, its tasks, and the kinds of job they run.

Each app gets its own Huey instance, built from ``TASK_QUEUE_URL`` in
:func:`init_app`: ``sqlite:///path`` (SqliteHuey, the embedded default) or
``redis://host:port/db`` (RedisHuey, production). Every task registered with
:func:`task` or :func:`periodic` runs inside an app context of its own app, so
task functions take ids, open nothing themselves and commit once.

Work that must not be lost is a :class:`~syndication.models.Job` row, written by
``services.jobs.add`` in the transaction that caused it; after that transaction
commits, the queue is handed the row's id (see :func:`_enqueue_after_commit`).
The job's *kind* names a handler registered here with :func:`job_kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage
from sqlalchemy.orm import Session

from syndication.policy.jobs import INTERNAL, RetryPolicy
from syndication.services.jobs import PENDING_KEY

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class _TaskSpec:
    name: str
    func: Callable[..., Any]
    schedule: Callable[[datetime], bool] | None  # a Huey crontab, for periodic tasks


@dataclass(frozen=True)
class JobKind:
    """What a job of one kind does with its payload, and how it is retried.

    ``outside`` work (SMTP, webhooks, fetching) is claimed and committed before
    it starts, so no database lock is held while another server answers; a
    worker lost mid-way leaves a lease that expires, and the work runs again
    (at least once). Work inside the database commits with its claim: exactly once.
    """

    name: str
    # Called with the payload and the attempt's time (injected in tests, else now).
    handle: Callable[[dict, datetime], None]
    policy: RetryPolicy = INTERNAL
    outside: bool = False
    # Optional, for outside work claimed in batches: (payloads, now) -> one outcome per
    # payload, None for done or the exception that attempt raised. It lets a kind read
    # and record a whole batch in one transaction each instead of one per job.
    handle_batch: Callable[[list[dict], datetime], list[Exception | None]] | None = None


# How an idle worker polls the queue: Redis blocks on the list and answers at once,
# SQLite is asked again after 50 ms, backing off to once a second (Huey's own default
# backs off to 10 s, a long wait for an email).
POLLING = {"initial_delay": 0.05, "backoff": 1.15, "max_delay": 1.0}

# Ids per queue message for jobs due at once; small enough that a batch's deliveries,
# worked one after another by one thread, still spread over the worker's threads.
BATCH = 20

_TASKS: dict[str, _TaskSpec] = {}
JOB_KINDS: dict[str, JobKind] = {}


def task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` as the task ``name`` on every app's queue."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _TASKS[name] = _TaskSpec(name, func, None)
        return func

    return register


def periodic(name: str, schedule: Callable[[datetime], bool]):
    """Register a task that Huey's own scheduler runs on ``schedule`` (no beat process)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _TASKS[name] = _TaskSpec(name, func, schedule)
        return func

    return register


def job_kind(
    name: str,
    *,
    policy: RetryPolicy = INTERNAL,
    outside: bool = False,
    batch: Callable[[list[dict], datetime], list[Exception | None]] | None = None,
):
    """Register the handler of jobs of kind ``name``: (payload, now), raises to fail.

    ``batch`` optionally handles many payloads of a claimed batch at once (see JobKind).
    """

    def register(handle: Callable[[dict, datetime], None]) -> Callable[[dict, datetime], None]:
        JOB_KINDS[name] = JobKind(name, handle, policy, outside, batch)
        return handle

    return register


def make_queue(url: str, *, name: str = "syndication") -> Huey:
    """The Huey instance for ``url``; results are not kept (tasks record what they did)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url == "memory://":
        return Huey(name, results=False, storage_class=MemoryStorage)
    raise ValueError(f"TASK_QUEUE_URL must be sqlite:///…, redis://… or memory://, not {url!r}")


def init_app(app: Flask) -> None:
    """Build the app's queue and register every task on it, each in the app's context."""
    # The modules that register tasks and job kinds, imported for that side effect.
    from syndication.tasks import (  # noqa: F401
        assets,
        copy_checks,
        imports,
        jobs,
        mail,
        notices,
        requests,
        tracking,
        upkeep,
        webhooks,
    )

    queue = make_queue(app.config["TASK_QUEUE_URL"], name=app.config["TASK_QUEUE_NAME"])
    wrappers: dict[str, TaskWrapper] = {}
    for spec in _TASKS.values():
        run = _in_app_context(app, spec.func)
        if spec.schedule is None:
            wrappers[spec.name] = queue.task(name=spec.name)(run)
        else:
            wrappers[spec.name] = queue.periodic_task(spec.schedule, name=spec.name)(run)
    app.extensions["huey"] = queue
    app.extensions["huey.tasks"] = wrappers
    if not sa.event.contains(Session, "after_commit", _enqueue_after_commit):
        sa.event.listen(Session, "after_commit", _enqueue_after_commit)
        sa.event.listen(Session, "after_soft_rollback", _forget_on_rollback)


def _in_app_context(app: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return func(*args, **kwargs)

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def queue_of(app: Flask) -> Huey:
    """The app's Huey instance."""
    return app.extensions["huey"]


def enqueue(app: Flask, name: str, *args: Any, eta: datetime | None = None) -> None:
    """Hand task ``name`` to the queue now, or at ``eta``."""
    wrapper = app.extensions["huey.tasks"][name]
    if eta is None:
        wrapper(*args)
    else:
        # Huey keeps naive UTC times, and makes them from an aware one to the microsecond; a
        # naive one it would take for local time, and cut to the second (so run early).
        wrapper.schedule(args, eta=eta.astimezone(UTC))


# Jobs written in a transaction wait in session.info (under services.jobs.PENDING_KEY)
# until it commits: a worker must never be handed the id of a row it cannot see yet, or
# of one rolled back.


def _enqueue_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    from flask import current_app

    app = current_app._get_current_object()
    due_now = [job_id for job_id, eta in pending if eta is None]
    messages = [("run_job", job_id, eta) for job_id, eta in pending if eta is not None]
    # Jobs due together travel together: one message per BATCH ids, so a notice to ten
    # thousand holders is a few hundred queue writes, and a worker claims each batch at once.
    for start in range(0, len(due_now), BATCH):
        batch = due_now[start : start + BATCH]
        messages.append(
            ("run_jobs", batch, None) if len(batch) > 1 else ("run_job", batch[0], None)
        )
    for name, argument, eta in messages:
        try:
            enqueue(app, name, argument, eta=eta)
        except Exception:
            # The rows are committed: the sweep hands them to the queue once it is back.
            app.logger.exception("Could not enqueue job(s) %s; the sweep will", argument)


def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def run_now(app: Flask, *, now: datetime | None = None) -> int:
    """Run every task the queue holds, in this thread, as a consumer's worker would.

    For the CLI (`flask worker --drain`) and the tests: the same dequeue and
    execute a worker thread performs. Returns how many tasks ran.
    """
    queue = queue_of(app)
    ran = 0
    # On Redis a dequeue waits up to a second on an empty queue, as a consumer's should:
    # asking first whether anything waits ends the drain at once.
    while queue.pending_count() and (message := queue.dequeue()) is not None:
        queue.execute(message, now)
        ran += 1
    return ran
