"""Fixtures: one migrated database per run, a rolled-back transaction per test.

DATABASE_URL picks the database: unset, a fresh SQLite file; a PostgreSQL
URL, that database with its public schema dropped and re-migrated. Run in
several processes (pytest-xdist's ``-n``), each process has a database of its own.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.services import pixels
from syndication.services.worker_memory import forget_everything
from syndication.tasks import queue_of, run_now

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = ["tests.factories", "tests.receivers"]

# On CI every property test replays the same examples, so a run that lands is
# reproducible; on a developer's machine they explore new ones each run.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    # A loaded CI machine makes input generation slow; that is not a failure of the code.
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    settings.load_profile("ci")


def migrated_app(database_url: str, **overrides):
    """An app on an empty database, built by running the migrations (never create_all).

    Its task queue is empty too: ``TASK_QUEUE_URL`` (a Redis db of the suite's
    own, as `make test-postgres` sets) is flushed, else a new SQLite queue file
    beside the database.
    """
    overrides.setdefault(
        "TASK_QUEUE_URL",
        os.environ.get("TASK_QUEUE_URL")
        or f"sqlite:///{Path(tempfile.mkdtemp(prefix='queue-')) / 'tasks.db'}",
    )
    # Pixel hits wait in Redis whenever the queue runs on Redis (as `make test-postgres`
    # sets it), else in memory; the keys carry the queue name, so runs never share them.
    queue_url = overrides["TASK_QUEUE_URL"]
    overrides.setdefault(
        "PIXEL_BUFFER_URL",
        os.environ.get("PIXEL_BUFFER_URL")
        or (queue_url if queue_url.startswith("redis://") else "memory://"),
    )
    # A queue name of this process's own: two runs, or two workers of one run, sharing a
    # Redis db never see each other's tasks (tests/services/test_pixel.py checks it).
    overrides["TASK_QUEUE_NAME"] = f"{overrides.get('TASK_QUEUE_NAME', 'tests')}-{os.getpid()}"
    config = type(
        "RunConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )
    app = create_app(config)
    queue_of(app).flush()
    pixels.buffer(app).clear()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, requests would share the test's app context: the same `g`
    (Flask-Login's cached user) and the same database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            # Pop the request context Flask preserved, before our app context goes.
            self._context_stack.close()
        return response


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """A real SMTP server on loopback that keeps what it receives.

    Email leaves the app through the task queue: reading the mailbox first
    lets the worker run what is queued (``deliver``), as a real inbox fills
    once the worker has sent. ``refuse_next`` makes the server answer a
    temporary failure (451) to that many messages, as a busy server does.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.deliver = lambda: None
        self.refuse_next = 0
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
            self._arrived.notify_all()
        return "250 OK"

    def _to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def to(self, address: str) -> list[EmailMessage]:
        self.deliver()
        return self._to(address)

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        """What reached ``address`` once ``count`` messages have (sent by another process)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._to(address)) >= count, timeout)
        return self._to(address)

    def clear(self) -> None:
        self.messages.clear()
        self.refuse_next = 0


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    # aiosmtpd needs its port named before it binds: another process (a second test
    # worker) can take a free port between the probe and the bind, so take another.
    for attempt in range(5):
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except OSError:
            if attempt == 4:
                raise
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, worker) -> Mailbox:
    box = smtp_server[0]
    box.clear()
    box.deliver = worker.drain
    return box


class Worker:
    """The app's task queue, worked in this thread as a consumer's worker thread would.

    Tasks run on the test's connection, inside its rolled-back transaction:
    what a task commits is seen by the test and undone after it.
    """

    def __init__(self, app) -> None:
        self.app = app

    def drain(self, *, now=None) -> int:
        """Run every task in the queue (those due by ``now``); returns how many ran."""
        return run_now(self.app, now=now)

    def pending(self) -> int:
        return queue_of(self.app).pending_count()


@pytest.fixture
def worker(app) -> Worker:
    return Worker(app)


def database_url(tmp_path_factory) -> str:
    """This process's database: DATABASE_URL's, else a new SQLite file.

    Under pytest-xdist every worker has its own: a SQLite file in the worker's
    own temporary directory, or a PostgreSQL database named after the worker
    (``test`` becomes ``test_gw0``, ``test_gw1``), made on the same server when
    missing, so CI needs only the one database DATABASE_URL names.
    """
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        url = ensure_database(url, f"{sa.make_url(url).database}_{worker}")
    return url


def ensure_database(url: str, name: str) -> str:
    """``url`` with database ``name``, created on that server first if it is missing.

    Asked of the server's own ``postgres`` database, which is there whether or not
    ``url``'s is yet.
    """
    server = sa.make_url(url).set(database="postgres")
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(url).set(database=name).render_as_string(False)


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server, ca_bundle):
    app = migrated_app(
        database_url(tmp_path_factory),
        MAIL_PORT=smtp_server[1],
        OUTBOUND_CA_BUNDLE=ca_bundle,
        PACKAGE_CACHE_DIR=str(tmp_path_factory.mktemp("packages")),
    )
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="session")
def separate_app(tmp_path_factory, smtp_server, ca_bundle):
    """An app on a database of its own, outside the rolled-back transaction.

    For tests that need real, concurrent commits. On PostgreSQL it is a second
    database on the same server; on SQLite a second file.
    """
    url = database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        # Named after this process's database, so runs and workers never share it.
        url = ensure_database(url, f"{sa.make_url(url).database}_separate")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('separate') / 'separate.db'}"
    app = migrated_app(
        url, MAIL_PORT=smtp_server[1], TASK_QUEUE_NAME="separate", OUTBOUND_CA_BUNDLE=ca_bundle
    )
    yield app
    # Its queue is named after this process: on a shared Redis db, what its tests left
    # there would stay for good.
    queue_of(app).flush()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _rollback(app):
    """Run each test inside a transaction that is rolled back afterwards.

    The session's commits become savepoints on this connection, so services
    behave as in production while the database is left as it was.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        engines = db.engines
        original = engines[None]
        engines[None] = connection
        try:
            yield
        finally:
            db.session.remove()
            # Task messages naming rows that are about to be rolled back go with them.
            queue_of(app).flush()
            pixels.buffer(app).clear()
            engines[None] = original
            outer.rollback()
            connection.close()
            # What the app remembered of a rolled-back database must not outlive it.
            forget_everything(app)


class AuthActions:
    """Log a test client in and out through the real login form (and second factor)."""

    def __init__(self, client) -> None:
        self._client = client

    def login(
        self, email: str, password: str = "correct horse battery", *, query: str = "", **form
    ):
        """The password step, then, when asked, the code the user's app shows.

        Each code works once, so a second login in the same 30 seconds takes the
        next step's code (accepted for clock drift), as a person would wait for it.
        """
        response = self._client.post(
            "/login" + query, data={"email": email, "password": password, **form}
        )
        if response.status_code == 302 and response.location.endswith("/login/code"):
            from syndication.services import users
            from tests.factories import current_step, totp_code

            db.session.expire_all()
            user = users.find_by_email(email)
            now = current_step(user)
            step = max(now - 1, (user.totp_last_step or 0) + 1)
            assert step <= now + 1, "three logins of one user in 30 seconds: codes ran out"
            response = self._client.post("/login/code", data={"code": totp_code(user, step)})
        return response

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"the shared corpus is expected at {SHARED}"
    return SHARED


@pytest.fixture
def statements():
    """SQL statements run while the test runs (the tests' own savepoints left out)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "SAVEPOINT" not in statement.upper():
            seen.append(" ".join(statement.split()))

    engine = db.engines[None].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)
