"""Staff pages: Background work (the worker's heartbeat, the queue, failed jobs)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from syndication import tasks
from syndication.errors import redirect_refusals
from syndication.models.base import utcnow
from syndication.services import jobs
from syndication.views.access import admin_required
from syndication.views.forms import ActionForm
from syndication.views.staff import bp


def _silent_after() -> timedelta:
    return timedelta(seconds=current_app.config["WORKER_SILENT_AFTER"])


@bp.context_processor
def _worker_warning() -> dict:
    # Called by base.html on staff pages only: one small query, and only when rendered.
    return {"workers_silent": lambda: jobs.workers_silent(_silent_after())}


@bp.route("/background")
@admin_required
def background():
    queue = tasks.queue_of(current_app)
    try:
        in_queue = {"pending": queue.pending_count(), "scheduled": queue.scheduled_count()}
    except Exception:  # the queue's server is down: say so rather than fail the page
        current_app.logger.exception("Could not read the task queue")
        in_queue = None
    return render_template(
        "staff/background.html",
        overview=jobs.overview(),
        in_queue=in_queue,
        silent_after=_silent_after(),
        now=utcnow(),
        form=ActionForm(),
    )


@bp.route("/background/jobs/<int:job_id>/retry", methods=["POST"])
@admin_required
@redirect_refusals("staff.background")
def retry_job(job_id: int):
    if ActionForm().validate_on_submit():
        jobs.retry(job_id, current_user)
        flash(f"Job #{job_id} is queued again.", "success")
    return redirect(url_for("staff.background"))
