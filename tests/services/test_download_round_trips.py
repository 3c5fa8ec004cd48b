"""A cached download costs the database one round trip, and still refuses at once.

Runs on the separate database (real commits, the production connection
handling rather than the rolled-back test transaction), on SQLite and on
PostgreSQL alike. Statements and commits are counted with SQLAlchemy's
events; on PostgreSQL the round trips themselves are counted from libpq's
protocol trace (every wait for the server ends in a ReadyForQuery), so a
BEGIN the driver sends on its own is counted too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    ApiKey,
    Download,
    Grant,
    GrantStatus,
    Partner,
    PartnerStatus,
    Role,
)
from syndication.security import new_api_key
from syndication.services import downloads, grants, users
from tests.factories import PASSWORD
from tests.services.test_request_races import committed_partner_and_article


@dataclass
class Counted:
    """What one stretch of requests sent to the database."""

    statements: list[str] = field(default_factory=list)
    commits: int = 0
    round_trips: int | None = None  # PostgreSQL only: from the protocol trace


@dataclass
class Holder:
    grant_id: int
    partner_id: int
    email: str
    api_key: str


@pytest.fixture
def holder(separate_app) -> Holder:
    """A committed partner with a user, an API key and a grant for a free article."""
    partner_id, article_id = committed_partner_and_article(separate_app, headline="Downloaded")
    email = f"ed-{uuid.uuid4().hex[:8]}@holder.example"
    with separate_app.app_context():
        partner = db.session.get(Partner, partner_id)
        user = users.create_user(email, Role.PARTNER, password=PASSWORD, partner=partner)
        secret, prefix, digest = new_api_key()
        db.session.add(ApiKey(partner_id=partner_id, label="CMS", prefix=prefix, key_hash=digest))
        db.session.commit()
        (result,) = grants.request_articles(partner, [article_id], requested_by=user)
        assert result.grant is not None
        downloads.memory_of(separate_app).clear()
        return Holder(result.grant.id, partner_id, email, secret)


@pytest.fixture
def count(separate_app, tmp_path):
    """A context manager counting what the requests inside it send to the database."""

    @contextmanager
    def counting() -> Iterator[Counted]:
        counted = Counted()
        with separate_app.app_context():
            engine = db.engine
        trace = tmp_path / f"libpq-{uuid.uuid4().hex}.trace"
        postgresql = engine.dialect.name == "postgresql"
        out = trace.open("w") if postgresql else None

        def statement(conn, cursor, text, parameters, context, executemany):
            counted.statements.append(" ".join(text.split()))

        def commit(conn):
            counted.commits += 1

        def checkout(dbapi_connection, record, proxy):
            if out is not None:
                from psycopg import pq

                dbapi_connection.pgconn.trace(out.fileno())
                dbapi_connection.pgconn.set_trace_flags(
                    pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
                )

        def checkin(dbapi_connection, record):
            if out is not None and dbapi_connection is not None:
                dbapi_connection.pgconn.untrace()

        listeners = [
            (engine, "before_cursor_execute", statement),
            (engine, "commit", commit),
            (engine.pool, "checkout", checkout),
            (engine.pool, "checkin", checkin),
        ]
        for target, name, fn in listeners:
            sa.event.listen(target, name, fn)
        try:
            yield counted
        finally:
            for target, name, fn in listeners:
                sa.event.remove(target, name, fn)
            if out is not None:
                out.close()
                counted.round_trips = _ready_for_query(trace)

    return counting


def _ready_for_query(trace: Path) -> int:
    """Round trips in a libpq trace: each one ends when the server is ready again."""
    return sum(
        1
        for line in trace.read_text().splitlines()
        if line.startswith("B\t") and "ReadyForQuery" in line
    )


def _logged(app, grant_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Download).where(Download.grant_id == grant_id)
        )


def _set(app, model, row_id: int, **values) -> None:
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def _logged_in(app, holder: Holder):
    client = app.test_client()
    response = client.post("/login", data={"email": holder.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_cached_portal_download_is_one_statement_and_one_round_trip(separate_app, holder, count):
    client = _logged_in(separate_app, holder)
    url = f"/portal/grants/{holder.grant_id}/download/bundle"
    first = client.get(url)  # built and remembered
    assert first.status_code == 200
    with count() as counted:
        again = client.get(url)
    assert again.status_code == 200 and again.data == first.data
    assert _logged(separate_app, holder.grant_id) == 2
    # The check and the log row in one INSERT … SELECT, autocommitted: no user
    # loaded, no grant read apart, no separate COMMIT.
    assert len(counted.statements) == 1, counted.statements
    assert counted.statements[0].startswith("INSERT INTO downloads")
    assert len(counted.statements) + counted.commits <= 2
    if counted.round_trips is not None:
        assert counted.round_trips <= 2, counted.round_trips
        assert counted.round_trips == 1


def test_a_cached_api_download_logs_in_the_keys_transaction(separate_app, holder, count):
    url = f"/api/v1/grants/{holder.grant_id}/package"
    headers = {"Authorization": f"Bearer {holder.api_key}"}
    client = separate_app.test_client()
    assert client.get(url, headers=headers).status_code == 200
    with count() as counted:
        assert client.get(url, headers=headers).status_code == 200
    assert _logged(separate_app, holder.grant_id) == 2
    # The key's check, then the check-and-log INSERT; its commit.
    inserts = [s for s in counted.statements if s.startswith("INSERT INTO downloads")]
    assert len(inserts) == 1 and "FROM grants" in inserts[0]
    assert not [s for s in counted.statements if s.startswith("SELECT grants.id")]


def _remembered_on_both_doors(app, holder):
    """The holder's portal session and API key, each having downloaded (and so remembered)
    the bundle: (client, url, api client, api url, api headers)."""
    client = _logged_in(app, holder)
    url = f"/portal/grants/{holder.grant_id}/download/bundle"
    api = app.test_client()
    api_url = f"/api/v1/grants/{holder.grant_id}/package"
    headers = {"Authorization": f"Bearer {holder.api_key}"}
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200
    assert api.get(api_url, headers=headers).status_code == 200
    return client, url, api, api_url, headers


def test_revoking_after_a_remembered_download_is_refused_at_once(separate_app, holder):
    client, url, api, api_url, headers = _remembered_on_both_doors(separate_app, holder)
    _set(separate_app, Grant, holder.grant_id, status=GrantStatus.REVOKED)
    refused = client.get(url)
    assert refused.status_code == 410 and "revoked" in refused.text
    assert api.get(api_url, headers=headers).status_code == 410
    assert _logged(separate_app, holder.grant_id) == 3


def test_a_suspended_partners_session_and_key_are_refused_at_once(separate_app, holder):
    client, url, api, api_url, headers = _remembered_on_both_doors(separate_app, holder)
    _set(separate_app, Partner, holder.partner_id, status=PartnerStatus.SUSPENDED)
    session_refused = client.get(url)
    assert session_refused.status_code == 302 and "/login" in session_refused.location
    key_refused = api.get(api_url, headers=headers)
    assert key_refused.status_code in (401, 403)
    assert key_refused.mimetype == "application/problem+json"
    assert _logged(separate_app, holder.grant_id) == 3
    # Reinstated, the same cookie and key work again: nothing was remembered as refused.
    _set(separate_app, Partner, holder.partner_id, status=PartnerStatus.APPROVED)
    assert client.get(url).status_code == 200


def test_a_cached_download_is_not_planned_again_on_sqlite(separate_app, holder):
    """SQLite plans a statement again whenever a parameter bound in it was tested against
    a partial index's WHERE (``grants.status = ?`` beside ``uq_grants_one_active``): on
    every execution. Its authorizer runs while a statement is planned, so it must stay
    silent through repeated downloads on a connection that ran the statement before."""
    with separate_app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planning")
    planned: dict[int, int] = {}  # authorizer calls per connection
    ran: list[tuple[int, int]] = []  # (connection, its calls while running the INSERT)
    watched = []

    def checkout(dbapi_connection, record, proxy):
        key = id(dbapi_connection)
        if key in planned:
            return  # setting an authorizer makes SQLite plan every statement again
        planned[key] = 0

        def authorizer(*_):
            planned[key] += 1
            return 0  # SQLITE_OK

        dbapi_connection.set_authorizer(authorizer)
        watched.append(dbapi_connection)

    def before(conn, cursor, text, parameters, context, executemany):
        conn.info["planned"] = planned[id(conn.connection.dbapi_connection)]

    def after(conn, cursor, text, parameters, context, executemany):
        if text.startswith("INSERT INTO downloads"):
            key = id(conn.connection.dbapi_connection)
            ran.append((key, planned[key] - conn.info.pop("planned")))

    client = _logged_in(separate_app, holder)
    url = f"/portal/grants/{holder.grant_id}/download/bundle"
    assert client.get(url).status_code == 200  # built and remembered
    listeners = [
        (engine.pool, "checkout", checkout),
        (engine, "before_cursor_execute", before),
        (engine, "after_cursor_execute", after),
    ]
    for target, name, fn in listeners:
        sa.event.listen(target, name, fn)
    try:
        for _ in range(6):
            assert client.get(url).status_code == 200
    finally:
        for target, name, fn in listeners:
            sa.event.remove(target, name, fn)
        for dbapi_connection in watched:
            dbapi_connection.set_authorizer(None)
    # The first run on each connection plans it (setting the authorizer forgot every plan).
    repeats = [calls for n, (key, calls) in enumerate(ran) if key in {k for k, _ in ran[:n]}]
    assert len(repeats) >= 3 and not any(repeats), ran
