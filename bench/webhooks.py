"""Webhook delivery: throughput to a local HTTPS receiver, and a worker killed mid-run.

Run from the project root: ``python bench/webhooks.py`` (``--deliveries N`` changes
the 3,000; ``--redis URL`` picks the queue, default ``redis://127.0.0.1:6379/6``;
``--postgresql URL`` keeps the rows in PostgreSQL instead of a SQLite file).

A receiver on 127.0.0.1 (HTTPS, a certificate from a CA made for the run, as in
the tests) answers 200 and counts every ``webhook-id`` it gets. Then:

1. the baseline: the same N signed POSTs sent in a bare loop, one after the
   other, with the app's own outbound client;
2. throughput: N deliveries are queued (``services.webhooks.queue_event``), then a
   real ``flask worker`` process with its default threads works them; figure:
   deliveries per second from its start to the receiver holding all N;
3. a worker killed mid-run: N more are queued, the worker is killed (SIGKILL)
   once about a third have arrived, the sweep that would run after the dead
   worker's lease runs at once with its clock moved past the lease, a new worker
   starts, and the receiver says ``delivered N of N, duplicates D``.

Target: at least 300 webhooks/s on Redis; N of N after the kill (duplicates
allowed, counted: a worker killed between the POST and its commit sends again).
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(ROOT)

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa
import trustme
from flask_migrate import upgrade

from config import TestingConfig
from syndication import create_app
from syndication.delivery import webhooks as wire
from syndication.extensions import db
from syndication.models import OutletType, Partner, PartnerStatus
from syndication.models.base import utcnow
from syndication.services import jobs, outbound, webhooks
from syndication.tasks import BATCH, queue_of

TARGET = 300.0
QUEUE_NAME = "bench-webhooks"


class Counting:
    """An HTTPS receiver on loopback that answers 200 and counts webhook-ids."""

    def __init__(self, ca: trustme.CA) -> None:
        self.seen: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.changed:
                    receiver.seen[self.headers.get("webhook-id", "")] += 1
                    receiver.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def distinct(self, ids: set[str]) -> int:
        with self.lock:
            return sum(1 for i in ids if self.seen[i])

    def wait_for(self, ids: set[str], count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while sum(1 for i in ids if self.seen[i]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.5))
        return True

    def duplicates(self, ids: set[str]) -> int:
        with self.lock:
            return sum(max(self.seen[i] - 1, 0) for i in ids)


def make_app(database_url: str, queue_url: str, ca_bundle: str):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TASK_QUEUE_URL": queue_url,
            "TASK_QUEUE_NAME": QUEUE_NAME,
            "OUTBOUND_CA_BUNDLE": ca_bundle,
        },
    )
    app = create_app(config)
    queue_of(app).flush()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def start_worker(app, ca_bundle: str) -> subprocess.Popen:
    """`flask worker` with its default threads, on the bench's database and queue."""
    env = {
        **os.environ,
        "FLASK_APP": "syndication",
        "SYNDICATION_CONFIG": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASK_QUEUE_URL": app.config["TASK_QUEUE_URL"],
        "TASK_QUEUE_NAME": QUEUE_NAME,
        "OUTBOUND_CA_BUNDLE": ca_bundle,
    }
    env.pop("WORKER_THREADS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--no-periodic"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stderr:
        if "Huey consumer started" in line:
            break
    else:
        raise RuntimeError("the worker exited before it started")
    # Keep reading its log, so a full pipe never blocks it.
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
    return process


def stop(process: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def queue_deliveries(app, partner_id: int, n: int) -> set[str]:
    """N deliveries and their jobs, committed in batches; their webhook-ids."""
    ids: set[str] = set()
    with app.app_context():
        for start in range(0, n, 500):
            for i in range(start, min(start + 500, n)):
                delivery = webhooks.queue_event(
                    partner_id, "notice.takedown", {"article": {"id": i}, "note": "bench"}
                )
                ids.add(delivery.message_id)
            db.session.commit()
    return ids


def baseline(app, receiver: Counting, secret: str, n: int) -> float:
    """Signed POSTs per second in a bare loop with the app's outbound client, one thread."""
    with app.app_context():
        client = outbound.client()
    ids = {wire.new_message_id() for _ in range(n)}
    start = time.perf_counter()
    for message_id in ids:
        body = wire.body_of(wire.envelope("test", {"article": {"id": 1}}, utcnow()))
        headers = wire.headers([secret], message_id, utcnow(), body)
        answer = client.request("POST", receiver.url, headers=headers, body=body.encode())
        assert answer.status == 200
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--postgresql", default="")
    args = parser.parse_args()
    n = args.deliveries

    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    ca = trustme.CA()
    ca_bundle = str(workdir / "ca.pem")
    ca.cert_pem.write_to_path(ca_bundle)
    database = args.postgresql or f"sqlite:///{workdir / 'bench.db'}"
    app = make_app(database, args.redis, ca_bundle)
    receiver = Counting(ca)
    with app.app_context():
        partner = Partner(
            name="Bench Gazette",
            website="https://bench.example",
            outlet_type=OutletType.NEWSPAPER,
            contact_name="Bench",
            contact_email="bench@bench.example",
            status=PartnerStatus.APPROVED,
        )
        db.session.add(partner)
        db.session.commit()
        secret = webhooks.set_webhook(partner, receiver.url)
        partner_id = partner.id
    label = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"{n:,} webhooks to {receiver.url}, rows in {label}, queue {args.redis}")

    floor = baseline(app, receiver, secret, n)
    print(f"baseline  bare loop of signed POSTs, one thread   {floor:8,.0f} webhooks/s")

    ids = queue_deliveries(app, partner_id, n)
    worker = start_worker(app, ca_bundle)
    start = time.perf_counter()
    try:
        if not receiver.wait_for(ids, n, timeout=600):
            print(f"only {receiver.distinct(ids)} of {n} arrived in 10 minutes")
        rate = n / (time.perf_counter() - start)
    finally:
        stop(worker)
    verdict = "meets" if rate >= TARGET else "below"
    print(
        f"worker    queued deliveries, default threads       {rate:8,.0f} webhooks/s"
        f"  {rate / floor:5.2f}x the baseline ({verdict} the {TARGET:.0f}/s target)"
    )
    print(f"          duplicates {receiver.duplicates(ids)}")

    ids = queue_deliveries(app, partner_id, n)
    worker = start_worker(app, ca_bundle)
    receiver.wait_for(ids, n // 3, timeout=600)
    stop(worker, signal.SIGKILL)
    at_kill = receiver.distinct(ids)
    with app.app_context():
        # The minute-by-minute sweep, run now with its clock past the dead worker's lease
        # (a batch's lease is the longest: it grows with the jobs the batch holds).
        lapsed = utcnow() + jobs.LEASE + jobs.LEASE_PER_BATCHED_JOB * BATCH + timedelta(minutes=1)
        swept = 0
        while found := jobs.sweep(now=lapsed):
            swept += found
    worker = start_worker(app, ca_bundle)
    try:
        receiver.wait_for(ids, n, timeout=600)
    finally:
        stop(worker)
    print(
        f"killed    at {at_kill} of {n}; swept {swept} jobs again; "
        f"delivered {receiver.distinct(ids)} of {n}, duplicates {receiver.duplicates(ids)}"
    )
    receiver.server.shutdown()
    queue_of(app).flush()


if __name__ == "__main__":
    main()
