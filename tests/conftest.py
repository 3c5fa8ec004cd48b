"""Fixtures: one migrated database per run, a rolled-back transaction per test.

DATABASE_URL picks the database: unset, a fresh SQLite file; a PostgreSQL
URL, that database with its public schema dropped and re-migrated.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from config import TestingConfig
from syndication import create_app
from syndication.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = ["tests.factories"]


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


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app = migrated_app(url)
    app.test_client_class = FreshContextClient
    return app


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
