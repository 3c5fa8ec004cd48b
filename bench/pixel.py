"""The tracking pixel under load: requests per second against a bare GIF, and not one hit lost.

Run from the project root: ``.venv/bin/python bench/pixel.py`` (PostgreSQL and
Redis on loopback). It creates a PostgreSQL database of its own
(``syndication_bench_pixel``, dropped at the end), prepares it as bench/http.py
does (migrations, demo data, a free grant for the demo partner), and serves
``bench.http_app:app`` with gunicorn, 2 sync workers on 127.0.0.1, with the hit
buffer and the task queue in Redis (``PIXEL_BUFFER_URL``, ``TASK_QUEUE_URL``: one
db, 9 unless ``--redis-db`` names another), keys named after this run; one
``flask worker`` writes the hits. Then, from a few client processes, a fixed number of requests
to each of

* pixel: ``/px/<token>.gif`` with a reader's browser headers and the partner's
  page as ``Referer`` (each request another user agent, so every hit is another
  reader and counts),
* bare: ``/_bench/gif``, the same GIF with the same headers from the same server,

in interleaved rounds, and prints requests, req/s, p50 and p99 (ms) for each,
and the pixel's throughput as a share of the bare endpoint's (target: 60%).

Then it waits for the worker's flush and counts what reached the database:
raw hits, counted views in the daily roll-up and the copy's views, each against
the pixel requests answered (target: equal: not one hit lost, none twice).
A second run does the same while the worker is killed (SIGKILL) at a moment it
holds a claimed batch, and started again: the batch is claimed again after its
lease (``PIXEL_BATCH_LEASE``, 3 s here) and written once.

The load is bounded (fixed counts, a time cap), loopback only; the server, the
worker, the database and the Redis keys are removed at the end, also on errors.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/pixel.py` puts bench/ first on sys.path, where bench/http.py would stand
# in for the standard library's `http` package; only the root belongs there.
for entry in [p for p in sys.path if Path(p or ".").resolve() == HERE]:
    sys.path.remove(entry)
sys.path.insert(0, str(ROOT))


import sqlalchemy as sa

from bench.http import OUT, Result, Server, Target, free_port, prepare, request
from bench.http import load as http_load

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "syndication_bench_pixel"
REDIS = "redis://127.0.0.1:6379"
# One Redis db for the buffer and the queue: their keys carry this run's name, so they never
# meet; the number is kept off the ones the other benches and the test suite use.
REDIS_DB = 9
REQUESTS = 8_000  # per target, over every round
KILL_REQUESTS = 6_000
CONCURRENCY = 4
ROUNDS = 4
TIME_CAP = 120.0
TARGET_RATIO = 0.60
LEASE = 3.0
SECRET = "bench-pixel-secret"
WORKER_LOG = OUT / "pixel-worker.log"
PAGE = "https://lonestarledger.example/2026/12/07/story/?utm_source=newsletter"
AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.{client}.{n} Safari/537.36"
)


# --- the load: one user agent per request, so each hit is another reader ------------------


_CLIENT_IDS = iter(range(1, 1_000_000))


def load(port: int, target: Target, count: int, *, vary: bool) -> Result:
    """``count`` requests from CONCURRENCY client processes started together (bench/http.py's
    loop), each client a reader of its own, and with ``vary`` each request too (a new visitor,
    so none is a repeat that the pixel would not count)."""
    readers = [next(_CLIENT_IDS) for _ in range(CONCURRENCY)]

    def headers_of(client: int, n: int) -> dict[str, str]:
        agent = AGENT.format(client=readers[client], n=n if vary else 0)
        return {"Referer": PAGE, "User-Agent": agent}

    return http_load(port, target, count, CONCURRENCY, TIME_CAP, headers_of)


# --- the worker ------------------------------------------------------------------------


class Worker:
    """One `flask worker` (Huey consumer, 2 threads) writing the hits; killable, restartable."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = WORKER_LOG.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker", "--threads", "2"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no chance to finish or acknowledge what it holds."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


# --- counting what reached the database ----------------------------------------------------


def counts(engine: sa.Engine, grant_id: int) -> tuple[int, int, int]:
    """(raw hits written, counted views in the article roll-up, the copies' views)."""
    with engine.connect() as conn:
        hits = conn.scalar(
            sa.text("SELECT count(*) FROM pixel_hits WHERE grant_id = :g"), {"g": grant_id}
        )
        rolled = conn.scalar(
            sa.text("SELECT coalesce(sum(counted), 0) FROM daily_grant_views WHERE grant_id = :g"),
            {"g": grant_id},
        )
        views = conn.scalar(
            sa.text("SELECT coalesce(sum(views), 0) FROM copies WHERE grant_id = :g"),
            {"g": grant_id},
        )
    return hits, rolled, views


