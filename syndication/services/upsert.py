"""INSERT statements that take ON CONFLICT clauses, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from syndication.extensions import db

Statement = TypeVar("Statement")

_BUILT: dict[tuple[str, str], Any] = {}


def insert(table: sa.Table):
    """An INSERT into ``table`` in the session's dialect, so ``on_conflict_do_update`` and
    ``on_conflict_do_nothing`` are there to chain."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def built_once(name: str, build: Callable[[], Statement]) -> Statement:
    """The statement ``build`` makes (with :func:`insert`) in the session's dialect, made on
    first use under ``name`` and kept: for upserts run over and over, such as the pixel
    flush's, where building one anew (its ``excluded`` columns above all) costs more than
    running it."""
    key = (name, db.session.get_bind().dialect.name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found


def adding(table: sa.Table, keys: Sequence[str], counts: Sequence[str]):
    """INSERT … ON CONFLICT (``keys``) DO UPDATE adding the new row's ``counts`` to those of
    the row already there; built once per table, keys and counts (:func:`built_once`)."""

    def build():
        statement = insert(table)
        return statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={c: table.c[c] + statement.excluded[c] for c in counts},
        )

    return built_once(f"adding {table.name} ({', '.join(keys)}) {', '.join(counts)}", build)
