"""Requests per second and latency of partner routes served by gunicorn, against a bare floor.

Run from the project root: ``.venv/bin/python bench/http.py`` (gunicorn is one
of the project's dependencies). It prepares a fresh SQLite database under
bench/out/, or with ``--postgresql URL`` a database of its own on that
PostgreSQL server (migrations, demo data, an API key and one free grant for
the demo partner Lone Star Ledger), serves ``bench.http_app:app``
with gunicorn on 127.0.0.1 (a free port, 2 sync workers), logs in once through
the real /login form and then, from a few client processes (http.client, one
connection each, reopened whenever the server closes it), sends a fixed
number of requests to each of

* catalogue: ``/portal/catalogue`` with the partner's session cookie,
* feed: ``/feeds/rss.xml`` with the Bearer API key when a "feeds" blueprint
  serves it, otherwise the API's ``/api/v1/grants`` listing,
* download: ``/portal/grants/<id>/download/bundle``, cached (one request warms it),
* api download: the same bundle from ``/api/v1/grants/<id>/package`` with the key,
* floor: the same bundle bytes after the same login-session check and the
  same downloads row as a cached download, in one statement as the download
  does them (bench-only ``/_bench/floor``): what the product must pay for
  every download, whatever else it does. The cached download is held to it,
* bare + login: the same bytes behind the portal's usual login check (the
  user loaded by Flask-Login, bench-only ``/_bench/bare-login``),
* bare + log row: the same bytes after writing one downloads row through the
  app's download logger, no session (``/_bench/bare-logged``),
* bare: ``/_bench/bare``, the same bundle bytes from memory in the same server,

in interleaved rounds (so a machine load that comes and goes weighs on every
target alike; every other round in reverse order, the download beside its
floor), and prints requests, req/s, p50 and p99 in milliseconds per
target; the cached download's throughput as a share of the floor's (target:
90%), as the median of the rounds' shares (each round's download beside
the floor it ran next to: on a shared machine, speed drifts by more from one
round to the next than the download differs from its floor), all rounds
together and round by round; its share of the bare endpoint's; the
catalogue's as a share of the bare endpoint's (its baseline in the same run:
before its lists loaded only the columns they show, 9.5% on SQLite and 8.9%
on PostgreSQL on a 2-core machine; the target is twice that); and, from one more short run
with one worker, the SQL statements, commits and (PostgreSQL, from libpq's
protocol trace) round trips per cached download and per floor request
(target: at most two round trips). On SQLite it also prints what the same
logged write costs in bare sqlite3 on this disk, the database's own floor.
When the download target is missed (or with ``--profile``) it serves the app
again with one worker under cProfile and prints where a download request's time goes.

Why sync workers: every route is CPU-bound Python plus a few local SQLite
queries, so threads in a worker would only take turns on the GIL; a sync
worker accepts each request as it is free, so two workers share the load
evenly; and it is how gunicorn expects to sit behind a buffering proxy, which
talks to it one connection per request (gunicorn's sync worker closes each
connection, so every request here pays a loopback connect, the floor's included).
``--worker-class gthread`` runs the same measurement with keep-alive threads.
The load is bounded: fixed counts per target and a time cap, loopback only;
the server is stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/http.py` puts bench/ first on sys.path, where this file would
# stand in for the standard library's `http` package; only the root belongs there.
for entry in [p for p in sys.path if Path(p or ".").resolve() == HERE]:
    sys.path.remove(entry)
sys.path.insert(0, str(ROOT))

import http.client

import sqlalchemy as sa

OUT = HERE / "out"
DATABASE = OUT / "http.db"
PG_DATABASE = "syndication_http_bench"
PACKAGE_CACHE = OUT / "http-packages"
BUNDLE_FILE = OUT / "http-bundle.bin"
SERVER_LOG = OUT / "http-gunicorn.log"
PROFILE_FILE = OUT / "http-download.pstats"
PARTNER_EMAIL = "editor@lonestarledger.example"
HOST = "127.0.0.1"
REQUESTS = 6_000
CONCURRENCY = 4
WARMUP = 40
ROUNDS = 12
TIME_CAP = 60.0  # seconds per target, all rounds together
PROFILE_REQUESTS = 500
TARGET_RATIO = 0.90  # of the floor: same session check, same log row
ROUND_TRIPS_TARGET = 2  # per cached download, PostgreSQL
COUNT_REQUESTS = 50


@dataclass
class Fixture:
    """What the prepared database holds for the bench, and the bundle's expected bytes."""

    grant_id: int
    api_key: str
    bundle_key: str
    bundle_size: int
    feed_path: str


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    expect: int = 200


