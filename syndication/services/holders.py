"""Who holds what: an article's holders and a partner's grants, with their use (read only).

Answers the staff question "who republished this, since when, how much was it
used, and did they apply our notices?": each grant with its download count,
its pixel views (counted and raw, from the daily roll-ups the pixel's flush keeps)
and its notices (sent, acknowledged).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from syndication.extensions import db
from syndication.models import (
    ApiKey,
    Article,
    DailyGrantViews,
    Download,
    Grant,
    NoticeDelivery,
    Partner,
    User,
)
from syndication.models.base import utcnow
from syndication.services.pagination import Keyset, Sort, keyset


@dataclass(frozen=True, slots=True)
class Holding:
    """One grant and what became of it."""

    grant: Grant
    # What names the grant in its list: the article's headline among a partner's grants,
    # the partner's name among an article's holders.
    label: str
    downloads: int
    last_download: datetime | None
    pixel_views: int  # counted views: no bots, prefetches, previews or repeats
    raw_hits: int
    notices: int
    acknowledged: int

    @property
    def live(self) -> bool:
        return self.grant.status.value == "active" and (
            self.grant.valid_until is None or self.grant.valid_until > utcnow()
        )

    @property
    def unacknowledged(self) -> int:
        return self.notices - self.acknowledged


def _with_counts(query: sa.Select, grant_id, downloads, views, notices) -> sa.Select:
    """``query`` with a grant's counts (as :class:`Holding` takes them) joined on ``grant_id``."""
    return (
        query.add_columns(
            sa.func.coalesce(downloads.c.n, 0),
            downloads.c.last,
            sa.func.coalesce(views.c.n, 0),
            sa.func.coalesce(views.c.raw, 0),
            sa.func.coalesce(notices.c.n, 0),
            sa.func.coalesce(notices.c.acked, 0),
        )
        .outerjoin(downloads, downloads.c.grant_id == grant_id)
        .outerjoin(views, views.c.grant_id == grant_id)
        .outerjoin(notices, notices.c.grant_id == grant_id)
    )


def _counts(grant_ids: sa.Select):
    """Per-grant counts of downloads, views and notices, of the grants ``grant_ids`` selects.

    Each aggregate is narrowed to those grants itself: the database does not push a
    join's condition into a GROUP BY, so an unnarrowed one would count every download
    of every partner (two million rows) to show one article's holders.
    """
    downloads = (
        sa.select(
            Download.grant_id,
            sa.func.count().label("n"),
            sa.func.max(Download.created_at).label("last"),
        )
        .where(Download.grant_id.in_(grant_ids))
        .group_by(Download.grant_id)
        .subquery()
    )
    # The roll-ups, never the raw hits: one row per grant, domain and day.
    views = (
        sa.select(
            DailyGrantViews.grant_id,
            sa.func.sum(DailyGrantViews.counted).label("n"),
            sa.func.sum(DailyGrantViews.raw).label("raw"),
        )
        .where(DailyGrantViews.grant_id.in_(grant_ids))
        .group_by(DailyGrantViews.grant_id)
        .subquery()
    )
    notices = (
        sa.select(
            NoticeDelivery.grant_id,
            sa.func.count().label("n"),
            sa.func.count(NoticeDelivery.acknowledged_at).label("acked"),
        )
        .where(NoticeDelivery.grant_id.in_(grant_ids))
        .group_by(NoticeDelivery.grant_id)
        .subquery()
    )
    return downloads, views, notices


# What the lists show of a grant; not its frozen terms and ODRL (JSON, kilobytes each).
_GRANT_SHOWN = load_only(
    Grant.licence_id,
    Grant.partner_id,
    Grant.article_id,
    Grant.status,
    Grant.valid_from,
    Grant.valid_until,
)
# A partner's grants name each by its article's headline, an article's holders by the
# partner's name: a column of the page's own statement, also what the list sorts by.
# (Fifty whole articles, bodies and all, were once most of what a partner's page read;
# a second statement per page costs a round trip, and an article loaded with one column
# still costs the ORM a deferred loader for each of the others.)
_HEADLINE = sa.select(Article.headline).where(Article.id == Grant.article_id).scalar_subquery()
_PARTNER_NAME = sa.select(Partner.name).where(Partner.id == Grant.partner_id).scalar_subquery()
# Sorts by a count need every grant's counts before the page; the others do not.
COUNTED_SORTS = frozenset({"downloads", "views"})


def _listed(where: sa.ColumnElement[bool], label: sa.ScalarSelect) -> sa.Select:
    """The grants ``where`` selects, with the columns a list shows and each one's label;
    no join, so that the count of a partner's grants reads grants alone."""
    return sa.select(Grant, label).where(where).options(_GRANT_SHOWN)


