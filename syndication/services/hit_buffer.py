"""Where pixel hits wait for the flush: the pixel answers without touching the database.

``PIXEL_BUFFER_URL`` chooses the buffer:

* ``redis://host:port/db`` (production; a db number of its own): a Redis list
  every web worker pushes to with a bare RPUSH on a connection of the worker's
  own, sent before the pixel answers and its reply read after the answer has
  gone (:meth:`HitBuffer.settle`), so the reader never waits for Redis; about
  once a second the push also asks whether a flush was asked for (see
  :meth:`RedisHitBuffer.push`). The flush *claims* a batch: one
  Lua script moves up to N hits from the list to a list of the batch's own and
  records the batch, with the time, in a sorted set of claimed batches; all in
  one step, so a hit is always in exactly one place. Only after the batch is
  committed to the database is it *acknowledged* (deleted). A flush killed in
  between leaves the batch claimed; once its lease runs out, the next flush
  re-claims it under the same id, and the database knows whether that id was
  already written (``pixel_batches``): no hit is lost and none counted twice.
  A push whose reply was lost with its connection is sent again, and if the
  first had arrived the list holds that hit twice: each hit carries a key of
  its own (services/pixels.py), and the flush writes a key once.
* ``memory://`` (the embedded default): the same claim/acknowledge protocol on a
  list in this process, flushed by a thread of the web process at least once a
  second (``PIXEL_FLUSH_INTERVAL``). Hits of a process that is killed go with it:
  fine for development, the reason production uses Redis.

The buffer also keeps the day's salt for visitor hashes (:meth:`HitBuffer.salt`):
random, shared by every web worker through Redis, forgotten after two days.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import redis

# A batch's hits go to the database in one transaction (and one Lua call moves them).
BATCH_SIZE = 1000


class Unavailable(Exception):
    """The buffer cannot take a hit now (Redis is down): the pixel still answers."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Hits claimed by one flush, under an id the database records once written."""

    id: str
    records: list[bytes] = field(default_factory=list)


class HitBuffer(Protocol):
    def push(self, record: bytes) -> bool:
        """Add one hit; True when it is the first since the last flush was asked for.

        The hit may still be on its way: :meth:`settle` says whether it arrived."""

    def settle(self) -> None:
        """Wait until the hits this thread pushed are in the buffer; raises
        :class:`Unavailable` for one that could not be (also before the next push)."""

    def salt(self, day: date) -> bytes:
        """The day's random salt for visitor hashes (the same in every web worker)."""

    def claim(self, limit: int, now: float) -> Batch | None:
        """Move up to ``limit`` waiting hits into a new batch; None when none wait."""

    def reclaim(self, now: float, lease: float) -> Batch | None:
        """A batch claimed more than ``lease`` seconds ago and never acknowledged."""

    def ack(self, batch_id: str) -> None:
        """Forget a batch: its hits are in the database."""

    def waiting(self) -> int:
        """Hits not yet in the database: waiting plus claimed."""

    def unclaimed(self) -> int:
        """Hits waiting for a flush to claim them (not those of claimed batches)."""

    def claimed(self) -> int:
        """Batches claimed and not yet acknowledged (being written, or their flush died)."""

    def once(self, name: str, seconds: float, now: float) -> bool:
        """True for the first caller in ``seconds`` (across every process sharing the buffer)."""

    def clear(self) -> None:
        """Drop everything (tests and benchmarks only)."""


def _batch_id() -> str:
    return uuid.uuid4().hex


