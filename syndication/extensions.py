"""Flask extensions, created once and bound to the app in create_app()."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

# A naming convention keeps constraint names identical on SQLite and
# PostgreSQL, so migrations can name (and later drop) them on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(
    model_class=Base,
    # Lets the test suite bind the session to a connection inside an outer
    # transaction: each test's commits become savepoints that are rolled back.
    session_options={"join_transaction_mode": "create_savepoint"},
)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# Storage comes from RATELIMIT_STORAGE_URI: Redis in production, so every worker
# shares one count; memory for a single development process.
limiter = Limiter(key_func=get_remote_address)

# How long a SQLite statement waits for another connection's write lock before
# "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Make SQLite enforce foreign keys and behave transactionally."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # The usual pairing with WAL: no fsync per commit, still never corrupt.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        if conn.get_execution_options().get("sqlite_autocommit"):
            # The driver is in autocommit mode (above): without BEGIN each statement
            # is its own transaction (services.downloads). isolation_level="AUTOCOMMIT"
            # would run PRAGMAs on the way in and out, and hand the connection back
            # to the pool with pysqlite's own transaction handling switched on.
            return
        # A transaction that reads and then writes asks for the write lock at
        # once (it waits its turn): taken later, SQLite refuses it outright if
        # another connection wrote since this one's first read.
        immediate = conn.get_execution_options().get("sqlite_begin_immediate")
        # Straight to the driver: BEGIN needs no statement cache, events or result.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def lock_wait(connection: sa.Connection, milliseconds: int) -> Iterator[None]:
    """Inside, a statement on ``connection`` waits at most ``milliseconds`` for a lock
    another transaction holds, then fails (OperationalError): for writes that may be
    skipped rather than keep a request waiting.

    SQLite: the connection's busy timeout, put back on the way out. PostgreSQL:
    ``lock_timeout`` for the rest of the transaction, put back on the way out unless a
    statement failed (the transaction is then aborted; its rollback puts it back).
    """
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        driver.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
        try:
            yield
        finally:
            driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        return
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(milliseconds)}ms'")
    yield
    connection.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
