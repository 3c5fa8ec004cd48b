"""What one worker process remembers of what it served, bounded by the bytes it holds.

Downloads and feeds are asked for again and again with nothing changed in
between. Each worker keeps what it served under a key, with the fingerprint
of what it was made from; the caller decides, with one cheap statement, whether
that fingerprint still holds. Nothing here is shared between workers or
survives a restart: it is a cache, never the record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache
from flask import Flask

V = TypeVar("V")

# What an entry costs beyond its bytes (key, fingerprint, object headers), roughly.
ENTRY_OVERHEAD = 200


class WorkerMemory(Generic[V]):
    """Entries by key, least recently used first out once ``max_bytes`` is reached."""

    def __init__(self, max_bytes: int, size_of: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._cache: LRUCache[Hashable, V] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: size_of(entry) + ENTRY_OVERHEAD
        )
        # gthread workers serve requests on several threads: LRU updates are not atomic.
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, entry: V) -> None:
        """Remember ``entry`` under ``key``, replacing what was there."""
        if self._size_of(entry) + ENTRY_OVERHEAD > self.max_bytes:
            return  # larger than the whole budget: made or read anew every time
        with self._lock:
            self._cache[key] = entry

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def memory_of(
    app: Flask, name: str, *, megabytes: float, size_of: Callable[[V], int]
) -> WorkerMemory[V]:
    """The app's memory called ``name`` in this worker, made on first use."""
    memory = app.extensions.get(name)
    if memory is None:
        memory = app.extensions[name] = WorkerMemory(int(megabytes * 1024 * 1024), size_of)
    return memory


def forget_everything(app: Flask) -> None:
    """Empty every worker memory of the app (after its database was rolled back, say)."""
    for extension in app.extensions.values():
        if isinstance(extension, WorkerMemory):
            extension.clear()
