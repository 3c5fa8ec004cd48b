"""Pixel hits leave their buffer for the database in batches (services/pixels.py)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from syndication import tasks
from syndication.models.base import utcnow
from syndication.services import pixels, use_days, view_months
from syndication.tasks import periodic, task


@task(pixels.FLUSH_TASK)
def flush_hits() -> None:
    """Write what the buffer holds as it starts; asked for by the pixel at most once a second
    (hits pushed meanwhile asked for the next).

    Batches still claimed afterwards belong to a flush running elsewhere, or to
    one that died: look again once their lease has run out (one such look per
    lease, whichever worker asks), rather than leave them to the minute's sweep.
    """
    pixels.flush()
    buffer = pixels.buffer()
    seconds = float(current_app.config["PIXEL_BATCH_LEASE"])
    now = utcnow()
    if buffer.claimed() and buffer.once("recheck", seconds, now.timestamp()):
        app = current_app._get_current_object()
        tasks.enqueue(app, pixels.FLUSH_TASK, eta=now + timedelta(seconds=seconds + 1))


@periodic("tracking.flush_hits_sweep", crontab(minute="*"))
def sweep_hits() -> None:
    """Every minute: write what waits (a lost request for a flush, a batch whose flush died)
    and forget the ids of batches written more than a day ago."""
    pixels.flush()
    pixels.prune_batches()


@periodic("tracking.fold_view_months", crontab(minute="17"))
def fold_view_months() -> None:
    """Hourly: sum the days of every ended month changed since its last fold into the
    monthly roll-ups the reports read long ranges from."""
    view_months.fold()


@periodic("tracking.fold_use_days", crontab(minute="17"))
def fold_use_days() -> None:
    """Hourly: count the grants and downloads of every day ended or changed since the last
    fold into the daily totals the reports read."""
    use_days.fold()