@dataclass
class Result:
    target: Target
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    capped: bool = False

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        for status, n in other.errors.items():
            self.errors[status] = self.errors.get(status, 0) + n
        self.seconds += other.seconds
        self.capped = self.capped or other.capped

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


# --- preparing the database ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare(port: int, database_url: str) -> Fixture:
    """A fresh migrated database with the demo data, an API key and a free grant.

    The bundle is also built here, under the server's host name (the tracking
    pixel URL in it, and so the cache key, comes from the request's host) but
    into a scratch cache: the server's own cache stays cold until the warm-up
    request, and the bare route gets the bytes that request must return.
    """
    from flask_migrate import upgrade

    from config import Config
    from syndication import create_app
    from syndication.demo.loader import load_demo
    from syndication.extensions import db
    from syndication.models import Article, SyndicationPolicy
    from syndication.models.base import utcnow
    from syndication.services import apikeys, grants, packages, users

    stale = (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm"), BUNDLE_FILE, SERVER_LOG)
    if database_url.startswith("postgresql"):
        engine = sa.create_engine(database_url)
        with engine.begin() as conn:  # a clean slate, as the SQLite file is
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    for path in stale:
        path.unlink(missing_ok=True)
    shutil.rmtree(PACKAGE_CACHE, ignore_errors=True)
    scratch = OUT / "http-prepare-cache"
    shutil.rmtree(scratch, ignore_errors=True)
    config = type(
        "BenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "PACKAGE_CACHE_DIR": str(scratch)},
    )
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_demo()
        user = users.find_by_email(PARTNER_EMAIL)
        assert user is not None and user.partner is not None, "demo partner user missing"
        _, secret = apikeys.create_key(user, "bench/http.py")
        now = utcnow()
        candidates = db.session.scalars(
            sa.select(Article.id)
            .where(
                Article.policy == SyndicationPolicy.FREE_ELIGIBLE,
                sa.or_(Article.embargo_until.is_(None), Article.embargo_until <= now),
            )
            .order_by(Article.id)
        ).all()
        grant = None
        for article_id in candidates:
            (result,) = grants.request_articles(user.partner, [article_id], requested_by=user)
            if result.grant is not None:
                grant = result.grant
                break
        assert grant is not None, "no free article could be granted to the demo partner"
        with app.test_request_context(base_url=f"http://{HOST}:{port}"):
            built = packages.build(packages.usable(grant.id, grant.partner_id))
        BUNDLE_FILE.write_bytes(built.data)
        has_feed = "feeds" in app.blueprints and any(
            rule.rule == "/feeds/rss.xml" for rule in app.url_map.iter_rules()
        )
        fixture = Fixture(
            grant_id=grant.id,
            api_key=secret,
            bundle_key=built.key,
            bundle_size=len(built.data),
            feed_path="/feeds/rss.xml" if has_feed else "/api/v1/grants",
        )
        db.engine.dispose()
    shutil.rmtree(scratch, ignore_errors=True)
    return fixture


# --- the server ---------------------------------------------------------------------------


class Server:
    """gunicorn serving bench.http_app:app on loopback; a context manager that always stops it."""

    def __init__(
        self, port: int, database_url: str, workers: int, worker_class: str, threads: int, **env
    ) -> None:
        self.port = port
        self.command = [
            sys.executable, "-m", "gunicorn", "bench.http_app:app",
            "--config", "python:syndication.serving",
            "--bind", f"{HOST}:{port}",
            "--workers", str(workers),
            "--worker-class", worker_class,
            "--threads", str(threads),
            "--chdir", str(ROOT),
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--error-logfile", str(SERVER_LOG),
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "SYNDICATION_CONFIG": "development",
            "DATABASE_URL": database_url,
            "PACKAGE_CACHE_DIR": str(PACKAGE_CACHE),
            # The API's limit (the only one) must not shape the figures.
            "API_RATE_LIMIT": "100000000 per minute",
            "BENCH_BUNDLE_FILE": str(BUNDLE_FILE),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {SERVER_LOG}")
            try:
                status, _, _ = request("GET", "/_bench/bare", port=self.port)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {SERVER_LOG}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers); SIGKILL its own group if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(
    method: str, path: str, *, port: int, headers: dict | None = None, body: str | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookie(headers: http.client.HTTPMessage, name: str = "session") -> str:
    for value in headers.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        if pair.startswith(f"{name}="):
            return pair
    raise RuntimeError(f"no {name} cookie in the response")


def log_in(port: int) -> str:
    """Log in through the real form (with its CSRF token); the session cookie to send."""
    status, headers, body = request("GET", "/login", port=port)
    assert status == 200, f"GET /login answered {status}"
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body
    )
    assert match, "no CSRF token on the login page"
    form = urlencode(
        {"csrf_token": match[1].decode(), "email": PARTNER_EMAIL, "password": "demo-password"}
    )
    status, headers, _ = request(
        "POST",
        "/login",
        port=port,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie(headers),
        },
    )
    assert status == 302, f"POST /login answered {status}: wrong password or CSRF token?"
    return _cookie(headers)


