"""Background jobs in the database: add, claim and run, retry, sweep, and what staff see.

A job row is the truth about work that is due; the queue only carries ids.
:func:`add` writes a row in the caller's transaction and the id reaches the
queue after that commit. :func:`run` claims the row with one conditional UPDATE,
so a second delivery of the same id (the sweep, a duplicate message) finds
nothing to claim and does nothing.
"""

from __future__ import annotations

import os
import random
import socket
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from syndication.extensions import db
from syndication.models import Job, User, WorkerBeat
from syndication.models.base import utcnow
from syndication.policy.jobs import GiveUp, InvalidJobTransition, JobState, RetryAfter, move
from syndication.services import audit
from syndication.services.errors import Conflict, NotFound

if TYPE_CHECKING:
    from syndication.tasks import JobKind

# Where a session keeps the ids of jobs to enqueue once it commits (syndication.tasks
# hands them to the queue in an after_commit hook).
PENDING_KEY = "syndication.jobs_to_enqueue"
# A queued job whose id went to the queue this long ago and is still not done is
# assumed lost (the worker died holding the message) and is enqueued again.
STALE_AFTER = timedelta(minutes=5)
# How long a worker may hold work that talks to another server before it is presumed dead.
LEASE = timedelta(minutes=10)
# A batch claims all its jobs at once and works them one after the other: its lease
# grows by the longest one job may take (the outbound client's total timeout), so the
# last of the batch is not presumed lost while the first ones are still answering.
LEASE_PER_BATCHED_JOB = timedelta(seconds=30)
# How long finished jobs of a batch may wait before they are recorded together; it
# bounds what a worker killed mid-batch does twice (the unrecorded ones run again).
RECORD_EVERY = timedelta(milliseconds=200)
ERROR_LIMIT = 4000


def begin_write() -> None:
    """Start a transaction that will write: on SQLite, one that takes the write lock at BEGIN.

    A deferred SQLite transaction that reads first and writes later is refused
    outright ("database is locked") if another connection wrote in between,
    where BEGIN IMMEDIATE waits its turn. A transaction that has only read so
    far (a view loading the user) is ended first, so the write starts clean.
    """
    if db.engine.dialect.name != "sqlite":
        return
    session = db.session()
    if session.in_transaction():
        if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
            return  # already writing: its lock is taken, or its caller chose otherwise
        session.commit()
    session.connection(execution_options={"sqlite_begin_immediate": True})


# Set when a session flushes, cleared when its transaction ends: whether it has written.
_WROTE = "syndication.wrote"


@sa.event.listens_for(Session, "after_flush")
def _wrote(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(_WROTE, None)


def add(kind: str, payload: dict, *, run_at: datetime | None = None) -> Job:
    """Add a job to the current transaction; its id is enqueued once the caller commits."""
    now = utcnow()
    due = run_at or now
    job = Job(kind=kind, payload=payload, run_at=due, enqueued_at=max(due, now))
    db.session.add(job)
    db.session.flush()
    _enqueue_after_commit(job.id, run_at if run_at and run_at > now else None)
    return job


def add_many(kind: str, payloads: list[dict]) -> list[int]:
    """Add one job per payload, due now, in bulk (a notice to thousands of holders).

    Returns the new jobs' ids in no particular order.
    """
    if not payloads:
        return []
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "payload": payload,
            "state": JobState.QUEUED,
            "attempts": 0,
            "run_at": now,
            "enqueued_at": now,
            "last_error": "",
        }
        for payload in payloads
    ]
    # No ordered RETURNING: SQLite can only keep the order one row per statement, and the
    # queue needs the ids, not their order (many rows per INSERT on both databases).
    ids = list(db.session.scalars(sa.insert(Job).returning(Job.id), rows))
    for job_id in ids:
        _enqueue_after_commit(job_id, None)
    return ids


