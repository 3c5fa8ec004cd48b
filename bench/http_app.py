"""The app as bench/http.py serves it under gunicorn, plus a bare floor route.

``gunicorn bench.http_app:app`` builds the development configuration with
the bench's database, package cache and a rate limit high enough never to
trip, all from the environment (set by bench/http.py):

* ``DATABASE_URL``, ``PACKAGE_CACHE_DIR``, ``API_RATE_LIMIT``: read by config.py;
* ``BENCH_BUNDLE_FILE``: the bundle's bytes, read once at start and served
  as they are by ``/_bench/bare``, the floor the cached download is held to,
  by ``/_bench/bare-login`` behind the portal's login check, and by
  ``/_bench/bare-logged`` after writing one downloads row;
* ``/_bench/floor``: the same bytes after the same login-session check and
  the same downloads row as a cached download, in the one statement the
  download's is (services.downloads), without the grant, its fingerprint or
  the worker's memory: the floor the cached download is held to;
* ``/_bench/gif``: the tracking pixel's GIF with the pixel's own headers, and
  nothing else: the floor bench/pixel.py holds the pixel to;
* ``BENCH_PROFILE``: when set, requests to a ``/download/`` path run under
  cProfile, with their SQL statements and commits counted and timed (and on
  PostgreSQL their round trips, from libpq's protocol trace); ``/_bench/profile``
  writes the totals (pstats file plus a JSON summary) next to it and resets them.
  ``/_bench/floor`` requests are counted alike.

None of this is part of the product: these routes exist only here.
"""

from __future__ import annotations

import cProfile
import json
import os
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort

from syndication import create_app
from syndication.extensions import db
from syndication.models import Grant, LoginSession, Partner, User
from syndication.models.base import utcnow
from syndication.services import downloads, packages, pixels, sessions
from syndication.views.access import partner_required, session_login_id

app = create_app(os.environ.get("SYNDICATION_CONFIG", "development"))

BUNDLE = Path(os.environ["BENCH_BUNDLE_FILE"]).read_bytes()


