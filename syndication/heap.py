"""A server process's start-up objects, kept out of the garbage collector's passes.

A process that serves the app imports it, its libraries and their caches once: a
quarter of a million tracked objects that live as long as the process does.
CPython's full collections walk every tracked object, so a request that makes
many small containers (a correction's thousands of packages, each grant's terms
read from JSON) pays for walking all of those again and again, for nothing. Once
frozen (:func:`gc.freeze`) they are left out, and the collector walks only what
requests make: reading the inputs of 10,000 corrected packages took about half
the time (``bench/notices.py``).

Called once a process has made its app: gunicorn's ``post_worker_init`` hook
(:mod:`syndication.serving`) and the background worker's start (``flask worker``).
"""

from __future__ import annotations

import gc


def freeze() -> int:
    """Collect what start-up left behind, then freeze every object alive now.

    Returns how many objects are frozen. Objects frozen are never collected, so
    call it once, when what is alive is what the process keeps: after its app is
    made, before it serves.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
