"""Does login timing tell whether an account exists? Login POSTs against a real server.

Run from the project root: ``.venv/bin/python bench/logins.py``. It prepares a
fresh SQLite database under bench/out/ (migrations and the demo data), serves the
app with gunicorn on 127.0.0.1 (2 sync workers, the development configuration, so
argon2id at full strength), and times the login form's POST, each on a fresh
connection after a GET of the form for its CSRF token, in interleaved rounds, for

* existing, wrong password: a demo partner's email with a wrong password,
* existing, right password: the same with the right one (a login: it also writes the
  login session and the audit event),
* unknown email: an address no account has, with some password.

It prints the median and p90 of each in milliseconds and the ratios of the
existing-account medians over the unknown email's, the baseline measured in the same
run. The probe of issue 21 saw 556 ms for an existing account against 27 ms for an
unknown one (a ratio of 20.6): the hash was skipped when there was no account.
Ratios near 1.0 mean the answer's time no longer tells. The per-address and
per-account throttles are raised for the run, so every POST reaches the hash.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/logins.py` puts bench/ first on sys.path, where bench/http.py would
# stand in for the standard library's `http` package; only the root belongs there.
for entry in [p for p in sys.path if Path(p or ".").resolve() == HERE]:
    sys.path.remove(entry)
sys.path.insert(0, str(ROOT))

import http.client

OUT = HERE / "out"
DATABASE = OUT / "logins.db"
SERVER_LOG = OUT / "logins-gunicorn.log"
HOST = "127.0.0.1"
EXISTING = "editor@lonestarledger.example"
PASSWORD = "demo-password"
UNKNOWN = "nobody-at-all@unknown-outlet.example"
ROUNDS = 30
# Fixed for the run, so neither process writes a key file under instance/.
ENV = {
    "SYNDICATION_CONFIG": "development",
    "SECRET_KEY": "bench-logins-secret",
    "WEBHOOK_SECRET_KEYS": "YmVuY2gtbG9naW5zLWtleS0wMDAwMDAwMDAwMDAwMDA=",
    "LOGIN_RATE_LIMIT": "1000000 per minute",
    "LOGIN_ACCOUNT_FAILURES": "1000000",
    "TASK_QUEUE_URL": f"sqlite:///{OUT / 'logins-tasks.db'}",
}


def prepare(database_url: str) -> None:
    """A fresh migrated database with the demo data (its partner users log in by password)."""
    os.environ.update(ENV)
    from flask_migrate import upgrade

    from syndication import create_app
    from syndication.demo.loader import load_demo
    from syndication.extensions import db

    for path in (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm")):
        path.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = database_url
    app = create_app("development")
    with app.app_context():
        upgrade()
        load_demo()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def request(method: str, path: str, port: int, body: str | None = None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def timed_login(port: int, email: str, password: str) -> tuple[int, float]:
    """GET the form (untimed), then POST it; the POST's status and seconds."""
    status, headers, body = request("GET", "/login", port)
    assert status == 200, f"GET /login answered {status}"
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    cookie = next(
        v.split(";", 1)[0] for v in headers.get_all("Set-Cookie") or [] if v.startswith("session=")
    )
    form = urlencode({"csrf_token": token[1].decode(), "email": email, "password": password})
    started = time.perf_counter()
    status, _, _ = request(
        "POST",
        "/login",
        port,
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    return status, time.perf_counter() - started


def serve(port: int, database_url: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "syndication:create_app()",
        "--config", "python:syndication.serving",
        "--bind", f"{HOST}:{port}", "--workers", "2", "--chdir", str(ROOT),
        "--timeout", "60", "--error-logfile", str(SERVER_LOG),
    ]  # fmt: skip
    env = {**os.environ, **ENV, "DATABASE_URL": database_url}
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {SERVER_LOG}")
        try:
            if request("GET", "/login", port)[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {SERVER_LOG}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    database_url = f"sqlite:///{DATABASE}"
    prepare(database_url)
    port = free_port()
    process = serve(port, database_url)
    cases = {
        "existing, wrong password": (EXISTING, "not-the-password"),
        "existing, right password": (EXISTING, PASSWORD),
        "unknown email": (UNKNOWN, "not-the-password"),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    statuses: dict[str, set[int]] = {name: set() for name in cases}
    try:
        for email, password in cases.values():  # warm each worker's path once
            timed_login(port, email, password)
            timed_login(port, email, password)
        for _ in range(args.rounds):  # interleaved, so load that comes and goes hits all
            for name, (email, password) in cases.items():
                status, seconds = timed_login(port, email, password)
                statuses[name].add(status)
                times[name].append(seconds)
    finally:
        stop(process)
    print(f"Login POST timing, {args.rounds} rounds, gunicorn 2 workers, argon2id defaults")
    print(f"{'case':<28}{'status':>10}{'median ms':>12}{'p90 ms':>10}")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        shown = ",".join(str(s) for s in sorted(statuses[name]))
        print(f"{name:<28}{shown:>10}{statistics.median(values) * 1000:>12.1f}{p90 * 1000:>10.1f}")
    baseline = statistics.median(times["unknown email"])
    for name in ("existing, wrong password", "existing, right password"):
        ratio = statistics.median(times[name]) / baseline
        print(f"ratio {name} / unknown email: {ratio:.2f}")
    print("(the probe, before: 556 ms / 27 ms = 20.6)")


if __name__ == "__main__":
    main()