class MemoryHitBuffer:
    """The embedded default: the claim/acknowledge protocol on lists in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[bytes] = deque()
        self._claimed: dict[str, tuple[float, list[bytes]]] = {}
        self._salts: dict[date, bytes] = {}
        self._asked = False
        self._once: dict[str, float] = {}

    def push(self, record: bytes) -> bool:
        with self._lock:
            self._waiting.append(record)
            first, self._asked = not self._asked, True
            return first

    def settle(self) -> None:
        """Pushed is kept: nothing on its way."""

    def salt(self, day: date) -> bytes:
        with self._lock:
            if day not in self._salts:
                self._salts = {d: s for d, s in self._salts.items() if (day - d).days < 2}
                self._salts[day] = secrets.token_bytes(32)
            return self._salts[day]

    def claim(self, limit: int, now: float) -> Batch | None:
        with self._lock:
            self._asked = False
            if not self._waiting:
                return None
            records = [self._waiting.popleft() for _ in range(min(limit, len(self._waiting)))]
            batch = Batch(_batch_id(), records)
            self._claimed[batch.id] = (now, records)
            return batch

    def reclaim(self, now: float, lease: float) -> Batch | None:
        with self._lock:
            for batch_id, (claimed_at, records) in self._claimed.items():
                if claimed_at <= now - lease:
                    self._claimed[batch_id] = (now, records)
                    return Batch(batch_id, list(records))
        return None

    def ack(self, batch_id: str) -> None:
        with self._lock:
            self._claimed.pop(batch_id, None)

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting) + sum(len(r) for _, r in self._claimed.values())

    def unclaimed(self) -> int:
        with self._lock:
            return len(self._waiting)

    def claimed(self) -> int:
        with self._lock:
            return len(self._claimed)

    def once(self, name: str, seconds: float, now: float) -> bool:
        with self._lock:
            if self._once.get(name, float("-inf")) > now - seconds:
                return False
            self._once[name] = now
            return True

    def clear(self) -> None:
        with self._lock:
            self._waiting.clear()
            self._claimed.clear()
            self._once.clear()
            self._asked = False


# KEYS: waiting list, the batch's list, claimed set. ARGV: limit, now, batch id.
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return items
"""
# KEYS: claimed set. ARGV: key prefix of batch lists, now, lease. The oldest expired
# batch gets a new lease and its hits are returned, its id first.
_RECLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]),
                       'LIMIT', 0, 1)
if #due == 0 then return due end
redis.call('ZADD', KEYS[1], ARGV[2], due[1])
local items = redis.call('LRANGE', ARGV[1] .. due[1], 0, -1)
table.insert(items, 1, due[1])
return items
"""


# How long a request for a flush covers the hits that follow it: the flush task is asked
# for this far ahead (services/pixels.py), and the flag saying it was asked lives as long.
FLUSH_ASKED_FOR = 1.0


class _Pusher:
    """One thread's connection for bare pushes, and the hit sent whose reply is unread."""

    __slots__ = ("connection", "unread")

    def __init__(self, connection: redis.Connection) -> None:
        self.connection = connection
        self.unread: bytes | None = None


