"""The catalogue search shared by the staff article list and the partner catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import request

from syndication.extensions import db
from syndication.models import Article, SyndicationPolicy
from syndication.services import search

PAGE_SIZE = 25


def parse_date(value: str) -> date | None:
    """A YYYY-MM-DD query-string date, or None when absent or malformed."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def filters_from_request() -> dict:
    """The catalogue filters from the query string, as search_articles takes them."""
    args = request.args
    policy = args.get("policy", "")
    return {
        "q": args.get("q", "").strip(),
        "policy": policy if policy in SyndicationPolicy.__members__.values() else None,
        "section": args.get("section", "").strip() or None,
        "tag": args.get("tag", "").strip() or None,
        "published_from": parse_date(args.get("from", "")),
        "published_to": parse_date(args.get("to", "")),
        "embargoed": {"yes": True, "no": False}.get(args.get("embargoed", "")),
        "page": max(args.get("page", 1, type=int), 1),
    }


def run_search(filters: dict, *, offered_only: bool = False) -> search.SearchPage:
    """One page of the catalogue for these filters (offered_only: what partners see)."""
    return search.search_articles(
        filters["q"],
        **{key: value for key, value in filters.items() if key not in ("q", "page")},
        page=filters["page"],
        per_page=PAGE_SIZE,
        offered_only=offered_only,
    )


def sections(*, offered_only: bool = False) -> list[str]:
    """The sections in use, for the filter's choices (offered_only: of what partners see)."""
    select = sa.select(Article.section).where(Article.section != "")
    if offered_only:
        # A section holding only articles partners never see would filter to nothing.
        select = select.where(Article.policy != SyndicationPolicy.NOT_SYNDICATED)
    return list(db.session.scalars(select.distinct().order_by(Article.section)))
