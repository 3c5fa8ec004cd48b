"""The UTC calendar day of a timestamp column in SQL, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utc_day(FunctionElement):
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL alike."""

    type = sa.Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


def as_date(value: date | str) -> date:
    """A day read back from SQL: SQLite answers date() as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value