def add_for_each(kind: str, key: str, ids: sa.Select) -> list[int]:
    """Add one job per id that ``ids`` selects, payload ``{key: id}``, due now.

    One INSERT … SELECT, so the rows never pass through Python: a notice's email
    jobs for ten thousand holders cost what one statement costs.
    """
    now = utcnow()
    found = ids.subquery()
    (id_column,) = found.c
    build = "json_build_object" if db.engine.dialect.name == "postgresql" else "json_object"
    column = Job.__table__.c
    inserted = db.session.scalars(
        sa.insert(Job)
        .from_select(
            ["kind", "payload", "state", "attempts", "run_at", "enqueued_at", "last_error"],
            sa.select(
                sa.literal(kind, column.kind.type),
                getattr(sa.func, build)(key, id_column, type_=sa.JSON),
                sa.literal(JobState.QUEUED, column.state.type),
                sa.literal(0),
                sa.literal(now, column.run_at.type),
                sa.literal(now, column.enqueued_at.type),
                sa.literal(""),
            ),
        )
        .returning(Job.id)
    ).all()
    for job_id in inserted:
        _enqueue_after_commit(job_id, None)
    return list(inserted)


def _enqueue_after_commit(job_id: int, eta: datetime | None) -> None:
    db.session.info.setdefault(PENDING_KEY, []).append((job_id, eta))


