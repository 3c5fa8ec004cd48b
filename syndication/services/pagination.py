"""Pages of lists: keyset pages for the API's cursors; numbered, sorted pages for staff."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from syndication.extensions import db
from syndication.services.errors import DomainError, NotFound

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


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One numbered page of a list and what a pager needs."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# Deeper than any list this app shows; beyond it an offset would overflow the database.
MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """The page a query string asks for: a positive whole number, else the first.

    A number beyond MAX_PAGE is refused (400) rather than sent to the database.
    """
    raw = (raw or "").strip()
    if not raw:
        return 1
    if (
        not raw.isascii()
        or not raw.isdigit()
        or len(raw) > len(str(MAX_PAGE))
        or int(raw) > MAX_PAGE
    ):
        raise DomainError(f"“page” is not valid: give a whole number from 1 to {MAX_PAGE:,}.")
    return max(1, int(raw))


def check_page(page: int, pages: int) -> None:
    """NotFound for a page past the end (an empty list still has its first page)."""
    if page > max(pages, 1):
        noun = "page" if pages == 1 else "pages"
        raise NotFound(f"There is no page {page}: this list has {max(pages, 1)} {noun}.")


def paginate(
    query: sa.Select, *, page: int, per_page: int = 50, counted: sa.Select | None = None
) -> Page:
    """Page ``page`` of ``query`` (already ordered); NotFound past the last page.

    ``counted`` selects the same rows more cheaply (fewer joins), for the total.
    """
    counted = query.order_by(None) if counted is None else counted
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted.subquery()))
    page_of = Page([], total or 0, page, per_page)
    check_page(page, page_of.pages)
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows.unique()), total or 0, page, per_page)


def paginate_list(rows: list[T], *, page: int, per_page: int = 50) -> Page[T]:
    """Page ``page`` of rows already in hand; NotFound past the last page."""
    page_of = Page([], len(rows), page, per_page)
    check_page(page, page_of.pages)
    start = (page - 1) * per_page
    return Page(rows[start : start + per_page], len(rows), page, per_page)


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
    if sort.descending:
        return query.order_by(sa.desc(column).nulls_last(), tiebreak.desc())
    return query.order_by(sa.asc(column).nulls_last(), tiebreak.asc())