# --- the load -----------------------------------------------------------------------------


def _client(
    port: int, target: Target, count: int, deadline: float, start, results, headers_of=None
) -> None:
    """One client process on one connection (reopened when the server closes it).

    ``headers_of(n)``, when given, makes the headers of the n-th request (a bench whose
    requests must differ, as readers of a pixel do); else every request sends the target's.
    """
    latencies: list[float] = []
    errors: dict[str, int] = {}
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    start.wait()
    began = time.monotonic()
    for n in range(count):
        if time.monotonic() > deadline:
            break
        headers = headers_of(n) if headers_of else target.headers
        t0 = time.perf_counter()
        try:
            conn.request("GET", target.path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = str(response.status)
            if response.will_close:
                conn.close()  # the next request() reconnects
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            status = type(exc).__name__
        elapsed = time.perf_counter() - t0
        if status == str(target.expect):
            latencies.append(elapsed)
        else:
            errors[status] = errors.get(status, 0) + 1
    results.put((latencies, errors, began, time.monotonic()))
    conn.close()


def load(
    port: int, target: Target, count: int, concurrency: int, time_cap: float, headers_of=None
) -> Result:
    """``count`` requests from ``concurrency`` client processes, started together.

    ``headers_of(client, n)``, when given, makes each request's headers (client numbers
    0 … concurrency-1); the processes are forked, so it may be any callable.
    """
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(concurrency + 1), context.Queue()
    deadline = time.monotonic() + time_cap
    shares = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]
    clients = [
        context.Process(
            target=_client,
            args=(
                port,
                target,
                n,
                deadline,
                start,
                results,
                functools.partial(headers_of, client) if headers_of else None,
            ),
        )
        for client, n in enumerate(shares)
    ]
    result = Result(target)
    try:
        for client in clients:
            client.start()
        start.wait()
        begins, ends = [], []
        for _ in clients:
            latencies, errors, began, ended = results.get(timeout=time_cap + 60)
            result.latencies += latencies
            for status, n in errors.items():
                result.errors[status] = result.errors.get(status, 0) + n
            begins.append(began)
            ends.append(ended)
        result.seconds = max(ends) - min(begins)
        result.capped = len(result.latencies) + sum(result.errors.values()) < count
    finally:
        for client in clients:
            if client.is_alive():
                client.terminate()
            client.join()
    return result


def warm(port: int, target: Target, times: int) -> float:
    """A few requests outside the figures (the first one builds a cold cache); its ms."""
    first = 0.0
    for n in range(times):
        t0 = time.perf_counter()
        status, _, _ = request("GET", target.path, port=port, headers=target.headers)
        if n == 0:
            first = (time.perf_counter() - t0) * 1000
        if status != target.expect:
            raise RuntimeError(f"{target.name}: {target.path} answered {status}")
    return first


def check_download(port: int, target: Target, fixture: Fixture) -> None:
    """The served download is the cached bundle, byte for byte what the bare route serves."""
    status, headers, body = request("GET", target.path, port=port, headers=target.headers)
    _, _, bare = request("GET", "/_bench/bare", port=port)
    assert status == 200, f"download answered {status}"
    assert headers.get("ETag", "").strip('"') == fixture.bundle_key, (
        "the download's cache key differs from the one built in prepare"
    )
    assert body == bare, "the download's bytes differ from the bare route's"


