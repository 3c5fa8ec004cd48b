"""Keyset pages: forwards and back, rows added while walking, ties, NULLs, bad cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Partner, PartnerStatus
from syndication.services.pagination import (
    BadCursor,
    Keyset,
    Sort,
    keyset,
    sign_cursor,
)
from syndication.services.partners import PARTNER_SORTS

SORTS = [Sort(key, descending) for key in PARTNER_SORTS for descending in (False, True)]


def _of(partners: list[Partner]) -> sa.Select:
    return sa.select(Partner).where(Partner.id.in_([p.id for p in partners]))


def _page(partners, sort: Sort, cursor: str | None = None, *, per_page=3, scope="t") -> Keyset:
    return keyset(
        _of(partners),
        sort=sort,
        columns=PARTNER_SORTS,
        tiebreak=Partner.id,
        cursor=cursor,
        scope=scope,
        per_page=per_page,
    )


def _forwards(partners, sort: Sort, per_page: int = 3) -> list[Keyset]:
    pages = [_page(partners, sort, per_page=per_page)]
    while pages[-1].has_next:
        pages.append(_page(partners, sort, pages[-1].next_cursor, per_page=per_page))
    return pages


def _expected(partners: list[Partner], sort: Sort) -> list[int]:
    """The order worked out in Python: the column's value with NULLs last, then id."""
    key = {
        "name": lambda p: p.name.lower(),
        "visitors": lambda p: p.monthly_unique_visitors,
        "status": lambda p: p.status.value,
        "applied": lambda p: p.created_at,
    }[sort.key]
    present = [p for p in partners if key(p) is not None]
    absent = [p for p in partners if key(p) is None]
    present.sort(key=lambda p: (key(p), p.id), reverse=sort.descending)
    absent.sort(key=lambda p: p.id, reverse=sort.descending)
    return [p.id for p in present + absent]


@pytest.fixture
def partners(make_partner) -> list[Partner]:
    """Ten partners with ties in every column and NULL visitors among them."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    made = []
    for n, visitors in enumerate([500, None, 500, 100, None, 900, 500, None, 100, 300]):
        partner = make_partner(
            name=f"Outlet {'BA'[n % 2]}{n % 3}",
            monthly_unique_visitors=visitors,
            status=[PartnerStatus.APPROVED, PartnerStatus.APPLIED][n % 2],
        )
        partner.created_at = start + timedelta(hours=n % 4)
        made.append(partner)
    db.session.commit()
    return made


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: s.param)
def test_walking_forwards_gives_every_row_once_in_order_nulls_last(partners, sort):
    pages = _forwards(partners, sort)
    walked = [p.id for page in pages for p in page.items]
    assert walked == _expected(partners, sort)
    assert [len(page.items) for page in pages] == [3, 3, 3, 1]
    assert not pages[0].has_prev and all(page.has_prev for page in pages[1:])


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: s.param)
def test_walking_back_gives_the_same_pages(partners, sort):
    pages = _forwards(partners, sort)
    back = [pages[-1]]
    while back[-1].has_prev:
        back.append(_page(partners, sort, back[-1].prev_cursor))
    assert [[p.id for p in page.items] for page in reversed(back)] == [
        [p.id for p in page.items] for page in pages
    ]
    # The first page, reached backwards, again has no previous page and a next one.
    assert not back[-1].has_prev and back[-1].has_next


def test_a_row_added_while_walking_is_neither_skipped_nor_repeated(partners, make_partner):
    sort = Sort("applied", descending=True)
    first = _page(partners, sort)
    # A newer partner (it sorts first) and one that sorts after the pages already seen.
    newest = make_partner(name="Outlet new")
    later = make_partner(name="Outlet later", monthly_unique_visitors=None)
    later.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    everyone = [*partners, newest, later]
    seen = [p.id for p in first.items]
    page = first
    while page.has_next:
        page = _page(everyone, sort, page.next_cursor)
        seen += [p.id for p in page.items]
    # Offset pages would show the third row of the first page again; keyset does not.
    assert len(seen) == len(set(seen))
    assert newest.id not in seen and later.id in seen
    assert sorted(seen) == sorted(p.id for p in [*partners, later])


def test_a_tampered_cursor_is_refused(partners):
    cursor = _page(partners, Sort("name", False)).next_cursor
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad in (flipped, "not-a-cursor", cursor + "x", "."):
        with pytest.raises(BadCursor) as refused:
            _page(partners, Sort("name", False), bad)
        assert refused.value.status == 400


def test_a_cursor_from_another_sort_or_list_is_refused(partners):
    cursor = _page(partners, Sort("name", False)).next_cursor
    with pytest.raises(BadCursor):
        _page(partners, Sort("name", True), cursor)
    with pytest.raises(BadCursor):
        _page(partners, Sort("visitors", False), cursor)
    with pytest.raises(BadCursor):
        _page(partners, Sort("name", False), cursor, scope="another list")


def test_a_signed_cursor_with_a_malformed_position_is_refused(partners):
    from syndication.services.pagination import scope_of

    scope = scope_of("t", "applied")
    for position in ({"v": {"t": "yesterday"}, "i": 3}, {"v": 1, "i": "3"}, {"i": 3}, {}):
        with pytest.raises(BadCursor):
            _page(partners, Sort("applied", False), sign_cursor(scope, position))


def test_a_cursor_never_shows_rows_the_query_leaves_out(partners):
    """Authorisation stays in the query: a cursor only says where to start."""
    sort = Sort("applied", False)
    mine, theirs = partners[:5], partners[5:]
    cursor = _page(mine, sort, per_page=2).next_cursor
    shown = _page(mine, sort, cursor, per_page=10).items
    assert shown and not {p.id for p in shown} & {p.id for p in theirs}


def test_the_count_is_capped(partners):
    found = keyset(
        _of(partners),
        sort=Sort("name", False),
        columns=PARTNER_SORTS,
        tiebreak=Partner.id,
        cursor=None,
        scope="t",
        count=True,
    )
    assert (found.total, found.more) == (10, False)


def test_a_column_that_cannot_be_null_is_sorted_so_an_index_serves_either_direction():
    from syndication.services.pagination import nullable, sorted_by

    def order(key: str, descending: bool) -> str:
        query = sorted_by(sa.select(Partner.id), Sort(key, descending), PARTNER_SORTS, Partner.id)
        return str(query.compile(dialect=sa.dialects.postgresql.dialect())).split("ORDER BY")[1]

    assert not nullable(Partner.created_at) and nullable(Partner.monthly_unique_visitors)
    # NOT NULL: plain ASC or DESC, as a btree on (column, id) reads forwards or backwards.
    assert order("applied", True).split() == ["partners.created_at", "DESC,", "partners.id", "DESC"]
    assert "NULLS" not in order("applied", False)
    # A column that may hold NULLs keeps them last in both directions.
    assert "DESC NULLS LAST" in order("visitors", True)
    assert "ASC NULLS LAST" in order("visitors", False)
    # Anything but a table column (a subquery, an expression) may be NULL.
    assert nullable(sa.select(Partner.name).where(Partner.id == 1).scalar_subquery())