def wait_until_written(buffer, engine, grant_id: int, expected: int, timeout: float) -> float:
    """Seconds until the buffer is empty and the rows are in (or the timeout)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if buffer.waiting() == 0 and counts(engine, grant_id)[0] >= expected:
            break
        time.sleep(0.2)
    return time.monotonic() - began


def report(label: str, sent: int, before: tuple[int, int, int], after: tuple[int, int, int]):
    hits, rolled, views = (a - b for a, b in zip(after, before, strict=True))
    print(f"{label}: pixel requests answered {sent:,}")
    for name, n in (("raw hits written", hits), ("counted views (roll-up)", rolled)):
        print(f"  {name:26} {n:,} of {sent:,}, duplicates {max(0, n - sent)}")
    print(f"  {'views on the copy':26} {views:,} of {sent:,}")
    ok = hits == rolled == views == sent
    print(f"  {'not one hit lost' if ok else 'MISSED: hits lost or counted twice'}")
    return ok


# --- the run ----------------------------------------------------------------------------


def line(result: Result) -> str:
    errors = f"  errors {result.errors}" if result.errors else ""
    capped = "  (time cap)" if result.capped else ""
    return (
        f"{result.target.name:8} {len(result.latencies):>7,} {result.throughput:>9,.0f}"
        f" {result.percentile(50):>7.2f} {result.percentile(99):>7.2f}{errors}{capped}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--kill-requests", type=int, default=KILL_REQUESTS)
    parser.add_argument("--redis-db", type=int, default=REDIS_DB)
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    WORKER_LOG.unlink(missing_ok=True)
    name = f"bench-pixel-{os.getpid()}"
    database_url = sa.make_url(PG_ADMIN).set(database=PG_DATABASE).render_as_string(False)
    buffer_url = queue_url = f"{REDIS}/{args.redis_db}"
    settings = {
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "PIXEL_BUFFER_URL": buffer_url,
        "TASK_QUEUE_URL": queue_url,
        "TASK_QUEUE_NAME": name,
        "PIXEL_BATCH_LEASE": str(LEASE),
        "FLASK_APP": "syndication",
    }
    os.environ.update(settings)  # prepare() and the token below build the app from these
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    engine = sa.create_engine(database_url)
    port = free_port()
    worker = Worker({**os.environ, **settings, "SYNDICATION_CONFIG": "development"})
    buffer = None
    ok = False
    try:
        print(f"Preparing {PG_DATABASE} (migrations, demo data, a grant)…", flush=True)
        fixture = prepare(port, database_url)

        from syndication import create_app
        from syndication.services import pixels
        from syndication.services.hit_buffer import RedisHitBuffer

        app = create_app("development")
        with app.app_context():
            path = "/" + pixels.pixel_url(fixture.grant_id).split("/", 3)[3]
        buffer = RedisHitBuffer(buffer_url, prefix=f"{name}:pixel")
        pixel = Target("pixel", path, {})
        bare = Target("bare", "/_bench/gif", {})

        worker.start()
        with Server(port, database_url, 2, "sync", 1, **settings):
            for target in (pixel, bare):  # warm both workers; these pixel hits count too
                for n in range(20):
                    headers = {"Referer": PAGE, "User-Agent": AGENT.format(client=0, n=n)}
                    status, _, body = request("GET", target.path, port=port, headers=headers)
                    assert status == 200 and body == pixels.PIXEL_GIF, f"{target.name}: {status}"
            warmed = 20
            totals = {"pixel": Result(pixel), "bare": Result(bare)}
            per_round = args.requests // ROUNDS
            for _ in range(ROUNDS):
                for target in (pixel, bare):
                    totals[target.name].add(load(port, target, per_round, vary=True))
            print(
                f"\ngunicorn, 2 sync workers, PostgreSQL + Redis, {CONCURRENCY} clients, "
                f"{ROUNDS} interleaved rounds"
            )
            print(f"{'target':8} {'requests':>7} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
            for result in totals.values():
                print(line(result))
            # Others' work on the machine skews the figures: the load says how much.
            print("load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
            ratio = totals["pixel"].throughput / totals["bare"].throughput
            verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
            print(f"pixel at {ratio:.0%} of the bare GIF (target: {TARGET_RATIO:.0%}, {verdict})\n")

            sent = warmed + len(totals["pixel"].latencies)
            took = wait_until_written(buffer, engine, fixture.grant_id, sent, 60)
            after_first = counts(engine, fixture.grant_id)
            print(f"Written {took:.1f} s after the load ended.")
            first_ok = report("Steady run", sent, (0, 0, 0), after_first)

            # The same load while the worker is killed holding a claimed batch, then started.
            done = threading.Event()
            kill_result: list[Result] = []

            def run() -> None:
                kill_result.append(load(port, pixel, args.kill_requests, vary=True))
                done.set()

            thread = threading.Thread(target=run)
            thread.start()
            claimed = 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not done.is_set():
                batches = buffer._redis.zrange(f"{name}:pixel:claimed", 0, -1)
                if batches:
                    worker.kill()
                    claimed = sum(
                        buffer._redis.llen(f"{name}:pixel:batch:{b.decode()}") for b in batches
                    )
                    break
                time.sleep(0.005)
            time.sleep(1.0)
            worker.start()
            thread.join()
            print(
                f"\nKill run: the worker was killed (SIGKILL) mid-load holding {claimed:,} claimed"
                " hits not yet written, and started again 1 s later"
            )
            sent_kill = len(kill_result[0].latencies)
            took = wait_until_written(
                buffer, engine, fixture.grant_id, sent + sent_kill, 60 + LEASE
            )
            print(f"Written {took:.1f} s after the load ended.")
            kill_ok = report("Kill run", sent_kill, after_first, counts(engine, fixture.grant_id))
            ok = first_ok and kill_ok and ratio >= TARGET_RATIO
    finally:
        worker.stop()
        engine.dispose()
        if buffer is not None:
            buffer.clear()
            keys = buffer._redis.keys(f"{name}:pixel:*")
            if keys:
                buffer._redis.delete(*keys)
        import redis

        queue = redis.Redis.from_url(queue_url)
        # The queue's keys carry the name as Huey cleans it (letters, digits, underscores).
        keys = queue.keys(f"*{name}*") + queue.keys(f"huey.*.{re.sub(r'[^A-Za-z0-9_]', '', name)}")
        if keys:
            queue.delete(*keys)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
