"""The staff request queue as a table: filtered by status, partner, policy and date, sorted
by any column, in numbered pages (read only; decisions are in services.grants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.models import Article, ArticleRequest, Partner, RequestStatus, SyndicationPolicy
from syndication.services.pagination import Page, Sort, paginate, sorted_by

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
    policy: str = ""
    date_from: date | None = None
    date_to: date | None = None


def page(filters: QueueFilters, *, sort: Sort, page: int, per_page: int = 50) -> Page:
    """One page of requests matching the filters; an unknown status or policy does not filter."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status in RequestStatus.__members__.values():
        conditions.append(ArticleRequest.status == filters.status)
    if filters.partner_id:
        conditions.append(ArticleRequest.partner_id == filters.partner_id)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, UTC)
        conditions.append(ArticleRequest.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        conditions.append(ArticleRequest.created_at < end)
    # Counted without the joins the page sorts by (every request has its article and
    # partner): counting 20,000 requests is then an index's work, not 20,000 lookups.
    counted = sa.select(ArticleRequest.id).where(*conditions)
    if filters.policy in SyndicationPolicy.__members__.values():
        conditions.append(Article.policy == filters.policy)
        counted = counted.join(Article, Article.id == ArticleRequest.article_id).where(
            Article.policy == filters.policy
        )
    query = (
        sa.select(ArticleRequest)
        .join(Article, Article.id == ArticleRequest.article_id)
        .join(Partner, Partner.id == ArticleRequest.partner_id)
        .where(*conditions)
        .options(selectinload(ArticleRequest.article), selectinload(ArticleRequest.partner))
    )
    return paginate(
        sorted_by(query, sort, SORT_COLUMNS, ArticleRequest.id),
        page=page,
        per_page=per_page,
        counted=counted,
    )
