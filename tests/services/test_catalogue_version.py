"""The catalogue's version: moved by every writer of the articles, never making them queue.

On PostgreSQL the version is the sum of a few counter rows, and each connection's
writes move its own row: two transactions writing articles at once (an import's
batch and a staff edit) no longer wait for each other's commit on one row's lock.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from syndication.extensions import db
from syndication.services import search

# A statement-level trigger fires even when no row matches: a write to the articles.
TOUCH = "UPDATE articles SET word_count = word_count WHERE id = -1"


@pytest.fixture
def engine(app):
    """Connections of their own, outside the test's rolled-back transaction."""
    with app.app_context():
        url = db.engine.engine.url  # the suite binds db.engine to its test connection
    if url.get_backend_name() != "postgresql":
        pytest.skip("SQLite has one writer at a time whatever the counter does")
    own = sa.create_engine(url, poolclass=NullPool)
    yield own
    own.dispose()


def _shard(connection: sa.Connection) -> int:
    shard = connection.exec_driver_sql("SELECT pg_backend_pid() %% 16").scalar_one()
    connection.rollback()
    return shard


def test_two_writers_of_the_articles_do_not_wait_for_each_other(engine):
    opened = [engine.connect()]
    try:
        first = opened[0]
        # A second connection whose writes move another counter row than the first's.
        while len(opened) < 40 and _shard(opened[-1]) == _shard(first):
            opened.append(engine.connect())
        second = opened[-1]
        assert _shard(second) != _shard(first)
        first.begin()
        first.exec_driver_sql(TOUCH)  # holds its row until it commits
        second.begin()
        second.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        second.exec_driver_sql(TOUCH)  # waited, and then failed, on one shared row
        second.commit()
        first.commit()
    finally:
        for connection in opened:
            connection.close()


def test_the_version_moves_with_every_committed_write_whichever_row_it_moved(engine, app):
    with app.app_context():
        before = search.catalogue_version()
    with engine.connect() as connection:
        connection.exec_driver_sql(TOUCH)
        connection.commit()
    with engine.connect() as connection:
        connection.exec_driver_sql(TOUCH)
        connection.commit()
    with app.app_context():
        db.session.rollback()  # a new snapshot
        assert search.catalogue_version() == before + 2
