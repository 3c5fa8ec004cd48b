"""INSERT statements that take ON CONFLICT clauses, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from syndication.extensions import db


def insert(table: sa.Table):
    """An INSERT into ``table`` in the session's dialect, so ``on_conflict_do_update`` and
    ``on_conflict_do_nothing`` are there to chain."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