def _holdings(
    where: sa.ColumnElement[bool],
    sort: Sort,
    columns: dict,
    *,
    label: sa.ScalarSelect,
    cursor: str | None,
    scope: object,
    per_page: int,
) -> Keyset[Holding]:
    if sort.key not in COUNTED_SORTS:
        return _page_then_count(_listed(where, label), sort, columns, cursor=cursor,
                                scope=scope, per_page=per_page)  # fmt: skip
    downloads, views, notices = _counts(sa.select(Grant.id).where(where))
    query = _with_counts(_listed(where, label), Grant.id, downloads, views, notices)
    sortable = {
        **columns,
        "downloads": sa.func.coalesce(downloads.c.n, 0),
        "views": sa.func.coalesce(views.c.n, 0),
        "since": Grant.valid_from,
    }
    found = keyset(
        query,
        sort=sort,
        columns=sortable,
        tiebreak=Grant.id,
        cursor=cursor,
        scope=scope,
        per_page=per_page,
        count=True,
    )
    return dataclasses.replace(found, items=[Holding(*row) for row in found.items])


def _page_then_count(
    query: sa.Select,
    sort: Sort,
    columns: dict,
    *,
    cursor: str | None,
    scope: object,
    per_page: int,
) -> Keyset[Holding]:
    """The page of grants first, then the counts of those grants alone.

    Counting before paging read every download of every grant on the list: 3,000 grants
    and 28,000 downloads for a busy partner, 50 ms, to show fifty of them.
    """
    found = keyset(
        query,
        sort=sort,
        columns={**columns, "since": Grant.valid_from},
        tiebreak=Grant.id,
        cursor=cursor,
        scope=scope,
        per_page=per_page,
        count=True,
    )
    ids = [grant.id for grant, _ in found.items]
    if not ids:
        return dataclasses.replace(found, items=[])
    # The page's ids bound once, in a WITH its four parts read: a statement naming them
    # four times was long enough that the driver parsed it again on every request.
    page = sa.select(Grant.id).where(Grant.id.in_(ids)).cte("page")
    downloads, views, notices = _counts(sa.select(page.c.id))
    rows = _with_counts(sa.select(page.c.id), page.c.id, downloads, views, notices)
    counts = {row[0]: row[1:] for row in db.session.execute(rows)}
    return dataclasses.replace(
        found, items=[Holding(grant, label, *counts[grant.id]) for grant, label in found.items]
    )


HOLDER_SORTS = ("partner", "since", "downloads", "views")
GRANT_SORTS = ("article", "since", "downloads", "views")


def of_article(
    article_id: int, *, sort: Sort, cursor: str | None = None, per_page: int = 50
) -> Keyset[Holding]:
    """A page of the grants on an article (live or not), with each partner's use of it."""
    return _holdings(
        Grant.article_id == article_id,
        sort,
        {"partner": _PARTNER_NAME},
        label=_PARTNER_NAME,
        cursor=cursor,
        scope=("holders of article", article_id),
        per_page=per_page,
    )


def of_partner(
    partner_id: int, *, sort: Sort, cursor: str | None = None, per_page: int = 50
) -> Keyset[Holding]:
    """A page of the grants a partner holds, with their use."""
    return _holdings(
        Grant.partner_id == partner_id,
        sort,
        {"article": _HEADLINE},
        label=_HEADLINE,
        cursor=cursor,
        scope=("grants of partner", partner_id),
        per_page=per_page,
    )


def recent_downloads(partner_id: int, *, limit: int = 20) -> list[sa.Row]:
    """A partner's latest downloads, with who took them: rows of the columns the list
    shows (when, format, the article's headline, the user's email or the API key's label,
    both None for an emailed link), in one statement."""
    return list(
        db.session.execute(
            sa.select(
                Download.created_at,
                Download.format,
                Article.headline,
                User.email,
                ApiKey.label.label("key_label"),
            )
            .join(Grant, Grant.id == Download.grant_id)
            .join(Article, Article.id == Grant.article_id)
            .outerjoin(User, User.id == Download.user_id)
            .outerjoin(ApiKey, ApiKey.id == Download.api_key_id)
            .where(Download.partner_id == partner_id)
            .order_by(Download.created_at.desc(), Download.id.desc())
            .limit(limit)
        )
    )


def contacts(partner_id: int) -> list[User]:
    """A partner's users, active first, administrators first, by email."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.partner_id == partner_id)
            .order_by(User.active.desc(), User.is_partner_admin.desc(), User.email)
        )
    )
