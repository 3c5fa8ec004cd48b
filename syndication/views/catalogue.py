"""The catalogue search's query string and pager, shared by the staff and partner catalogues."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import request, url_for

from syndication.models import SyndicationPolicy
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


def pager_urls(endpoint: str, found: search.SearchPage) -> dict[str, str | None]:
    """The previous and next pages' addresses (None at either end), the other filters kept."""
    args = request.args.to_dict()

    def page(number: int) -> str:
        return url_for(endpoint, **{**args, "page": number})

    return {
        "previous": page(found.page - 1) if found.has_prev else None,
        "next": page(found.page + 1) if found.has_next else None,
    }
