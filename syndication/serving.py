"""gunicorn's settings for the app servers: ``gunicorn -c python:syndication.serving``.

The rest (bind address, number of processes, logs) comes from the command line
in ``bin/production``, where an operator sets it per machine.
"""

from __future__ import annotations

from syndication import heap


def post_worker_init(worker) -> None:
    """Each gunicorn process, once its app is loaded: its start-up objects frozen
    (:mod:`syndication.heap`), so that the collector walks only what requests make."""
    heap.freeze()
