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

Frozen objects do not count towards the "wait until a quarter more has survived"
rule that spaces CPython's full collections, so in a frozen process they come
often, each walking whatever the work in hand holds: a batch of grants' inputs
read for their packages. :func:`paused` holds the collector off while such a
batch of acyclic data is made.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pausing = 0  # how many paused() blocks are open, in any thread


def freeze() -> int:
    """Collect what start-up left behind, then freeze every object alive now.

    Returns how many objects are frozen. Objects frozen are never collected, so
    call it once, when what is alive is what the process keeps: after its app is
    made, before it serves.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@contextmanager
def paused() -> Iterator[None]:
    """The collector's automatic passes held off while a bounded batch of data is made.

    For work that makes many containers that all stay alive (rows turned into
    packages' inputs) and no cycles: each pass over them would find nothing to
    free. Reading 10,000 grants' inputs spent about a third of its time in such
    passes (``bench/notices.py``). The collector is given back when the last open
    block in any thread ends; one that was off before stays off. Cyclic garbage
    made meanwhile is collected by the next pass after it.
    """
    global _pausing
    with _lock:
        ours = _pausing > 0 or gc.isenabled()
        if ours:
            _pausing += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _lock:
                _pausing -= 1
                if _pausing == 0:
                    gc.enable()