def bare() -> Response:
    """The same bytes as the cached download, from memory: no login, query or log."""
    response = Response(BUNDLE, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="bare.zip"'
    return response


_LOG_ROW: dict = {}


def bare_logged() -> Response:
    """The same bytes after writing one downloads row through the app's download logger.

    What any download that logs itself before answering pays at the least: no
    session, no grant check, no memory lookup, just the row in its own
    transaction, as ``packages.log_downloads`` writes it.
    """
    if not _LOG_ROW:
        grant = db.session.execute(
            sa.select(Grant.id, Grant.partner_id).order_by(Grant.id).limit(1)
        ).one()
        _LOG_ROW.update(
            grant_id=grant.id,
            partner_id=grant.partner_id,
            user_id=None,
            api_key_id=None,
            package_hash="bench",
            format="bundle",
            size=len(BUNDLE),
        )
    packages.log_downloads([dict(_LOG_ROW)])
    return bare()


_FLOOR: dict = {}


def floor() -> Response:
    """The same bytes after what a cached download must do at the least, as it does it.

    One INSERT … SELECT (``downloads.logged_insert``, run by ``downloads.log_if``)
    writes the downloads row while the session cookie's login session is live
    (``sessions.live_session_where``, seen lately: the same parameters), else
    403. What the download adds to this is the grant, its fingerprint, the
    worker's memory lookup and its own response headers.
    """
    if not _FLOOR:
        users, partners_, logins = User.__table__, Partner.__table__, LoginSession.__table__
        dialect = db.engine.dialect.name
        _FLOOR["statement"] = downloads.logged_insert(
            users.join(partners_, partners_.c.id == users.c.partner_id).join(
                logins, logins.c.user_id == users.c.id
            ),
            list(sessions.live_session_where(users, partners_)),
            (
                downloads.typed("grant_id", Grant.__table__.c.id, dialect),
                users.c.partner_id,
                users.c.id,
            ),
            dialect,
        )
        _FLOOR["grant_id"] = db.session.scalar(sa.select(sa.func.min(Grant.id)))
        db.session.rollback()  # nothing read stays open: as the download, one statement
    login_id = session_login_id()
    now = utcnow()
    params = login_id and sessions.session_params(
        login_id, now=now, seen_within=sessions.SEEN_EVERY
    )
    if not params:
        abort(403)
    row = {"package_hash": "bench", "format": "bundle", "size": len(BUNDLE), "created_at": now}
    if not downloads.log_if(
        _FLOOR["statement"], {**params, **row, "grant_id": _FLOOR["grant_id"], "api_key_id": None}
    ):
        abort(403)
    return bare()


def bare_gif() -> Response:
    """The pixel's answer without the pixel's work: the same GIF and headers."""
    return Response(
        pixels.PIXEL_GIF,
        mimetype="image/gif",
        headers={"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"},
    )


app.add_url_rule("/_bench/bare", "bench_bare", bare)
app.add_url_rule("/_bench/gif", "bench_gif", bare_gif)
app.add_url_rule("/_bench/bare-logged", "bench_bare_logged", bare_logged)
app.add_url_rule("/_bench/floor", "bench_floor", floor)
# The same bytes behind the portal's login check: what the session and user load cost.
app.add_url_rule("/_bench/bare-login", "bench_bare_login", partner_required(bare))


class _Profiled:
    """WSGI middleware: cProfile and SQL counts for download requests, in this worker."""

    def __init__(self, wsgi_app, out: Path) -> None:
        self.wsgi_app, self.out = wsgi_app, out
        self.lock = threading.Lock()
        self.reset()
        self.trace = out.with_suffix(".trace")
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        sa.event.listen(engine, "commit", self._commit)
        if engine.dialect.name == "postgresql":
            # Every wait for the server ends in a ReadyForQuery: counted from libpq's
            # own trace, so a BEGIN the driver sends by itself counts as well.
            self.trace_file = self.trace.open("w")
            sa.event.listen(engine.pool, "checkout", self._trace_on)
            sa.event.listen(engine.pool, "checkin", self._trace_off)

    def reset(self) -> None:
        self.profile = cProfile.Profile()
        self.requests = 0
        self.request_seconds = 0.0
        self.sql: dict[str, list[float]] = {}  # statement head -> [count, seconds]
        self.commits = 0
        self.active = False
        if getattr(self, "trace_file", None) is not None:
            self.trace_file.truncate(0)
            self.trace_file.seek(0)

    def _commit(self, conn) -> None:
        if self.active:
            self.commits += 1

    def _trace_on(self, dbapi_connection, record, proxy) -> None:
        if self.active:
            from psycopg import pq

            dbapi_connection.pgconn.trace(self.trace_file.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

    def _trace_off(self, dbapi_connection, record) -> None:
        if dbapi_connection is not None and hasattr(dbapi_connection, "pgconn"):
            dbapi_connection.pgconn.untrace()

    def _round_trips(self) -> int | None:
        if getattr(self, "trace_file", None) is None:
            return None
        self.trace_file.flush()
        return sum(
            1
            for line in self.trace.read_text().splitlines()
            if line.startswith("B\t") and "ReadyForQuery" in line
        )

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not self.active:
            return
        elapsed = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        head = " ".join(statement.split())[:90]
        entry = self.sql.setdefault(head, [0, 0.0])
        entry[0] += 1
        entry[1] += elapsed

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/profile":
            return self._dump(environ, start_response)
        if "/download/" not in path and path != "/_bench/floor":
            return self.wsgi_app(environ, start_response)
        # One request at a time: cProfile cannot profile two threads at once.
        with self.lock:
            self.active = True
            started = time.perf_counter()
            self.profile.enable()
            try:
                body = b"".join(self.wsgi_app(environ, start_response))
            finally:
                self.profile.disable()
                self.request_seconds += time.perf_counter() - started
                self.requests += 1
                self.active = False
        return [body]

    def _dump(self, environ, start_response):
        with self.lock:
            self.profile.dump_stats(self.out)
            summary = {
                "pid": os.getpid(),
                "requests": self.requests,
                "request_seconds": self.request_seconds,
                "sql": {k: {"count": v[0], "seconds": v[1]} for k, v in self.sql.items()},
                "commits": self.commits,
                "round_trips": self._round_trips(),
            }
            self.out.with_suffix(".json").write_text(json.dumps(summary, indent=1))
            self.reset()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(self.out).encode()]


if os.environ.get("BENCH_PROFILE"):
    app.wsgi_app = _Profiled(app.wsgi_app, Path(os.environ["BENCH_PROFILE"]))  # type: ignore[method-assign]
