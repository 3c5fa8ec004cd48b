"""The catalogue search's query string and pager, shared by the staff and partner catalogues."""

from __future__ import annotations

from typing import Literal

from flask import request, url_for
from pydantic import Field

from syndication.inputs import BoundedDate, PageNumber, QueryArgs, Text, query_args
from syndication.models import SyndicationPolicy
from syndication.services import search

PAGE_SIZE = 25


class CatalogueArgs(QueryArgs):
    """The catalogue's query string (staff and partners)."""

    q: Text = ""
    policy: SyndicationPolicy | None = None
    section: Text | None = None
    tag: Text | None = None
    published_from: BoundedDate | None = Field(None, alias="from")
    published_to: BoundedDate | None = Field(None, alias="to")
    embargoed: Literal["yes", "no"] | None = None
    page: PageNumber = 1


def filters_from_request() -> dict:
    """The catalogue filters from the query string, as search_articles takes them."""
    args = query_args(CatalogueArgs)
    return {
        "q": args.q,
        "policy": args.policy.value if args.policy else None,
        "section": args.section or None,
        "tag": args.tag or None,
        "published_from": args.published_from,
        "published_to": args.published_to,
        "embargoed": {"yes": True, "no": False}.get(args.embargoed or ""),
        "page": args.page,
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