# --- profiling ----------------------------------------------------------------------------

# (label, file suffix, function) whose cumulative time says where a download goes.
BREAKDOWN = [
    ("whole request in Flask", "flask/app.py", "wsgi_app"),
    ("  open session cookie", "flask/sessions.py", "open_session"),
    ("  rate limiter", "flask_limiter/_extension.py", "_check_request_limit"),
    ("  load user (full path only)", "syndication/views/access.py", "load_user"),
    ("  remembered_for_session", "syndication/services/downloads.py", "remembered_for_session"),
    ("  downloads.download", "syndication/services/downloads.py", "download"),
    ("    SQL execution (all)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("    commit", "sqlalchemy/orm/session.py", "commit"),
    ("    memory miss (build)", "syndication/services/packages.py", "build"),
    ("  package_response", "syndication/views/downloads.py", "package_response"),
    ("  save session cookie", "flask/sessions.py", "save_session"),
]


def _counted(port: int, target: Target) -> dict:
    """Statements, commits and round trips per request of ``target``, from the profiling app."""
    warm(port, target, 5)
    request("GET", "/_bench/profile", port=port)  # reset: count only the run below
    load(port, target, COUNT_REQUESTS, 1, TIME_CAP)
    request("GET", "/_bench/profile", port=port)
    summary = json.loads(PROFILE_FILE.with_suffix(".json").read_text())
    n = summary["requests"] or 1
    return {
        "statements": sum(v["count"] for v in summary["sql"].values()) / n,
        "commits": summary["commits"] / n,
        "round_trips": None if summary["round_trips"] is None else summary["round_trips"] / n,
        "sql": summary["sql"],
        "requests": n,
    }


def count_round_trips(port: int, database_url: str, fixture: Fixture) -> float | None:
    """Print what a cached download and the floor send to the database; the download's
    round trips per request (PostgreSQL; None on SQLite, where there are none)."""
    with Server(port, database_url, 1, "sync", 1, BENCH_PROFILE=str(PROFILE_FILE)):
        cookie = {"Cookie": log_in(port)}
        download = Target(
            "download (cached)", f"/portal/grants/{fixture.grant_id}/download/bundle", cookie
        )
        floor = Target("floor", "/_bench/floor", cookie)
        counts = {target.name: _counted(port, target) for target in (download, floor)}
    print(f"\nPer request, {COUNT_REQUESTS} requests with one worker:")
    for name, c in counts.items():
        trips = (
            f"{c['round_trips']:.1f} round trips (libpq trace)"
            if c["round_trips"] is not None
            else "no round trips (SQLite is in the process)"
        )
        print(f"  {name:18} {c['statements']:.1f} statements + {c['commits']:.1f} commits; {trips}")
        for statement, entry in sorted(c["sql"].items(), key=lambda kv: -kv[1]["count"]):
            print(f"    {entry['count'] / c['requests']:4.1f} x {statement}")
    trips = counts["download (cached)"]["round_trips"]
    if trips is not None:
        verdict = "met" if trips <= ROUND_TRIPS_TARGET else "missed"
        print(
            f"cached download round trips: {trips:.1f} "
            f"(target at most {ROUND_TRIPS_TARGET}: {verdict})"
        )
    return trips


def profile(port: int, database_url: str, worker_class: str, threads: int, target: Target) -> None:
    """Serve with one worker under cProfile, run downloads, print where the time goes."""
    PROFILE_FILE.unlink(missing_ok=True)
    with Server(port, database_url, 1, worker_class, threads, BENCH_PROFILE=str(PROFILE_FILE)):
        cookie_target = Target(target.name, target.path, {**target.headers, "Cookie": log_in(port)})
        warm(port, cookie_target, 20)
        request("GET", "/_bench/profile", port=port)  # reset: count only the run below
        result = load(port, cookie_target, PROFILE_REQUESTS, 1, TIME_CAP)
        request("GET", "/_bench/profile", port=port)
    summary = json.loads(PROFILE_FILE.with_suffix(".json").read_text())
    n = summary["requests"] or 1
    print(
        f"\nProfile: {summary['requests']} downloads, one {worker_class} worker under cProfile "
        f"({result.throughput:.0f} req/s profiled; in the app "
        f"{summary['request_seconds'] / n * 1000:.2f} ms/request)"
    )
    stats = pstats.Stats(str(PROFILE_FILE))
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, function), (_, _, _, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        for _, suffix, name in BREAKDOWN:
            if function == name and filename.endswith(suffix):
                # The outermost of same-named functions (Session.commit wraps
                # SessionTransaction.commit): the largest, never the sum.
                cumulative[(suffix, name)] = max(cumulative.get((suffix, name), 0.0), ct)
    whole = cumulative.get(("flask/app.py", "wsgi_app"), 0.0) or 1.0
    print(f"{'where (cumulative, per request)':44} {'ms':>7} {'share':>6}")
    for label, suffix, name in BREAKDOWN:
        ct = cumulative.get((suffix, name), 0.0)
        print(f"{label:44} {ct / n * 1000:7.3f} {ct / whole:6.0%}")
    statements = sum(v["count"] for v in summary["sql"].values()) / n
    print(f"\nSQL statements per download request: {statements:.1f}")
    for statement, entry in sorted(summary["sql"].items(), key=lambda kv: -kv[1]["seconds"]):
        print(
            f"  {entry['count'] / n:4.1f} x {entry['seconds'] / max(entry['count'], 1) * 1000:6.3f}"
            f" ms  {statement}"
        )
    print("\nTop functions by own time:")
    stats.sort_stats("tottime").print_stats(12)
    print(f"Full profile: {PROFILE_FILE} (python -m pstats)")


# --- main ---------------------------------------------------------------------------------


def sqlite_write_ms(samples: int = 2_000) -> float:
    """Median time of the smallest logged write, with the driver alone, beside the bench's database.

    Each commit is a few system calls (WAL-index locks, WAL frame writes),
    whose price depends on the machine: the floor under every SQLite download log.
    """
    import sqlite3

    path = OUT / "write-floor.db"
    for leftover in OUT.glob("write-floor.db*"):
        leftover.unlink()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, at TEXT, size INTEGER)")
        times = []
        for n in range(samples):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO log (at, size) VALUES (?, ?)", ("now", n))
            connection.execute("COMMIT")
            times.append(time.perf_counter() - started)
    finally:
        connection.close()
        for leftover in OUT.glob("write-floor.db*"):
            leftover.unlink()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="per target")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="client processes")
    parser.add_argument("--time-cap", type=float, default=TIME_CAP, help="seconds per target")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved, per target")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="per worker, for gthread")
    parser.add_argument("--profile", action="store_true", help="profile even if the target is met")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="serve from PostgreSQL (the production database) instead of SQLite: a server URL; "
        f"the bench uses its own database {PG_DATABASE!r} there, dropped and rebuilt",
    )
    args = parser.parse_args()
    if min(args.requests, args.concurrency, args.rounds) < 1 or not 0 < args.time_cap <= 600:
        parser.error("counts must be positive and --time-cap at most 600 seconds")
    args.rounds = min(args.rounds, args.requests)

    OUT.mkdir(exist_ok=True)
    port = free_port()
    t0 = time.perf_counter()
    database_url = f"sqlite:///{DATABASE}"
    if args.postgresql:
        from bench.search import postgresql_url

        database_url = postgresql_url(args.postgresql, PG_DATABASE) or sys.exit(
            "PostgreSQL is not reachable"
        )
    fixture = prepare(port, database_url)
    where = sa.make_url(database_url).render_as_string(hide_password=True)
    print(
        f"Prepared {where} in {time.perf_counter() - t0:.1f} s: grant "
        f"{fixture.grant_id}, bundle {fixture.bundle_size:,} bytes, feed {fixture.feed_path}"
    )
    bearer = {"Authorization": f"Bearer {fixture.api_key}"}
    with Server(port, database_url, args.workers, args.worker_class, args.threads):
        cookie = {"Cookie": log_in(port)}
        download = Target(
            "download (cached)", f"/portal/grants/{fixture.grant_id}/download/bundle", cookie
        )
        targets = [
            Target("catalogue", "/portal/catalogue", cookie),
            Target("feed" if fixture.feed_path.startswith("/feeds") else "api grants",
                   fixture.feed_path, bearer),
            Target("api download", f"/api/v1/grants/{fixture.grant_id}/package", bearer),
            download,
            Target("floor", "/_bench/floor", cookie),
            Target("bare + login", "/_bench/bare-login", cookie),
            Target("bare + log row", "/_bench/bare-logged", {}),
            Target("bare (floor)", "/_bench/bare", {}),
        ]  # fmt: skip
        cold = warm(port, download, 1)
        check_download(port, download, fixture)
        print(
            f"gunicorn {args.workers} {args.worker_class} worker(s) x {args.threads} thread(s) "
            f"on {HOST}:{port}; {args.requests:,} requests per target in {args.rounds} interleaved "
            f"rounds from {args.concurrency} clients after {WARMUP} warm-up requests; "
            f"cold bundle build {cold:.1f} ms\n"
        )
        for target in targets:
            warm(port, target, WARMUP)
        # Rounds interleave the targets, so a load that comes and goes on the
        # machine weighs on all of them alike rather than on one; every other
        # round runs them in reverse, so that none always follows the same
        # neighbour, and the download and its floor run side by side.
        results = [Result(target) for target in targets]
        rounds: list[dict[str, float]] = []  # each round's throughput per target
        for round_ in range(args.rounds):
            share = args.requests // args.rounds + (round_ < args.requests % args.rounds)
            rounds.append({})
            for result in results if round_ % 2 == 0 else results[::-1]:
                part = load(
                    port, result.target, share, args.concurrency, args.time_cap / args.rounds
                )
                result.add(part)
                rounds[-1][result.target.name] = part.throughput

    print(f"{'target':18} {'path':44} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
    for r in results:
        note = (" capped" if r.capped else "") + (f" errors {r.errors}" if r.errors else "")
        print(
            f"{r.target.name:18} {r.target.path:44} {len(r.latencies):8,} {r.throughput:8.0f} "
            f"{r.percentile(50):7.2f} {r.percentile(99):7.2f}{note}"
        )
    by_name = {r.target.name: r for r in results}
    download_rate = by_name["download (cached)"].throughput
    overall = download_rate / by_name["floor"].throughput
    # Each round's download beside the floor it ran next to: the machine's speed
    # drifts by more between rounds than the download differs from its floor.
    paired = [r["download (cached)"] / r["floor"] for r in rounds if r["floor"]]
    ratio = statistics.median(paired) if paired else overall
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    bare_rate = by_name["bare (floor)"].throughput
    print(
        f"\ncached download / floor (same session check, same log row) throughput, "
        f"median of the rounds: {ratio:.0%} (target at least {TARGET_RATIO:.0%}: {verdict}); "
        f"all rounds together {overall:.0%}; round by round " + " ".join(f"{r:.0%}" for r in paired)
    )
    print(
        f"cached download / bare: {download_rate / bare_rate:.0%}; "
        f"floor / bare: {by_name['floor'].throughput / bare_rate:.0%}; "
        f"API download / bare: {by_name['api download'].throughput / bare_rate:.0%}; "
        f"catalogue / bare: {by_name['catalogue'].throughput / bare_rate:.1%} "
        f"({by_name['catalogue'].throughput:.0f} req/s)"
    )
    # What the target leaves a download beyond the floor, in worker time per request.
    floor_ms = args.workers / by_name["floor"].throughput * 1000
    download_ms = args.workers / download_rate * 1000
    print(
        f"worker time per request: floor {floor_ms:.2f} ms, cached download "
        f"{download_ms:.2f} ms; the target allows the download "
        f"{floor_ms / TARGET_RATIO - floor_ms:.2f} ms more than the floor, it takes "
        f"{download_ms - floor_ms:.2f} ms more"
    )
    round_trips = count_round_trips(port, database_url, fixture)
    if not args.postgresql:
        print(
            "one SQLite write transaction (BEGIN IMMEDIATE, INSERT, COMMIT) in bare sqlite3 "
            f"on this disk, WAL and synchronous=NORMAL as the app: {sqlite_write_ms():.3f} ms"
        )
    failed = {r.target.name: r.errors for r in results if r.errors}
    if failed:
        print(
            f"WARNING: failed requests {failed}; their figures count successes only. "
            f"See {SERVER_LOG.relative_to(ROOT)}."
        )
    if (
        ratio < TARGET_RATIO
        or args.profile
        or (round_trips is not None and round_trips > ROUND_TRIPS_TARGET)
    ):
        profile(port, database_url, args.worker_class, args.threads, download)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; the server is stopped")
