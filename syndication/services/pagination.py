"""Pages of lists, walked by keyset: a signed cursor names the last row seen (its sort
value and id), so a page costs the same however deep, and rows added meanwhile are
neither skipped nor shown twice. Sorted staff tables sort by any column, nulls last."""

from __future__ import annotations

import enum
import hashlib
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from syndication.extensions import db
from syndication.services.errors import DomainError

T = TypeVar("T")


def newest_first(
    query: sa.Select, model: Any, *, before: int | None, limit: int
) -> tuple[list, bool]:
    """Up to ``limit`` rows of ``query`` with ids below ``before``, newest first, and
    whether more follow. Keyset rather than offset: a page costs the same however deep."""
    if before is not None:
        query = query.where(model.id < before)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


CURSOR_SALT = "syndication.pagination.cursor"
# A page's "N results" counts this many rows at most: past it the heading says "1,000+",
# so no page ever counts a whole big table.
COUNT_CAP = 1_000


class BadCursor(DomainError):
    """A cursor that was altered, or that belongs to another list, sort or filter."""

    status = 400

    def __init__(self) -> None:
        super().__init__(
            "This page link is not valid for this list (it was changed, or it belongs to "
            "another list, sort or filter); start again from the first page."
        )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CURSOR_SALT)


def scope_of(*parts: object) -> str:
    """A short fingerprint of what a cursor belongs to: the list, and its sort and filters."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def sign_cursor(scope: str, position: Mapping[str, Any]) -> str:
    """A signed, URL-safe cursor for ``position`` in the list named by ``scope``."""
    return _serializer().dumps({"s": scope, **position})


def read_cursor(raw: str | None, scope: str) -> dict | None:
    """The position a cursor holds, or None without one; BadCursor if it was altered or
    signed for another list, sort or filter."""
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except (BadSignature, UnicodeError, ValueError):
        raise BadCursor() from None
    if not isinstance(value, dict) or value.pop("s", None) != scope:
        raise BadCursor()
    return value


def encode_value(value: Any) -> Any:
    """A sort value as JSON: dates, datetimes and enums are tagged to come back as such."""
    if isinstance(value, enum.Enum):
        return {"e": value.value}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def decode_value(value: Any, column: Any) -> Any:
    """The sort value a cursor carries, as the column compares it; BadCursor if malformed."""
    try:
        if isinstance(value, dict):
            (tag, raw), *rest = value.items()
            if rest or not isinstance(raw, str):
                raise ValueError(tag)
            if tag == "e":
                enum_class = getattr(getattr(column, "type", None), "enum_class", None)
                return enum_class(raw) if enum_class else raw
            if tag in ("t", "d", "n"):
                return {"t": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}[tag](
                    raw
                )
            raise ValueError(tag)
        if value is None or isinstance(value, (str, int, float)):
            return value
    except (ValueError, ArithmeticError):
        pass
    raise BadCursor()


@dataclass(frozen=True, slots=True)
class Keyset(Generic[T]):
    """One page of a list walked by keyset, and what a pager needs: signed cursors for the
    pages either side (None where there is none) and, optionally, a capped count."""

    items: list[T]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None
    # True when the list holds more than ``total`` (COUNT_CAP) rows.
    more: bool = False

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def nullable(column: Any) -> bool:
    """Whether a sort column may hold NULLs: True unless it is a table column declared
    NOT NULL. Such a column is sorted without NULLS LAST, so that an index on it (and
    the id) serves the list in either direction: PostgreSQL does not know that where
    a column holds no NULLs, their place in the order does not matter."""
    return getattr(getattr(column, "expression", column), "nullable", True) is not False


def _segments(column: Any, tiebreak: Any, value: Any, last_id: int, descending: bool, back: bool):
    """The conditions, read one after the other, that give the rows after (or, ``back``,
    before) the position (value, last_id) in "column nulls last, then id".

    Each condition bounds the sort column itself (``column <= value`` and so on) rather
    than OR-ing in the NULLs, so an index on (column, id) starts the scan at the cursor:
    a deep page costs what the first does. The NULLs, last in the order, are a segment
    of their own, read only when the rows before them run out.
    """
    later = operator.lt if descending ^ back else operator.gt
    later_or_same = operator.le if descending ^ back else operator.ge
    if value is None:
        nulls = sa.and_(column.is_(None), later(tiebreak, last_id))
        return [nulls, column.is_not(None)] if back else [nulls]
    bounded = sa.and_(
        later_or_same(column, value),
        sa.or_(later(column, value), later(tiebreak, last_id)),
    )
    return [bounded] if back or not nullable(column) else [bounded, column.is_(None)]


def count_capped(query: sa.Select, cap: int | None = None) -> tuple[int, bool]:
    """How many rows ``query`` gives, reading at most ``cap`` (COUNT_CAP unless given) + 1
    of them: (the count or the cap, whether there are more)."""
    cap = COUNT_CAP if cap is None else cap
    # Only a constant per row: selecting the rows' columns (a whole article, body and all)
    # made the planner think the count costly enough for parallel workers, whose start-up
    # cost more than the count itself.
    counted = query.order_by(None).with_only_columns(sa.literal(1), maintain_column_froms=True)
    limited = counted.limit(cap + 1).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0
    return min(total, cap), total > cap


def keyset(
    query: sa.Select,
    *,
    sort: Sort,
    columns: Mapping[str, Any],
    tiebreak: Any,
    cursor: str | None,
    scope: object,
    per_page: int = 50,
    having: bool = False,
    count: bool = False,
) -> Keyset:
    """One page of ``query`` in the sort's order (nulls last, then ``tiebreak``, an id),
    starting after or ending before the row a signed cursor names.

    ``scope`` (see scope_of) names the list and its filters; the sort is added to it, so a
    cursor from another list, sort or filter is refused (BadCursor). Authorisation stays in
    ``query``: a cursor only says where to start, never which rows may be seen. ``having``
    puts the position test in HAVING, for a grouped query sorted by an aggregate. ``count``
    adds a count capped at COUNT_CAP. Items are the query's first column, or tuples of its
    columns when it selects several.
    """
    signed_for = scope_of(scope, sort.param)
    return _page(query, sort, columns, tiebreak, read_cursor(cursor, signed_for), signed_for,
                 per_page=per_page, having=having, count=count)  # fmt: skip


def _page(query, sort, columns, tiebreak, position, scope, *, per_page, having, count) -> Keyset:
    column = columns[sort.key]
    width = len(query.column_descriptions)
    base = query.order_by(None)
    paged = base.add_columns(column.label("_keyset_value"), tiebreak.label("_keyset_id"))
    backward = False
    segments: list = [None]
    if position is not None:
        last_id = position.get("i")
        if not isinstance(last_id, int) or isinstance(last_id, bool) or "v" not in position:
            raise BadCursor()
        value = decode_value(position["v"], column)
        backward = position.get("b") is True
        segments = _segments(column, tiebreak, value, last_id, sort.descending, backward)
    if backward:
        # Back from a page: the reversed order, read from the cursor towards the start.
        reverse = sa.desc if not sort.descending else sa.asc
        first = reverse(column).nulls_first() if nullable(column) else reverse(column)
        paged = paged.order_by(first, reverse(tiebreak))
    else:
        paged = sorted_by(paged, sort, columns, tiebreak)
    rows: list = []
    for test in segments:
        segment = paged if test is None else paged.having(test) if having else paged.where(test)
        rows += db.session.execute(segment.limit(per_page + 1 - len(rows))).all()
        if len(rows) > per_page:
            break
    if backward and len(rows) <= per_page:
        # Fewer than a page before it: that is the first page, shown whole.
        return _page(query, sort, columns, tiebreak, None, scope,
                     per_page=per_page, having=having, count=count)  # fmt: skip
    more_beyond = len(rows) > per_page
    rows = rows[:per_page]
    if backward:
        rows.reverse()

    def at(row, *, back: bool) -> str:
        return sign_cursor(scope, {"v": encode_value(row[-2]), "i": row[-1], "b": back})

    has_next = (more_beyond or position is not None) if backward else more_beyond
    has_prev = more_beyond if backward else position is not None
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    total, more = None, False
    if count and position is None and not more_beyond:
        # The first page holds the whole list: nothing more to count.
        total = len(items)
    elif count:
        total, more = count_capped(base)
    return Keyset(
        items,
        next_cursor=at(rows[-1], back=False) if rows and has_next else None,
        prev_cursor=at(rows[0], back=True) if rows and has_prev else None,
        total=total,
        more=more,
    )


@dataclass(frozen=True, slots=True)
class Sort:
    """A table's sort order as the query string spells it: ``key`` or ``-key`` (descending)."""

    key: str
    descending: bool

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key


def parse_sort(raw: str | None, columns: Mapping[str, object], default: str) -> Sort:
    """The sort a query string asks for, if it names one of ``columns``; else ``default``."""
    for candidate in (raw or "", default):
        key = candidate.removeprefix("-")
        if key in columns:
            return Sort(key, candidate.startswith("-"))
    raise ValueError(f"the default sort {default!r} is not one of the columns")


def sorted_by(
    query: sa.Select,
    sort: Sort,
    columns: Mapping[str, sa.ColumnElement | Any],
    tiebreak: sa.ColumnElement | Any,
) -> sa.Select:
    """``query`` ordered by the sort's column, then ``tiebreak`` (an id) the same way, so
    rows with equal values keep one order from page to page."""
    column = columns[sort.key]
    order = sa.desc(column) if sort.descending else sa.asc(column)
    if nullable(column):
        order = order.nulls_last()
    return query.order_by(order, tiebreak.desc() if sort.descending else tiebreak.asc())
