"""The task that runs a job row, and the sweep that hands overdue rows to the queue again."""

from __future__ import annotations

from huey import crontab

from syndication.services import jobs
from syndication.tasks import JOB_KINDS, periodic, task


@task("run_job")
def run_job(job_id: int) -> None:
    """Run job ``job_id`` if it is still due; safe to run twice (the claim decides)."""
    jobs.run(job_id, JOB_KINDS)


@task("run_jobs")
def run_jobs(job_ids: list[int]) -> None:
    """Run a batch of jobs that fell due together (a notice's deliveries); each on its own."""
    jobs.run_batch(job_ids, JOB_KINDS)


@periodic("sweep_jobs", crontab(minute="*"))
def sweep_jobs() -> None:
    """Every minute: enqueue again the due jobs whose queue message was lost."""
    jobs.sweep()
