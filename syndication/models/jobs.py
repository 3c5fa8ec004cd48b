"""Background work as rows: the outbox the queue carries ids of, and the workers' heartbeats."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from syndication.extensions import db
from syndication.models.base import TimestampMixin, UTCDateTime, enum_column, utcnow
from syndication.policy.jobs import JobState


class Job(TimestampMixin, db.Model):
    """One piece of work due after a request: written in the transaction that caused it.

    The queue only carries the id; this row says what is due and when, so a
    lost queue message delays the work (the sweep enqueues it again) and never
    loses it. ``kind`` names the handler in ``syndication.tasks``.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        # The sweep's question: what is due and not done, oldest first.
        sa.Index("ix_jobs_state_run_at", "state", "run_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, "job_state"), default=JobState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # When the next attempt is due; the sweep enqueues again what is overdue.
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the queue was last handed this job's id.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A running attempt that outlives this was lost with its worker.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerBeat(db.Model):
    """The last time each worker process ran its heartbeat task."""

    __tablename__ = "worker_beats"

    worker: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: every staff page asks for the latest (one row per worker process ever run).
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
