"""Several servers, one truth: two app servers and two workers on one PostgreSQL and Redis.

One command, from the project root: ``make loadtest`` (or
``.venv/bin/python bench/loadtest/run.py --help`` for the flags: duration, rate,
users, request bound, Redis db numbers). Needs PostgreSQL and Redis on
loopback, as production has them; it is not part of ``make test``.

It creates a PostgreSQL database of its own (``syndication_loadtest``),
migrates it with ``bin/production migrate``, loads the demo data and adds
partners, articles and grants for the traffic (bench/loadtest/seed.py). Then,
as production runs them (bin/production, SYNDICATION_CONFIG=production), it
starts two app servers, A and B, each gunicorn with its own port and
processes, and two ``flask worker`` processes, all on that database and one
Redis: the task queue, the pixel's hit buffer and the rate limits on db
numbers of their own (flags), under names of this run. Mail goes to an SMTP
sink on loopback.

Locust (bench/loadtest/locustfile.py), headless, bounded in time and in
requests, sends mixed partner traffic to A and B in turn at a fixed rate:
catalogue, feeds, API, downloads, pixel, requests. A third of the way in,
staff on server A revoke a grant, take down an article and suspend a
partner, one after the other. After each action has been answered by A,
server B is polled as fast as one client can until it refuses what the
action ended (the revoked grant's package; the taken-down article's package;
the suspended partner's API key, feed token and login session), and the time
until that first refusal is printed; B is then asked again a few times, to
see every one of its processes refuse.

At the end it prints throughput, p50/p95/p99 latency per kind of request and
the error count (any answer to the traffic but a 2xx), then waits for the
pixel's flush and counts the downloads and pixel hits in the database against
those Locust saw answered 200 (plus the probes' own downloads). Targets: no
5xx, not one download or pixel row lost, B refusing within 1 s. Everything it
started is stopped and everything it created (database, Redis keys, files)
removed, also on errors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from bench.http import free_port, request

OUT = ROOT / "bench" / "out" / "loadtest"
HOST = "127.0.0.1"
SECRET = "loadtest-secret"
REFUSAL_TARGET = 1.0  # seconds until B refuses what A ended
KINDS = ("catalogue", "feed", "api", "download", "pixel", "request", "login")


# --- processes ------------------------------------------------------------------------------


@dataclass
class Process:
    """One process this run started, in a session of its own; stopped by its group id."""

    name: str
    command: list[str]
    env: dict[str, str]
    stop_signal: int = signal.SIGTERM
    popen: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return OUT / f"{self.name}.log"

    def start(self) -> Process:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, self.stop_signal)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def wait_for(check: Callable[[], bool], what: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited; see {process.log}")
        with contextlib.suppress(OSError):
            if check():
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not within {timeout:.0f} s; see {process.log}")


# --- a browser for staff (and the suspended partner's editor) --------------------------------


class Browser:
    """Cookies and CSRF tokens over plain HTTP on loopback, through the real forms."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, answer, data = request(method, path, port=self.port, headers=headers, body=body)
        for value in answer.get_all("Set-Cookie") or []:
            name, _, rest = value.split(";", 1)[0].partition("=")
            self.cookies[name] = rest
        return status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send("GET", path)

    def submit(self, page: str, action: str, fields: dict[str, str]) -> int:
        """Read ``page``'s CSRF token, post ``fields`` (confirmed) to ``action``: the status."""
        status, body = self.get(page)
        if status != 200:
            raise RuntimeError(f"GET {page} answered {status}")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        form = {"csrf_token": token[1].decode() if token else "", "confirmed": "yes", **fields}
        status, _ = self._send("POST", action, urlencode(form))
        return status

    def log_in(self, email: str, password: str, totp_secret: str | None = None) -> None:
        status = self.submit("/login", "/login", {"email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")
        if totp_secret:
            import pyotp

            code = pyotp.TOTP(totp_secret).now()
            if self.submit("/login/code", "/login/code", {"code": code}) != 302:
                raise RuntimeError(f"second factor of {email} refused")

    def hidden(self, page: str, name: str) -> str:
        _, body = self.get(page)
        found = re.search(rf'name="{name}" value="([^"]*)"'.encode(), body)
        if not found:
            raise RuntimeError(f"no {name} on {page}")
        return found[1].decode()


# --- probing server B -------------------------------------------------------------------------


@dataclass
class Probe:
    """One thing an action ends, asked of server B."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    browser: Browser | None = None
    download: bool = False  # a 200 here writes a downloads row

    def status(self, port: int) -> int:
        if self.browser is not None:
            return self.browser.get(self.path)[0]
        return request("GET", self.path, port=port, headers=self.headers)[0]


@dataclass
class Refusal:
    """How B answered one probe after the action on A."""

    probe: str
    warm_ms: float  # B's median round trip for the probe before the action: its load now
    seconds: float | None = None  # from A's answer until B's first refusal arrived
    sent_after: float | None = None  # from A's answer until that refused poll was sent
    polls: int = 0  # polls sent until the first refusal, that one included
    status: int = 200
    refused_after: int = 0  # of the repeat polls after the first refusal
    repeats: int = 0


class Probes:
    """Polls of B; counts the downloads they were answered, for the row count."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.downloads_answered = 0
        self._lock = threading.Lock()

    def ask(self, probe: Probe) -> int:
        status = probe.status(self.port)
        if status == 200 and probe.download:
            with self._lock:
                self.downloads_answered += 1
        return status

    def warm(self, probes: list[Probe], times: int = 8) -> list[Refusal]:
        """Ask B for each while it is still allowed (so every B process remembers it),
        timing its answers: the baseline of the same moment for the refusal's time."""
        watched = []
        for probe in probes:
            answers, took = [], []
            for _ in range(times):
                began = time.monotonic()
                answers.append(self.ask(probe))
                took.append(time.monotonic() - began)
            if set(answers) != {200}:
                raise RuntimeError(f"{probe.name} on B answered {answers} before the action")
            watched.append(Refusal(probe.name, statistics.median(took) * 1000))
        return watched

    def until_refused(
        self,
        probes: list[Probe],
        watched: list[Refusal],
        since: float,
        timeout: float = 10,
        repeats: int = 10,
    ) -> None:
        """Poll B for each probe, in a thread of its own and without pause, until it is
        refused; then ask ``repeats`` times more, to reach every B process."""

        def poll(probe: Probe, refusal: Refusal) -> None:
            while time.monotonic() - since < timeout:
                sent = time.monotonic()
                status = self.ask(probe)
                refusal.polls += 1
                if status != 200:
                    refusal.seconds = time.monotonic() - since
                    refusal.sent_after, refusal.status = sent - since, status
                    refusal.repeats = repeats
                    refusal.refused_after = sum(self.ask(probe) != 200 for _ in range(repeats))
                    return

        threads = [
            threading.Thread(target=poll, args=pair) for pair in zip(probes, watched, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


# --- results ----------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rows(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def wait_for_pixels(engine: sa.Engine, buffer, expected: int, timeout: float = 90) -> float:
    """Seconds until the hit buffer is empty and the rows are in (or the timeout)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if buffer.waiting() == 0 and rows(engine, "pixel_hits") >= expected:
            break
        time.sleep(0.5)
    return time.monotonic() - began


# --- the run ----------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120, help="seconds of traffic")
    parser.add_argument("--rate", type=float, default=30, help="requests per second, all users")
    parser.add_argument("--users", type=int, default=30, help="simulated partner users")
    parser.add_argument(
        "--max-requests", type=int, default=0, help="request bound (default: 1.25 × rate × time)"
    )
    parser.add_argument("--partners", type=int, default=10, help="partners in the traffic")
    parser.add_argument("--extra-articles", type=int, default=60)
    parser.add_argument("--grants-each", type=int, default=24, help="grants per partner")
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn processes each")
    parser.add_argument("--worker-threads", type=int, default=2, help="threads per flask worker")
    parser.add_argument("--action-at", type=float, default=1 / 3, help="share of the run")
    parser.add_argument("--postgresql", default="postgresql+psycopg://postgres@127.0.0.1:5432/")
    parser.add_argument("--database", default="syndication_loadtest")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--queue-db", type=int, default=14, help="Redis db of the task queue")
    parser.add_argument("--pixel-db", type=int, default=1, help="Redis db of the pixel buffer")
    parser.add_argument("--ratelimit-db", type=int, default=5, help="Redis db of rate limits")
    args = parser.parse_args()
    args.max_requests = args.max_requests or int(args.rate * args.duration * 1.25)
    return args


@contextlib.contextmanager
def smtp_sink() -> Iterator[int]:
    """An SMTP server on loopback that accepts every message and keeps none."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname=HOST, port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def main() -> int:
    args = arguments()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # Huey keeps only the letters and digits of a queue name: keys are found by this one.
    name = f"loadtest{os.getpid()}"
    admin_url = sa.make_url(args.postgresql).set(database="postgres")
    database_url = admin_url.set(database=args.database).render_as_string(False)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    port_a, port_b = free_port(), free_port()
    redis = args.redis.rstrip("/")
    env = {
        **os.environ,
        "SYNDICATION_CONFIG": "production",
        "FLASK_APP": "syndication",
        "VENV": str(Path(sys.executable).parent.parent),
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        # Behind the balancer both servers answer for one public address.
        "PUBLIC_BASE_URL": f"http://{HOST}:{port_a}",
        "TASK_QUEUE_URL": f"{redis}/{args.queue_db}",
        "TASK_QUEUE_NAME": name,
        "PIXEL_BUFFER_URL": f"{redis}/{args.pixel_db}",
        "RATELIMIT_STORAGE_URI": f"{redis}/{args.ratelimit_db}",
        # Every simulated partner logs in from 127.0.0.1: the per-address login limit
        # would refuse them. The API's limit stays on (counted in Redis), far above the rate.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "API_RATE_LIMIT": "100000 per minute",
        "PACKAGE_CACHE_DIR": str(OUT / "packages"),
        "ASSET_STORAGE_DIR": str(OUT / "assets"),
        "WEBHOOK_SECRET_KEYS": "bG9hZHRlc3QtbG9hZHRlc3QtbG9hZHRlc3QtbG9hZHQ=",
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "MAIL_SERVER": HOST,
    }
    processes: list[Process] = []
    engine = None
    buffer = None
    try:
        with smtp_sink() as mail_port:
            env["MAIL_PORT"] = str(mail_port)
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{args.database}"'))
            print(f"Preparing {args.database}: migrations, demo data, traffic's partners…")
            began = time.monotonic()
            subprocess.run(["bin/production", "migrate"], env=env, cwd=ROOT, check=True)
            fixtures = prepare(env, args)
            (OUT / "fixtures.json").write_text(fixtures.to_json())
            held = sum(len(p.grants) for p in fixtures.partners)
            print(
                f"  prepared in {time.monotonic() - began:.1f} s: {len(fixtures.partners)} "
                f"partners in the traffic holding {held} grants it uses, "
                f"{len(fixtures.partners[0].requestable)} articles each may request"
            )

            engine = sa.create_engine(database_url)
            for label, port in (("a", port_a), ("b", port_b)):
                web = Process(
                    f"web-{label}",
                    ["bin/production", "web"],
                    {**env, "BIND": f"{HOST}:{port}"},
                ).start()
                processes.append(web)
            for n in (1, 2):
                processes.append(
                    Process(
                        f"worker-{n}",
                        ["bin/production", "worker", "--threads", str(args.worker_threads)],
                        env,
                        stop_signal=signal.SIGINT,
                    ).start()
                )
            for web, port in zip(processes[:2], (port_a, port_b), strict=True):
                wait_for(
                    lambda port=port: request("GET", "/healthz", port=port)[0] == 200,
                    f"{web.name} answering",
                    web,
                )
            print(
                f"Servers A :{port_a} and B :{port_b} (gunicorn, {args.web_concurrency} "
                f"processes each), 2 workers × {args.worker_threads} threads; PostgreSQL "
                f"{args.database}; Redis {redis} db {args.queue_db} (tasks), "
                f"{args.pixel_db} (pixel buffer), {args.ratelimit_db} (rate limits)"
            )

            from syndication.services.hit_buffer import RedisHitBuffer

            buffer = RedisHitBuffer(env["PIXEL_BUFFER_URL"], prefix=f"{name}:pixel")
            downloads_before = rows(engine, "downloads")
            pixels_before = rows(engine, "pixel_hits")

            staff = Browser(port_a)
            staff.log_in(fixtures.staff_email, fixtures.password, fixtures.totp_secret)
            editor = Browser(port_b)  # the suspended partner's editor, logged in on B
            editor.log_in(fixtures.suspended.email, fixtures.password)

            locust = run_locust(env, args, fixtures, port_a, port_b)
            processes.append(locust)
            started = time.monotonic()
            time.sleep(args.duration * args.action_at)
            if not locust.alive():
                raise RuntimeError(f"Locust stopped early; see {locust.log}")
            probes = Probes(port_b)
            refusals = act(staff, editor, probes, fixtures)
            locust.popen.wait(timeout=args.duration + 120)  # type: ignore[union-attr]
            elapsed = time.monotonic() - started
            tally = json.loads((OUT / "tally.json").read_text())

            sent_downloads = tally["answered_200"]["download"] + probes.downloads_answered
            sent_pixels = tally["answered_200"]["pixel"]
            took = wait_for_pixels(engine, buffer, pixels_before + sent_pixels)
            downloads = rows(engine, "downloads") - downloads_before
            pixels = rows(engine, "pixel_hits") - pixels_before
            return report(
                args, tally, elapsed, refusals, sent_downloads, downloads, sent_pixels, pixels, took
            )
    finally:
        for process in reversed(processes):
            process.stop()
        if engine is not None:
            engine.dispose()
        clean_redis(env, name, buffer)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(OUT / "packages", ignore_errors=True)
        shutil.rmtree(OUT / "assets", ignore_errors=True)


def prepare(env: dict[str, str], args: argparse.Namespace):
    """Demo data and the traffic's partners, made by the app itself (production config)."""
    os.environ.update(env)
    from bench.loadtest.seed import seed
    from syndication import create_app
    from syndication.demo.loader import load_demo
    from syndication.extensions import db

    app = create_app("production")
    with app.app_context(), app.test_request_context(base_url=env["PUBLIC_BASE_URL"]):
        load_demo()
        fixtures = seed(
            partner_count=args.partners,
            extra_articles=args.extra_articles,
            grants_each=args.grants_each,
        )
        db.engine.dispose()
    return fixtures


def run_locust(env, args, fixtures, port_a: int, port_b: int) -> Process:
    fixtures_file = OUT / "fixtures.json"
    servers = f"http://{HOST}:{port_a},http://{HOST}:{port_b}"
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(HERE / "locustfile.py"),
        "--headless",
        "--users", str(args.users),
        "--spawn-rate", str(max(1, args.users // 5)),
        "--run-time", f"{int(args.duration)}s",
        "--stop-timeout", "10",
        "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    locust_env = {
        **env,
        "LOADTEST_FIXTURES": str(fixtures_file),
        "LOADTEST_SERVERS": servers,
        "LOADTEST_MAX_REQUESTS": str(args.max_requests),
        "LOADTEST_USER_RATE": str(args.rate / args.users),
        "LOADTEST_TALLY": str(OUT / "tally.json"),
    }
    print(
        f"Locust: {args.users} users, {args.rate:g} requests/s in all, {args.duration:g} s "
        f"(at most {args.max_requests:,} requests); staff act at {args.action_at:.0%}…",
        flush=True,
    )
    return Process("locust", command, locust_env, stop_signal=signal.SIGINT).start()


def act(staff: Browser, editor: Browser, probes: Probes, fixtures) -> list[Refusal]:
    """The three staff actions on A, each followed by polls of B until it refuses."""
    suspended = fixtures.suspended
    revoke = Probe(
        "revoked grant: package by API key",
        f"/api/v1/grants/{fixtures.revoke_grant}/package",
        {"Authorization": f"Bearer {fixtures.revoke_key}"},
        download=True,
    )
    takedown = Probe(
        "taken-down article: package by API key",
        f"/api/v1/grants/{fixtures.takedown_grant}/package",
        {"Authorization": f"Bearer {fixtures.takedown_key}"},
        download=True,
    )
    suspension = [
        Probe(
            "suspended partner: API key",
            f"/api/v1/grants/{suspended.grants[0]}/package",
            {"Authorization": f"Bearer {suspended.api_key}"},
            download=True,
        ),
        Probe("suspended partner: feed token", f"/feeds/{suspended.feed_token}/rss.xml"),
        Probe("suspended partner: login session", "/portal/catalogue", browser=editor),
    ]
    results: list[Refusal] = []

    def timed(action: Callable[[], int], watched: list[Probe]) -> None:
        refusals = probes.warm(watched)
        status = action()
        answered = time.monotonic()
        if status != 302:
            raise RuntimeError(f"the staff action answered {status} on A")
        probes.until_refused(watched, refusals, answered)
        results.extend(refusals)

    timed(
        lambda: staff.submit(
            f"/staff/grants/{fixtures.revoke_grant}/revoke",
            f"/staff/grants/{fixtures.revoke_grant}/revoke",
            {"reason": "Load test: terms broken.", "public_reason": "Terms broken."},
        ),
        [revoke],
    )
    takedown_page = f"/staff/articles/{fixtures.takedown_article}/notices/new?kind=takedown"
    timed(
        lambda: staff.submit(
            takedown_page,
            takedown_page,
            {"note": "Load test: taken down.", "record_reason": "Load test takedown."},
        ),
        [takedown],
    )
    partner_page = f"/staff/partners/{suspended.id}"
    timed(
        lambda: staff.submit(
            partner_page,
            f"/staff/partners/{suspended.id}/decide",
            {
                "action": "suspend",
                "version": staff.hidden(partner_page, "version"),
                "reason": "Load test: suspended.",
                "tier": "premium",
            },
        ),
        suspension,
    )
    return results


def report(
    args, tally, elapsed, refusals, sent_downloads, downloads, sent_pixels, pixels, took
) -> int:
    times, statuses = tally["times"], tally["statuses"]
    total = sum(len(v) for v in times.values())
    print(
        f"\nTraffic: {total:,} requests in {elapsed:.1f} s, {total / elapsed:.1f} requests/s "
        f"(asked: {args.rate:g}/s; bound {args.max_requests:,})"
    )
    heads = ("requests", 8), ("req/s", 7), ("p50 ms", 8), ("p95 ms", 8), ("p99 ms", 8)
    print(f"{'kind':10} " + " ".join(f"{h:>{w}}" for h, w in heads) + "  answers")
    errors = server_errors = 0
    for kind in [k for k in KINDS if k in times] + sorted(set(times) - set(KINDS)):
        values = times[kind]
        answers = statuses.get(kind, {})
        for status, n in answers.items():
            # The login form's POST answers with a redirect; everything else with a 2xx.
            good = status.startswith("2") or (kind == "login" and status == "302")
            errors += 0 if good else n
            server_errors += n if status.startswith(("5", "exception")) else 0
        shown = ", ".join(f"{s}: {n:,}" for s, n in sorted(answers.items()))
        print(
            f"{kind:10} {len(values):>8,} {len(values) / elapsed:>7.1f}"
            f" {percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f}"
            f" {percentile(values, 99):>8.1f}  {shown}"
        )
    print(f"errors (any answer but the expected 2xx): {errors:,}", end="")
    print(f"; 5xx or no answer: {server_errors:,}")

    print(
        "\nServer B after each staff action on A: from A's answer until B's first refusal"
        " arrived,\nbeside B's own round trip for the same request just before the action"
    )
    slow = 0
    for r in refusals:
        if r.seconds is None:
            slow += 1
            print(f"  {r.probe:40} NOT refused after {r.polls} polls")
            continue
        slow += r.seconds > REFUSAL_TARGET or r.refused_after < r.repeats
        print(
            f"  {r.probe:40} {r.seconds * 1000:7.1f} ms (B's round trip before: "
            f"{r.warm_ms:.1f} ms); answer {r.status} to poll {r.polls}, sent "
            f"{r.sent_after * 1000:.1f} ms after A's answer; refused again "
            f"{r.refused_after}/{r.repeats}"
        )

    print(f"\nRows (pixel buffer flushed {took:.1f} s after the traffic ended):")
    print(f"  downloads answered 200: {sent_downloads:,}, rows written: {downloads:,}")
    print(f"  pixels answered 200:    {sent_pixels:,}, rows written: {pixels:,}")
    lost = max(0, sent_downloads - downloads) + max(0, sent_pixels - pixels)

    met = {
        "zero 5xx": server_errors == 0,
        "zero lost download or pixel rows": lost == 0,
        f"B refuses within {REFUSAL_TARGET:g} s": slow == 0,
    }
    print("\nTargets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in met.items()))
    print(f"Load average now: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    return 0 if all(met.values()) else 1


def clean_redis(env: dict[str, str], name: str, buffer) -> None:
    """This run's keys only: the dbs may be shared with others."""
    import redis

    for url in {env["TASK_QUEUE_URL"], env["PIXEL_BUFFER_URL"]}:
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(url)
            keys = list(client.scan_iter(match=f"*{name}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()


if __name__ == "__main__":
    sys.exit(main())
