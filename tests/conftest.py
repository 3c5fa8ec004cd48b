"""Fixtures: one migrated database per run, a rolled-back transaction per test.

DATABASE_URL picks the database: unset, a fresh SQLite file; a PostgreSQL
URL, that database with its public schema dropped and re-migrated.
"""

from __future__ import annotations

import os
import socket
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
from hypothesis import settings

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db
from syndication.services.worker_memory import forget_everything

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = ["tests.factories"]

# On CI every property test replays the same examples, so a run that lands is
# reproducible; on a developer's machine they explore new ones each run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def migrated_app(database_url: str, **overrides):
    """An app on an empty database, built by running the migrations (never create_all)."""
    config = type(
        "RunConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )
    app = create_app(config)
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
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    smtp_server[0].clear()
    return smtp_server[0]


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    app = migrated_app(
        database_url(tmp_path_factory),
        MAIL_PORT=smtp_server[1],
        PACKAGE_CACHE_DIR=str(tmp_path_factory.mktemp("packages")),
    )
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="session")
def separate_app(tmp_path_factory, smtp_server):
    """An app on a database of its own, outside the rolled-back transaction.

    For tests that need real, concurrent commits. On PostgreSQL it is a second
    database on the same server; on SQLite a second file.
    """
    url = database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = 'syndication_separate'")
            )
            if not exists:
                conn.execute(sa.text("CREATE DATABASE syndication_separate"))
        engine.dispose()
        url = sa.make_url(url).set(database="syndication_separate").render_as_string(False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('separate') / 'separate.db'}"
    return migrated_app(url, MAIL_PORT=smtp_server[1])


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
            engines[None] = original
            outer.rollback()
            connection.close()
            # What the app remembered of a rolled-back database must not outlive it.
            forget_everything(app)


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = "correct horse battery"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"the shared corpus is expected at {SHARED}"
    return SHARED
