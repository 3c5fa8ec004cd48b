"""Column types and helpers shared by every model module."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every timestamp stores)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on both SQLite and PostgreSQL.

    SQLite keeps no offset, so values are normalised to UTC on the way in and
    given back their tzinfo on the way out; comparisons then work the same on
    both databases.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.StrEnum], name: str, **kwargs) -> sa.Enum:
    """A portable enum: a VARCHAR with a CHECK constraint listing the values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
        **kwargs,
    )


def sql_constant(value: enum.StrEnum) -> sa.ColumnElement:
    """An enum value written into a statement's SQL as a literal, never bound.

    For a condition a partial index's WHERE names (a grant's ``status = 'active'``):
    SQLite tests a bound parameter against that WHERE when it plans a statement,
    and then plans the statement again whenever the parameter is bound, that is
    on every execution (a tenth of a millisecond and more for a join). Written
    in, the value leaves the statement's plan cached.
    """
    if not value.value.replace("_", "").isalnum():
        raise ValueError(f"not a plain enum value: {value.value!r}")
    return sa.literal_column(f"'{value.value}'")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
