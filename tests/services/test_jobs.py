"""Background work: the outbox, claims, retries with backoff, the sweep, a killed worker."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Job, Role
from syndication.models.base import utcnow
from syndication.policy.jobs import (
    OUTSIDE_WORLD,
    InvalidJobTransition,
    JobState,
    RetryPolicy,
    move,
)
from syndication.services import jobs, mail
from syndication.tasks import JOB_KINDS, JobKind, enqueue, queue_of
from tests.conftest import ROOT
from tests.factories import PASSWORD
from tests.services.test_partners import _form

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def email_job(to: str = "ed@p.example") -> Job:
    return jobs.add(
        mail.JOB_KIND, {"to": to, "subject": "Hello", "text": "Hello.", "html": "<p>Hello.</p>"}
    )


# The policy, pure


def test_backoff_grows_by_the_factor_and_stops_at_the_cap():
    policy = RetryPolicy(
        max_attempts=10, base=timedelta(seconds=30), factor=4, cap=timedelta(hours=1)
    )
    assert [policy.ceiling(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        30,
        120,
        480,
        1920,
        3600,
    ]


def test_jitter_keeps_each_retry_between_half_and_all_of_its_ceiling():
    rng = random.Random(7)
    for attempt in range(1, OUTSIDE_WORLD.max_attempts):
        ceiling = OUTSIDE_WORLD.ceiling(attempt)
        for _ in range(200):
            wait = OUTSIDE_WORLD.next_attempt(attempt, T0, rng) - T0
            assert ceiling / 2 <= wait <= ceiling


def test_no_retry_after_the_last_attempt():
    assert OUTSIDE_WORLD.next_attempt(OUTSIDE_WORLD.max_attempts, T0) is None


def test_a_done_job_never_runs_again_and_only_a_failed_one_is_retried():
    with pytest.raises(InvalidJobTransition):
        move(JobState.DONE, JobState.QUEUED)
    assert move(JobState.FAILED, JobState.QUEUED) is JobState.QUEUED


# The outbox


def test_an_email_is_a_job_sent_only_by_the_worker(client, mailbox, worker):
    assert client.post("/apply", data=_form()).status_code == 302
    queued = db.session.scalars(sa.select(Job).where(Job.kind == mail.JOB_KIND)).all()
    assert [job.payload["to"] for job in queued] == ["rita@riversidecourier.example"]
    assert mailbox.messages == [], "the page answered before anything was sent"
    assert worker.drain() >= 1
    assert len(mailbox.to("rita@riversidecourier.example")) == 1
    db.session.refresh(queued[0])
    assert queued[0].state is JobState.DONE


def test_a_job_of_a_rolled_back_transaction_is_never_queued(app, worker):
    email_job()
    db.session.rollback()
    assert worker.pending() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_the_same_job_delivered_twice_runs_once(mailbox, worker):
    job = email_job()
    db.session.commit()
    assert jobs.run(job.id, JOB_KINDS) is JobState.DONE
    assert jobs.run(job.id, JOB_KINDS) is None
    assert worker.drain() == 1  # the queue's own message: finds nothing to claim
    assert len(mailbox.to("ed@p.example")) == 1


def test_failing_three_times_then_succeeding_follows_the_backoff(mailbox, worker):
    job = email_job()
    db.session.commit()
    mailbox.refuse_next = 3  # the SMTP server answers 451 three times
    rng, expected = random.Random(42), random.Random(42)
    now, attempts_at = job.run_at, []
    for _ in range(3):
        attempts_at.append(now)
        assert jobs.run(job.id, JOB_KINDS, now=now, rng=rng) is JobState.QUEUED
        db.session.refresh(job)
        assert "451" in job.last_error
        # Not due before its time: an early delivery of the id does nothing.
        assert jobs.run(job.id, JOB_KINDS, now=job.run_at - timedelta(seconds=1)) is None
        now = job.run_at
    attempts_at.append(now)
    assert jobs.run(job.id, JOB_KINDS, now=now, rng=rng) is JobState.DONE
    db.session.refresh(job)
    assert job.attempts == 4
    assert job.last_error == ""
    waits = [later - earlier for earlier, later in itertools.pairwise(attempts_at)]
    assert waits == [OUTSIDE_WORLD.next_attempt(n, T0, expected) - T0 for n in (1, 2, 3)]
    for n, wait in enumerate(waits, start=1):
        assert OUTSIDE_WORLD.ceiling(n) / 2 <= wait <= OUTSIDE_WORLD.ceiling(n)
    assert len(mailbox._to("ed@p.example")) == 1
    # Each retry went to the queue with its due time.
    assert queue_of(worker.app).scheduled_count() + worker.pending() >= 3


def test_out_of_attempts_the_job_fails_with_its_last_error_and_staff_can_retry(
    mailbox, worker, make_user
):
    job = email_job()
    db.session.commit()
    mailbox.refuse_next = OUTSIDE_WORLD.max_attempts
    now = job.run_at
    for _ in range(OUTSIDE_WORLD.max_attempts):
        state = jobs.run(job.id, JOB_KINDS, now=now, rng=random.Random(1))
        db.session.refresh(job)
        now = job.run_at
    assert state is JobState.FAILED
    assert job.finished_at is not None and "451" in job.last_error
    assert jobs.overview().failed == [job]

    admin = make_user(role="admin")
    jobs.retry(job.id, admin)
    assert job.state is JobState.QUEUED and job.attempts == 0
    worker.drain()
    assert len(mailbox._to("ed@p.example")) == 1
    db.session.refresh(job)
    assert job.state is JobState.DONE


def test_jobs_due_together_reach_the_queue_in_batches_and_all_run(mailbox, worker):
    ids = jobs.add_many(
        mail.JOB_KIND,
        [
            {"to": f"ed{i}@p.example", "subject": "Hi", "text": "Hi.", "html": "<p>Hi.</p>"}
            for i in range(45)
        ],
    )
    db.session.commit()
    assert worker.pending() == 3, "45 ids in messages of 20, 20 and 5"
    assert worker.drain() == 3
    assert sum(len(mailbox.to(f"ed{i}@p.example")) for i in range(45)) == 45
    states = db.session.scalars(sa.select(Job.state).where(Job.id.in_(ids))).all()
    assert set(states) == {JobState.DONE}


def test_a_batch_delivered_twice_sends_each_job_once(mailbox, worker):
    batch = [email_job(f"b{i}@p.example").id for i in range(3)]
    db.session.commit()
    assert jobs.run_batch(batch, JOB_KINDS) == dict.fromkeys(batch, JobState.DONE)
    assert jobs.run_batch(batch, JOB_KINDS) == dict.fromkeys(batch, None)
    assert [len(mailbox.to(f"b{i}@p.example")) for i in range(3)] == [1, 1, 1]


def test_one_failing_job_of_a_batch_is_retried_alone(mailbox, worker):
    first, second = email_job("one@p.example"), email_job("two@p.example")
    db.session.commit()
    mailbox.refuse_next = 1  # the first message of the batch gets a 451
    results = jobs.run_batch([first.id, second.id], JOB_KINDS, rng=random.Random(3))
    assert results == {first.id: JobState.QUEUED, second.id: JobState.DONE}
    db.session.refresh(first)
    assert "451" in first.last_error and first.attempts == 1 and first.run_at > utcnow()
    assert first.lease_until is None
    assert len(mailbox.to("two@p.example")) == 1


def test_a_batch_leaves_jobs_not_yet_due_and_runs_database_work_exactly_once(app, worker):
    def schedule_email(payload, now):  # work inside the database: commits with its claim
        jobs.add(mail.JOB_KIND, {"to": payload["to"], "subject": "s", "text": "t", "html": "h"})

    kinds = {**JOB_KINDS, "schedule-email": JobKind("schedule-email", schedule_email)}
    inside = jobs.add("schedule-email", {"to": "in@p.example"})
    later = jobs.add(mail.JOB_KIND, {"to": "x@p.example"}, run_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert jobs.run_batch([inside.id, later.id], kinds) == {
        inside.id: JobState.DONE,
        later.id: None,
    }
    assert jobs.run_batch([inside.id, later.id], kinds) == {inside.id: None, later.id: None}
    emails = db.session.scalars(sa.select(Job).where(Job.kind == mail.JOB_KIND)).all()
    assert [job.payload["to"] for job in emails] == ["x@p.example", "in@p.example"]
    db.session.refresh(later)
    assert later.state is JobState.QUEUED and later.attempts == 0


def test_an_unknown_kind_fails_at_once_with_the_reason(app):
    job = jobs.add("no-such-kind", {})
    db.session.commit()
    assert jobs.run(job.id, JOB_KINDS) is JobState.FAILED
    assert "no-such-kind" in job.last_error


def test_the_sweep_requeues_a_lost_job_and_a_lapsed_lease_but_not_a_fresh_one(app, worker):
    lost, fresh, lapsed = email_job(), email_job(), email_job()
    db.session.commit()
    queue_of(app).flush()  # the three messages are lost with the queue
    lost.enqueued_at = T0 - jobs.STALE_AFTER - timedelta(seconds=1)
    lost.run_at = fresh.run_at = lapsed.run_at = T0 - timedelta(hours=1)
    fresh.enqueued_at = T0
    lapsed.state, lapsed.lease_until = JobState.RUNNING, T0 - timedelta(seconds=1)
    db.session.commit()
    assert jobs.sweep(now=T0) == 2
    assert worker.pending() == 1, "the two found together go to the queue together"
    assert jobs.sweep(now=T0) == 0, "what was just enqueued is not enqueued again"


def test_the_heartbeat_tells_whether_a_worker_is_alive(app):
    assert jobs.workers_silent(timedelta(minutes=2), now=T0)
    jobs.beat("web-1:42", now=T0)
    assert not jobs.workers_silent(timedelta(minutes=2), now=T0 + timedelta(minutes=1))
    assert jobs.workers_silent(timedelta(minutes=2), now=T0 + timedelta(minutes=3))


# A real consumer, killed


def _worker_process(app, smtp_port: int) -> subprocess.Popen:
    """`flask worker` on the app's database and queue, as `make run` starts it."""
    env = {
        **os.environ,
        "FLASK_APP": "syndication",
        "SYNDICATION_CONFIG": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASK_QUEUE_URL": app.config["TASK_QUEUE_URL"],
        "TASK_QUEUE_NAME": app.config["TASK_QUEUE_NAME"],
        "MAIL_PORT": str(smtp_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--threads", "1", "--no-periodic"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen, needle: str) -> None:
    for line in process.stderr:
        if needle in line:
            return
    raise AssertionError(f"the worker exited before logging {needle!r}")


def _hold_the_job(conn: sa.Connection, job_id: int) -> None:
    """Keep the job's row locked, so a worker's claim waits and cannot commit."""
    conn.begin()  # on SQLite, BEGIN IMMEDIATE: the database's write lock
    if conn.dialect.name != "sqlite":
        conn.execute(sa.text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": job_id})


def test_a_worker_killed_before_it_commits_loses_nothing_and_sends_once(separate_app, smtp_server):
    mailbox, port = smtp_server
    address = f"killed-{os.getpid()}@p.example"
    with separate_app.app_context():
        job_id = email_job(address).id
        db.session.commit()  # a real commit: the worker process must see it
        queue_of(separate_app).flush()  # handed to the queue below, once the lock is held

        first = _worker_process(separate_app, port)
        holder = db.engine.connect().execution_options(sqlite_begin_immediate=True)
        try:
            _wait_for_line(first, "Huey consumer started")
            _hold_the_job(holder, job_id)
            enqueue(separate_app, "run_job", job_id)
            _wait_for_line(first, "Executing syndication.tasks.run_job")
            first.send_signal(signal.SIGKILL)  # mid-claim: nothing it did commits
            first.wait(timeout=30)
        finally:
            holder.rollback()
            holder.close()
        assert queue_of(separate_app).pending_count() == 0, "its message died with it"
        assert db.session.get(Job, job_id).state is JobState.QUEUED
        db.session.rollback()  # end the read, as a task's own context would

        second = _worker_process(separate_app, port)
        try:
            _wait_for_line(second, "Huey consumer started")
            # A minute-by-minute sweep, run here at a time past the staleness limit.
            assert jobs.sweep(now=utcnow() + jobs.STALE_AFTER + timedelta(minutes=1)) >= 1
            received = mailbox.wait_for(address)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=30)
        assert len(received) == 1
        db.session.expire_all()
        done = db.session.get(Job, job_id)
        assert done.state is JobState.DONE
        assert done.attempts == 1, "the killed attempt rolled back with its claim"


# What staff see


def test_admins_see_workers_counts_and_failures_and_retry_one(client, auth, make_user, worker):
    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    jobs.beat("worker-host:7")
    failed = jobs.add("no-such-kind", {})
    db.session.commit()
    jobs.run(failed.id, JOB_KINDS)
    queue_of(worker.app).flush()  # its first message, run by hand above
    page = client.get("/staff/background").get_data(as_text=True)
    assert "worker-host:7" in page and "alive" in page
    assert "no-such-kind" in page and f"Retry job #{failed.id}" in page
    assert "No background worker has run" not in page

    response = client.post(f"/staff/background/jobs/{failed.id}/retry")
    assert response.status_code == 302
    db.session.refresh(failed)
    assert failed.state is JobState.QUEUED
    assert worker.pending() == 1


def test_every_staff_page_warns_when_no_worker_has_run_for_two_minutes(client, auth, make_user):
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    assert "No background worker has run" in client.get("/staff/").get_data(as_text=True)
    jobs.beat("worker-host:7", now=utcnow() - timedelta(minutes=3))
    assert "No background worker has run" in client.get("/staff/partners").get_data(as_text=True)
    jobs.beat("worker-host:7")
    assert "No background worker has run" not in client.get("/staff/").get_data(as_text=True)


def test_plain_staff_cannot_retry_jobs(client, auth, make_user):
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    job = jobs.add("no-such-kind", {})
    db.session.commit()
    jobs.run(job.id, JOB_KINDS)
    assert client.post(f"/staff/background/jobs/{job.id}/retry").status_code == 403
    db.session.refresh(job)
    assert job.state is JobState.FAILED


def test_retrying_a_job_that_has_not_failed_is_refused_in_words(client, auth, make_user):
    make_user(Role.ADMIN, email="boss@example.org")
    auth.login("boss@example.org", PASSWORD)
    job = email_job()
    db.session.commit()
    response = client.post(f"/staff/background/jobs/{job.id}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert "cannot become queued" in response.get_data(as_text=True)
