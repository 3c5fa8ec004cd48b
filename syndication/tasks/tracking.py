"""Pixel hits leave their buffer for the database in batches (services/pixels.py)."""

from __future__ import annotations

from huey import crontab

from syndication.services import pixels
from syndication.tasks import periodic, task


@task(pixels.FLUSH_TASK)
def flush_hits() -> None:
    """Write what the buffer holds; asked for by the pixel at most once a second."""
    pixels.flush()


@periodic("tracking.flush_hits_sweep", crontab(minute="*"))
def sweep_hits() -> None:
    """Every minute: write what waits (a lost request for a flush, a batch whose flush died)
    and forget the ids of batches written more than a day ago."""
    pixels.flush()
    pixels.prune_batches()