def run(
    job_id: int,
    kinds: Mapping[str, JobKind],
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> JobState | None:
    """Run one attempt of the job if it is due and nobody else holds it.

    Returns the job's state afterwards, or None when there was nothing to do
    (already done, failed, not yet due, or claimed by another worker).
    Work inside the database commits together with the claim, so it happens
    exactly once; work that leaves the app is claimed (with a lease) and
    committed first, then done, then recorded.
    """
    now = now or utcnow()
    begin_write()
    job = db.session.get(Job, job_id)
    if job is None:
        db.session.rollback()
        return None
    kind = kinds.get(job.kind)
    if kind is None:
        return _record_failure(job, None, f"No handler for jobs of kind {job.kind!r}", now, rng)
    if not _claim(job, now, lease=LEASE if kind.outside else None):
        db.session.rollback()
        return None
    payload = dict(job.payload)
    if kind.outside:
        db.session.commit()
    try:
        kind.handle(payload, now)
        begin_write()
        _finish(job, now)
        db.session.commit()
    except Exception as exc:
        return _failed(job_id, kind, exc, now, rng)
    return JobState.DONE


def run_batch(
    job_ids: list[int],
    kinds: Mapping[str, JobKind],
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> dict[int, JobState | None]:
    """Run one attempt of each job in ``job_ids``, as :func:`run` would, at a batch's cost.

    Work that leaves the app (webhooks, email) is claimed for the whole batch in
    one UPDATE and recorded done in one more every ``RECORD_EVERY``, instead of
    two write transactions per job: at thousands of deliveries those writes, not
    the network, were the limit. Each job still succeeds, retries or fails on
    its own. Work inside the database keeps its exactly-once path, one job per
    transaction. Returns each id's state afterwards (None: nothing to do).
    """
    now = now or utcnow()
    begin_write()
    found = db.session.execute(sa.select(Job.id, Job.kind).where(Job.id.in_(job_ids))).all()
    outside = [job_id for job_id, kind in found if kind in kinds and kinds[kind].outside]
    results: dict[int, JobState | None] = dict.fromkeys(job_ids)
    claimed: list[tuple[int, str, dict]] = []
    if outside:
        claimed = [
            (row.id, row.kind, dict(row.payload))
            for row in db.session.execute(
                sa.update(Job)
                .where(Job.id.in_(outside), _claimable(now))
                .values(
                    attempts=Job.attempts + 1,
                    state=JobState.RUNNING,
                    lease_until=now + LEASE + LEASE_PER_BATCHED_JOB * len(outside),
                )
                .returning(Job.id, Job.kind, Job.payload)
                .execution_options(synchronize_session=False)
            )
        ]
    db.session.commit()

    by_kind: dict[str, list[tuple[int, dict]]] = {}
    for job_id, kind_name, payload in claimed:
        by_kind.setdefault(kind_name, []).append((job_id, payload))
    done: list[int] = []
    recorded_at = utcnow()
    for kind_name, group in by_kind.items():
        kind = kinds[kind_name]
        for (job_id, _payload), error in zip(group, _attempts(kind, group, now), strict=True):
            if error is not None:
                results[job_id] = _failed(job_id, kind, error, now, rng)
                continue
            done.append(job_id)
            results[job_id] = JobState.DONE
            if utcnow() - recorded_at >= RECORD_EVERY:
                _finish_all(done, now)
                done, recorded_at = [], utcnow()
    _finish_all(done, now)

    batched = set(outside)
    for job_id, _kind in found:
        if job_id not in batched:
            results[job_id] = run(job_id, kinds, now=now, rng=rng)
    return results


def _attempts(
    kind: JobKind, group: list[tuple[int, dict]], now: datetime
) -> Iterator[Exception | None]:
    """One outcome per claimed job of one kind: None when done, else what it raised.

    A kind with a batch handler works the group at once; otherwise each job is
    handled as it is asked for, so finished ones are recorded while the rest run.
    """
    if kind.handle_batch is not None:
        try:
            yield from kind.handle_batch([payload for _, payload in group], now)
        except Exception as exc:  # the batch as a whole failed: every job retries
            yield from [exc] * len(group)
        return
    for _job_id, payload in group:
        try:
            kind.handle(payload, now)
        except Exception as exc:
            yield exc
        else:
            yield None


def _finish_all(job_ids: list[int], now: datetime) -> None:
    """Record claimed jobs done, in one UPDATE (only those still held: RUNNING)."""
    if not job_ids:
        return
    begin_write()
    db.session.execute(
        sa.update(Job)
        .where(Job.id.in_(job_ids), Job.state == JobState.RUNNING)
        .values(state=JobState.DONE, finished_at=now, lease_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _claimable(now: datetime):
    """Due and queued, or running under a lease that ran out (its worker is presumed dead)."""
    return sa.or_(
        sa.and_(Job.state == JobState.QUEUED, Job.run_at <= now),
        sa.and_(Job.state == JobState.RUNNING, Job.lease_until < now),
    )


def renew_lease(job_id: int, *, now: datetime | None = None) -> None:
    """Hold a long piece of work a while longer (in the caller's transaction).

    A handler that commits as it goes (a background import, batch by batch) calls
    this with each commit, so its lease runs out only if its worker stops.
    """
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(lease_until=(now or utcnow()) + LEASE)
        .execution_options(synchronize_session=False)
    )


def _claim(job: Job, now: datetime, *, lease: timedelta | None) -> bool:
    """Take the job for one attempt: one UPDATE that only one worker can win."""
    values: dict = {"attempts": Job.attempts + 1}
    if lease is not None:
        values |= {"state": JobState.RUNNING, "lease_until": now + lease}
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job.id, _claimable(now))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(job)
    return claimed == 1


def _finish(job: Job, now: datetime) -> None:
    job.state = move(job.state, JobState.DONE)
    job.finished_at = now
    job.lease_until = None
    job.last_error = ""


def _failed(
    job_id: int, kind: JobKind, error: Exception, now: datetime, rng: random.Random | None
) -> JobState | None:
    """Record what a handler raised: GiveUp fails the job, RetryAfter sets the next try."""
    db.session.rollback()
    message = "".join(traceback.format_exception_only(error)).strip()
    begin_write()
    return _record_failure(
        db.session.get(Job, job_id),
        kind,
        message,
        now,
        rng,
        give_up=isinstance(error, GiveUp),
        not_before=error.delay if isinstance(error, RetryAfter) else None,
    )


def _record_failure(
    job: Job | None,
    kind: JobKind | None,
    error: str,
    now: datetime,
    rng: random.Random | None,
    *,
    give_up: bool = False,
    not_before: timedelta | None = None,
) -> JobState | None:
    """Count the failed attempt: due again after the policy's backoff, or failed for good."""
    if job is None or job.state in (JobState.DONE, JobState.FAILED):
        db.session.rollback()
        return None
    if kind is not None and not kind.outside:
        # The claim rolled back with the work; count the attempt here.
        job.attempts += 1
    retry_at = (
        kind.policy.next_attempt(job.attempts, now, rng, not_before=not_before)
        if kind and not give_up
        else None
    )
    job.last_error = error[-ERROR_LIMIT:]
    job.lease_until = None
    if retry_at is None:
        job.state = move(job.state, JobState.FAILED)
        job.finished_at = now
    else:
        if job.state is JobState.RUNNING:
            job.state = move(job.state, JobState.QUEUED)
        job.run_at = retry_at
        job.enqueued_at = retry_at
        _enqueue_after_commit(job.id, retry_at)
    db.session.commit()
    return job.state


def sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Enqueue again every due job whose queue message seems lost; returns how many.

    That is a queued job handed to the queue more than STALE_AFTER ago, or a
    running one whose worker's lease ran out. Enqueuing a job that is in fact
    still in the queue costs one no-op run: the claim lets only one through.
    """
    now = now or utcnow()
    stale = now - STALE_AFTER
    begin_write()
    lost = db.session.scalars(
        sa.select(Job)
        .where(
            sa.or_(
                sa.and_(
                    Job.state == JobState.QUEUED,
                    Job.run_at <= now,
                    sa.or_(Job.enqueued_at.is_(None), Job.enqueued_at < stale),
                ),
                sa.and_(Job.state == JobState.RUNNING, Job.lease_until < now),
            )
        )
        .order_by(Job.run_at)
        .limit(limit)
    ).all()
    for job in lost:
        if job.state is JobState.RUNNING:
            # Its worker died mid-attempt; the attempt was counted when it was claimed.
            job.state = move(job.state, JobState.QUEUED)
            job.lease_until = None
        job.enqueued_at = now
        _enqueue_after_commit(job.id, None)
    db.session.commit()
    return len(lost)


def retry(job_id: int, actor: User) -> Job:
    """Staff retry of a failed job: due now, with a fresh count of attempts."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.")
    now = utcnow()
    try:
        job.state = move(job.state, JobState.QUEUED)
    except InvalidJobTransition as exc:
        raise Conflict(str(exc)) from exc
    job.attempts = 0
    job.run_at = now
    job.enqueued_at = now
    job.finished_at = None
    audit.record(actor, "job_retried", job, from_status="failed", to_status="queued")
    _enqueue_after_commit(job.id, None)
    db.session.commit()
    return job


def worker_name() -> str:
    """This process, as the Background work page names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(worker: str, *, now: datetime | None = None) -> None:
    """Record that ``worker`` is alive and running tasks."""
    now = now or utcnow()
    begin_write()
    row = db.session.get(WorkerBeat, worker)
    if row is None:
        db.session.add(WorkerBeat(worker=worker, started_at=now, beat_at=now))
    else:
        row.beat_at = now
    db.session.commit()


def last_beat() -> datetime | None:
    """When any worker last ran its heartbeat."""
    return db.session.scalar(sa.select(sa.func.max(WorkerBeat.beat_at)))


def workers_silent(silent_after: timedelta, *, now: datetime | None = None) -> bool:
    """True when no worker has beaten its heartbeat within ``silent_after``."""
    last = last_beat()
    return last is None or last < (now or utcnow()) - silent_after


@dataclass(frozen=True)
class Overview:
    """The Background work page: workers, what waits, what failed."""

    workers: list[WorkerBeat]
    due: int  # queued and due now
    scheduled: int  # queued for later (retries, embargoes)
    running: int
    done_today: int
    failed: list[Job]
    failed_count: int


def overview(*, now: datetime | None = None, failures: int = 25) -> Overview:
    """Counts by state and the latest failures, for the admin page."""
    now = now or utcnow()
    bucket = sa.case(
        (sa.and_(Job.state == JobState.QUEUED, Job.run_at > now), "scheduled"),
        else_=sa.cast(Job.state, sa.String),
    ).label("bucket")
    counts = dict(
        db.session.execute(
            sa.select(bucket, sa.func.count())
            .where(sa.or_(Job.state != JobState.DONE, Job.finished_at >= now - timedelta(days=1)))
            .group_by(bucket)
        ).all()
    )
    failed = db.session.scalars(
        sa.select(Job)
        .where(Job.state == JobState.FAILED)
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(failures)
    ).all()
    workers = db.session.scalars(
        sa.select(WorkerBeat).order_by(WorkerBeat.beat_at.desc()).limit(50)
    ).all()
    return Overview(
        workers=list(workers),
        due=counts.get(JobState.QUEUED.value, 0),
        scheduled=counts.get("scheduled", 0),
        running=counts.get(JobState.RUNNING.value, 0),
        done_today=counts.get(JobState.DONE.value, 0),
        failed=list(failed),
        failed_count=counts.get(JobState.FAILED.value, 0),
    )
