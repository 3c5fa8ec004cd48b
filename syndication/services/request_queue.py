"""The staff request queue as a table: filtered by status, partner, policy and date, sorted
by any column, in pages walked by keyset (read only; decisions are in services.grants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.models import Article, ArticleRequest, Partner, RequestStatus, SyndicationPolicy
from syndication.services.pagination import Keyset, Sort, keyset
from syndication.services.partners import name_begins

SORT_COLUMNS = {
    "requested": ArticleRequest.created_at,
    "partner": Partner.name,
    "article": Article.headline,
    "policy": Article.policy,
    "status": ArticleRequest.status,
}
# Oldest first by default, so nobody waits longest.
DEFAULT_SORT = "requested"


@dataclass(frozen=True, slots=True)
class QueueFilters:
    status: str = "pending"
    partner_id: int | None = None
    # Partners whose name begins with this, in any case ("" for every partner).
    partner_name: str = ""
    policy: str = ""
    date_from: date | None = None
    date_to: date | None = None


def page(
    filters: QueueFilters, *, sort: Sort, cursor: str | None = None, per_page: int = 50
) -> Keyset:
    """One page of requests matching the filters, after or before the row ``cursor`` names;
    an unknown status or policy does not filter."""
    query = (
        sa.select(ArticleRequest)
        .join(Article, Article.id == ArticleRequest.article_id)
        .join(Partner, Partner.id == ArticleRequest.partner_id)
        # The columns the queue shows: a page of whole articles is fifty bodies to read.
        .options(
            selectinload(ArticleRequest.article).load_only(Article.headline, Article.policy),
            selectinload(ArticleRequest.partner).load_only(Partner.name, Partner.tier),
        )
    )
    if filters.status in RequestStatus.__members__.values():
        query = query.where(ArticleRequest.status == filters.status)
    if filters.partner_id:
        query = query.where(ArticleRequest.partner_id == filters.partner_id)
    if filters.partner_name:
        named = sa.select(Partner.id).where(name_begins(filters.partner_name))
        query = query.where(ArticleRequest.partner_id.in_(named))
    if filters.policy in SyndicationPolicy.__members__.values():
        query = query.where(Article.policy == filters.policy)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, UTC)
        query = query.where(ArticleRequest.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(ArticleRequest.created_at < end)
    return keyset(
        query,
        sort=sort,
        columns=SORT_COLUMNS,
        tiebreak=ArticleRequest.id,
        cursor=cursor,
        scope=("staff requests", filters),
        per_page=per_page,
        count=True,
    )