class RedisHitBuffer:
    """Production: one Redis list shared by every web worker, claimed in batches."""

    def __init__(self, url: str, prefix: str, *, clock=time.monotonic) -> None:
        self._redis = redis.Redis.from_url(url)
        self._clock = clock
        # The pixel's own connection, one per thread (a bare command on it costs a
        # fraction of the client's pooled call: pool, retries, instrumentation), and
        # the hit pushed on it whose reply is still to read.
        self._local = threading.local()
        # Until then (monotonic), a flush already asked for will write what this
        # process pushes: until the flag in Redis that says so runs out.
        self._covered_until = float("-inf")
        self._waiting = f"{prefix}:hits"
        self._claimed = f"{prefix}:claimed"
        self._batch = f"{prefix}:batch:"
        self._asked = f"{prefix}:flush-asked"
        self._salt = f"{prefix}:salt:"
        self._once = f"{prefix}:once:"
        self._salts: dict[date, bytes] = {}
        self._claim = self._redis.register_script(_CLAIM)
        self._reclaim = self._redis.register_script(_RECLAIM)

    def push(self, record: bytes) -> bool:
        """While a flush already asked for will write the hit, a bare RPUSH, sent without
        waiting for its reply (:meth:`_rpush`); else (about once a second per process) one
        round trip that also sets the flag that a flush was asked for, if absent, and
        reads how long it still lives, which this process then remembers."""
        now = self._clock()
        if now < self._covered_until:
            self._rpush(record)
            return False
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(self._waiting, record)
        pipe.set(self._asked, b"1", nx=True, px=int(FLUSH_ASKED_FOR * 1000))
        pipe.pttl(self._asked)
        try:
            _, first, left_ms = pipe.execute()
        except redis.RedisError as exc:
            raise Unavailable(str(exc)) from exc
        # Whoever set the flag asked for a flush when it runs out; a negative TTL (the flag
        # gone already) covers nothing, so the next hit asks again.
        self._covered_until = now + max(left_ms, 0) / 1000
        return bool(first)

    def _rpush(self, record: bytes) -> None:
        """Send a bare RPUSH and go on: its reply is read by :meth:`settle`, once the
        pixel has answered, or at the latest before this thread's next use of the buffer."""
        self.settle()
        pusher = self._pusher()
        self._send(pusher.connection, record)
        pusher.unread = record

    def settle(self) -> None:
        """Read the reply to this thread's last bare push, if it is still to read. A hit
        lost with its connection is pushed once more on a new one, and waited for. Whether
        the first push arrived cannot be known (the reply may be what was lost): if it did,
        the list holds the hit twice, under one key, and the flush writes it once."""
        pusher = getattr(self._local, "pusher", None)
        if pusher is None or pusher.unread is None:
            return
        record, pusher.unread = pusher.unread, None
        connection = pusher.connection
        try:
            connection.read_response()
            return
        except (redis.ConnectionError, redis.TimeoutError):
            # Mostly a connection the server had closed (a restart, its idle timeout)
            # by the time the command was sent: the command never reached it. Else it
            # did, and the push below is the hit's second (the flush drops it by its key).
            connection.disconnect()
        except redis.RedisError as exc:
            raise Unavailable(str(exc)) from exc
        self._send(connection, record)
        try:
            connection.read_response()
        except redis.RedisError as exc:
            connection.disconnect()
            raise Unavailable(str(exc)) from exc

    def _send(self, connection: redis.Connection, record: bytes) -> None:
        for attempt in (1, 2):
            try:
                connection.send_command("RPUSH", self._waiting, record)
                return
            except redis.ConnectionError as exc:
                # A connection found closed as the command is written: one more try on
                # a new one.
                connection.disconnect()
                if attempt == 2:
                    raise Unavailable(str(exc)) from exc
            except redis.RedisError as exc:
                connection.disconnect()
                raise Unavailable(str(exc)) from exc

    def _pusher(self) -> _Pusher:
        pusher = getattr(self._local, "pusher", None)
        if pusher is None:
            connection = self._redis.connection_pool.make_connection()
            pusher = self._local.pusher = _Pusher(connection)
        return pusher

    def salt(self, day: date) -> bytes:
        known = self._salts.get(day)
        if known is None:
            key = f"{self._salt}{day.isoformat()}"
            try:
                # The first worker to need it makes it; it is gone two days later.
                self._redis.set(key, secrets.token_bytes(32), nx=True, ex=2 * 86400)
                known = self._salts[day] = self._redis.get(key)
            except redis.RedisError as exc:
                raise Unavailable(str(exc)) from exc
            self._salts = {d: s for d, s in self._salts.items() if d >= day}
        return known

    def claim(self, limit: int, now: float) -> Batch | None:
        self.settle()  # what this thread pushed comes first
        batch_id = _batch_id()
        records = self._claim(
            keys=[self._waiting, self._batch + batch_id, self._claimed], args=[limit, now, batch_id]
        )
        return Batch(batch_id, list(records)) if records else None

    def reclaim(self, now: float, lease: float) -> Batch | None:
        found = self._reclaim(keys=[self._claimed], args=[self._batch, now, lease])
        if not found:
            return None
        return Batch(found[0].decode(), list(found[1:]))

    def ack(self, batch_id: str) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._batch + batch_id)
        pipe.zrem(self._claimed, batch_id)
        pipe.execute()

    def waiting(self) -> int:
        self.settle()
        claimed = self._redis.zrange(self._claimed, 0, -1)
        pipe = self._redis.pipeline(transaction=False)
        pipe.llen(self._waiting)
        for batch_id in claimed:
            pipe.llen(self._batch + batch_id.decode())
        return sum(pipe.execute())

    def unclaimed(self) -> int:
        self.settle()
        return self._redis.llen(self._waiting)

    def claimed(self) -> int:
        return self._redis.zcard(self._claimed)

    def once(self, name: str, seconds: float, now: float) -> bool:
        return bool(self._redis.set(self._once + name, b"1", nx=True, px=int(seconds * 1000)))

    def clear(self) -> None:
        self.settle()
        claimed = [self._batch + b.decode() for b in self._redis.zrange(self._claimed, 0, -1)]
        once = list(self._redis.scan_iter(f"{self._once}*"))
        self._redis.delete(self._waiting, self._claimed, self._asked, *claimed, *once)
        self._covered_until = float("-inf")


def make_buffer(url: str, *, prefix: str) -> HitBuffer:
    """The buffer ``PIXEL_BUFFER_URL`` names; ``prefix`` keeps apps sharing a Redis db apart."""
    if url == "memory://":
        return MemoryHitBuffer()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHitBuffer(url, prefix)
    raise ValueError(f"PIXEL_BUFFER_URL must be memory:// or redis://…, not {url!r}")
