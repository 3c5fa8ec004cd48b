"""Background work: enqueue-to-done latency and throughput on SQLite and Redis queues.

Run from the project root: ``python bench/tasks.py`` (``--tasks N`` changes the
10,000; ``--postgresql URL`` writes the rows to PostgreSQL instead of SQLite;
``--redis URL`` picks the Redis db, default ``redis://127.0.0.1:6379/7``).

For each queue (SqliteHuey on a file, RedisHuey) and each kind of task (a
no-op; a one-row write: an app context, one INSERT, one COMMIT, as every real
task does) it

* queues N tasks, then starts a consumer with 4 worker threads in this process
  and prints the throughput (tasks per second from its start to the last task
  done);
* then sends 500 tasks one at a time, paced at a quarter of that throughput, and
  prints the enqueue-to-done latency (median and p95), which is what a person
  waiting for an email sees when the queue is not backed up.

In the same run it measures the floor: the same N one-row writes done inline,
one after the other in one thread. Target: Redis throughput of one-row writes
at least 50% of that floor with 4 worker threads.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import threading
import time
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from syndication import create_app, tasks
from syndication.extensions import db
from syndication.models import WorkerBeat

OUT = Path(__file__).resolve().parent / "out"
THREADS = 4
LATENCY_SAMPLES = 500
TARGET_RATIO = 0.5

_done: dict[int, float] = {}
_done_lock = threading.Lock()
_all_done = threading.Event()
_expected = 0


def _finished(i: int) -> None:
    with _done_lock:
        _done[i] = time.perf_counter()
        if len(_done) >= _expected:
            _all_done.set()


@tasks.task("bench_noop")
def bench_noop(i: int) -> None:
    _finished(i)


_row_ids = itertools.count()


def write_row() -> None:
    """The one-row write: what the smallest real task does inside its app context."""
    db.session.add(WorkerBeat(worker=f"bench-{next(_row_ids)}"))
    db.session.commit()


@tasks.task("bench_write")
def bench_write(i: int) -> None:
    try:
        write_row()
    finally:
        _finished(i)


def make_app(database_url: str, queue_url: str):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TASK_QUEUE_URL": queue_url,
            "TASK_QUEUE_NAME": "bench",
        },
    )
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def clear_rows(app) -> None:
    with app.app_context():
        db.session.execute(sa.delete(WorkerBeat).where(WorkerBeat.worker.like("bench-%")))
        db.session.commit()


def inline_floor(app, n: int) -> float:
    """Rows per second written inline, one transaction each, in one thread."""
    clear_rows(app)
    start = time.perf_counter()
    for _ in range(n):
        with app.app_context():
            write_row()
    elapsed = time.perf_counter() - start
    clear_rows(app)
    return n / elapsed


def _reset(expected: int) -> None:
    global _expected
    _done.clear()
    _all_done.clear()
    _expected = expected


def throughput(app, name: str, n: int) -> float:
    """Tasks per second the workers get through: n queued first, from start to the last done.

    The queue is filled before the consumer starts, so the figure is the
    workers' rate, not shared with the producer (in production, the web server).
    """
    _reset(n)
    for i in range(n):
        tasks.enqueue(app, name, i)
    consumer = _consumer(app)
    start = time.perf_counter()
    consumer.start()
    try:
        if not _all_done.wait(timeout=600):
            raise RuntimeError(f"{name}: only {len(_done)} of {n} tasks done in 10 minutes")
        return n / (time.perf_counter() - start)
    finally:
        consumer.stop(graceful=True)


def _consumer(app):
    return tasks.queue_of(app).create_consumer(
        workers=THREADS, periodic=False, worker_type="thread", **tasks.POLLING
    )


def latency(app, name: str, rate: float) -> list[float]:
    """Enqueue-to-done seconds of tasks sent one at a time at ``rate`` per second."""
    _reset(LATENCY_SAMPLES)
    sent: dict[int, float] = {}
    interval = 1 / rate
    next_at = time.perf_counter()
    for i in range(LATENCY_SAMPLES):
        while (now := time.perf_counter()) < next_at:
            time.sleep(min(next_at - now, 0.001))
        sent[i] = time.perf_counter()
        tasks.enqueue(app, name, i)
        next_at += interval
    if not _all_done.wait(timeout=600):
        raise RuntimeError(f"{name}: latency run did not finish")
    return [_done[i] - sent[i] for i in range(LATENCY_SAMPLES)]


def run_queue(label: str, app, n: int, floor: float) -> dict[str, float]:
    queue = tasks.queue_of(app)
    queue.flush()
    results = {}
    try:
        for name in ("bench_noop", "bench_write"):
            clear_rows(app)
            rate = throughput(app, name, n)
            consumer = _consumer(app)
            consumer.start()
            try:
                waits = sorted(latency(app, name, max(rate / 4, 1)))
            finally:
                consumer.stop(graceful=True)
            p95 = waits[int(len(waits) * 0.95) - 1]
            ratio = f"  {rate / floor:5.2f}x the inline floor" if name == "bench_write" else ""
            print(
                f"{label:7} {name.removeprefix('bench_'):6} {rate:9,.0f} tasks/s{ratio}   "
                f"latency median {statistics.median(waits) * 1000:7.1f} ms, "
                f"p95 {p95 * 1000:7.1f} ms"
            )
            results[name] = rate
    finally:
        clear_rows(app)
        queue.flush()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--postgresql", help="write rows to this PostgreSQL database instead")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    database = args.postgresql or f"sqlite:///{OUT / 'tasks-bench.db'}"
    print(
        f"{args.tasks:,} tasks per run, {THREADS} worker threads, rows on "
        f"{sa.make_url(database).get_backend_name()}"
    )

    sqlite_app = make_app(database, f"sqlite:///{OUT / 'tasks-bench-queue.db'}")
    floor = inline_floor(sqlite_app, args.tasks)
    print(f"floor   inline one-row writes {floor:9,.0f} rows/s (one thread, no queue)")
    run_queue("sqlite", sqlite_app, args.tasks, floor)
    redis_app = make_app(database, args.redis)
    redis = run_queue("redis", redis_app, args.tasks, floor)
    ratio = redis["bench_write"] / floor
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"redis one-row writes at {ratio:.0%} of the inline floor: {verdict} the "
        f"{TARGET_RATIO:.0%} target"
    )


if __name__ == "__main__":
    main()
