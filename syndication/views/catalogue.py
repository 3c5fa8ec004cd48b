"""The catalogue search's filters and page, shared by the staff and partner catalogues."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict, namedtuple
from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from flask import current_app, get_template_attribute, request
from markupsafe import Markup
from wtforms import SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from syndication.models import Article, SyndicationPolicy
from syndication.models.base import utcnow
from syndication.services import grants, search, worker_memory
from syndication.services.pagination import Keyset
from syndication.views.forms import FilterForm, canonical_section, date_range_fields, valid_or_empty

PAGE_SIZE = 25
# Read and rendered filter forms kept per app (see read_filters): a few hundred of a
# few kilobytes each. Longer query strings are read every time rather than kept.
FILTER_HTML_KEPT = 256
FILTER_HTML_MAX_INPUT = 1_000
_KEPT_LOCK = threading.Lock()
# What a row of the partner catalogue shows: its page loads these columns only,
# never the bodies (templates/portal/catalogue.html).
PARTNER_COLUMNS = (
    Article.headline,
    Article.dek,
    Article.bylines,
    Article.published_at,
    Article.word_count,
    Article.embargo_until,
    Article.policy,
)
# A partner catalogue row as the worker keeps it: plain values, never an ORM object,
# which belongs to the session of the request that loaded it.
PartnerRow = namedtuple("PartnerRow", ["id", *(column.key for column in PARTNER_COLUMNS)])
# Megabytes each worker keeps of partner catalogue pages, and of their rendered rows,
# unless CATALOGUE_MEMORY_MB says otherwise.
LISTING_MEMORY_MB = 8


def _policy_label(value: str) -> str:
    return value.replace("_", " ")


class CatalogueFilters(FilterForm):
    """What the catalogue is narrowed to; choices are filled per page (sections, policies)."""

    q = SearchField("Search", description='Words, "a phrase", -exclude')
    section = SelectField("Section", validate_choice=False)
    tag = StringField("Tag")
    policy = SelectField("Policy", validate_choice=False)
    date_from, date_to = date_range_fields("Published from", "Published to")
    embargoed = SelectField(
        "Embargoed",
        choices=[SelectChoice("", "any"), SelectChoice("yes", "yes"), SelectChoice("no", "no")],
        validate_choice=False,
    )


def filter_form(
    sections: list[str], policies: list[SyndicationPolicy], *, show_embargo: bool = True
) -> CatalogueFilters:
    """The filters from the query string, checked: a section in any case is the catalogue's."""
    form = CatalogueFilters()
    form.section.choices = [SelectChoice("", "any")] + [SelectChoice(s, s) for s in sections]
    form.policy.choices = [SelectChoice("", "any")] + [
        SelectChoice(p.value, _policy_label(p.value)) for p in policies
    ]
    if not show_embargo:
        del form.embargoed
    form.validate()
    if form.policy.data and form.policy.data not in {p.value for p in policies}:
        # An unknown policy is an error beside the filter, not a silent "any".
        form.policy.errors = [*form.policy.errors, "Choose one of the listed policies."]
    form.section.data = canonical_section(form.section.data, sections) or ""
    return form


class Filters(NamedTuple):
    """A catalogue's filters as the query string gives them (see read_filters)."""

    values: dict  # as search_articles takes them (filters_of); shared, never changed
    invalid: bool  # a filter was refused: shown beside it, and the page answers 422
    html: Markup  # the form, as macros/catalogue.html's filter_form renders it


def read_filters(
    sections: list[str],
    policies: list[SyndicationPolicy],
    action: str,
    submit_label: str,
    *,
    show_embargo: bool = True,
) -> Filters:
    """The filters from the query string, checked, read and rendered once per input.

    Building and checking the WTForms form and rendering each of its fields and
    options through markupsafe cost much of a page's time. All three depend only
    on the query string and on the fields' choices (the sections in use, given by
    the caller, so a new section shows at once), so the same input gets the same
    answer: it is kept per app, keyed by exactly those.
    """
    args = tuple(request.args.items(multi=True))
    key = (action, submit_label, show_embargo, args, tuple(sections), tuple(policies))
    kept: OrderedDict = current_app.extensions.setdefault("catalogue_filters", OrderedDict())
    with _KEPT_LOCK:  # threaded workers share the dict
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    form = filter_form(sections, policies, show_embargo=show_embargo)
    found = Filters(
        filters_of(form),
        bool(form.errors),
        Markup(get_template_attribute("macros/catalogue.html", "filter_form")(
            form, action, submit_label
        )),
    )  # fmt: skip
    if sum(len(name) + len(value) for name, value in args) <= FILTER_HTML_MAX_INPUT:
        with _KEPT_LOCK:
            kept[key] = found
            while len(kept) > FILTER_HTML_KEPT:
                kept.popitem(last=False)
    return found


def filters_of(form: CatalogueFilters) -> dict:
    """The filters as search_articles takes them; a refused filter does not filter."""
    policy = form.policy.data or ""
    embargoed = form.embargoed.data if "embargoed" in form else ""
    return {
        "q": (form.q.data or "").strip(),
        "policy": policy if policy in SyndicationPolicy.__members__.values() else None,
        "section": form.section.data or None,
        "tag": (form.tag.data or "").strip() or None,
        "published_from": valid_or_empty(form.date_from),
        "published_to": valid_or_empty(form.date_to),
        "embargoed": {"yes": True, "no": False}.get(embargoed or ""),
    }


def run_search(
    filters: dict,
    *,
    cursor: str | None,
    offered_only: bool = False,
    scope: object = None,
    columns: Collection | None = None,
) -> Keyset:
    """The page of the catalogue for these filters that ``cursor`` names, else the first
    (offered_only: what partners see; scope: whose cursors these are; columns: the only
    article columns loaded, those the page shows)."""
    return search.search_articles(
        filters["q"],
        **{key: value for key, value in filters.items() if key != "q"},
        cursor=cursor,
        per_page=PAGE_SIZE,
        offered_only=offered_only,
        scope=scope,
        columns=columns,
    )


class PartnerListing(NamedTuple):
    """A page of the partner catalogue: its rows, and its table and pager as HTML."""

    found: Keyset[PartnerRow]
    held: dict[int, int]
    rows_html: Markup
    pager_html: Markup


# The policies partners may filter by; the others are never offered to them.
PARTNER_POLICIES = [SyndicationPolicy.FREE_ELIGIBLE, SyndicationPolicy.LICENSED]


def partner_catalogue(partner_id: int, action: str) -> tuple[Filters, PartnerListing]:
    """The partner catalogue's filters and the page the query string asks for, rendered.

    Everything made of the articles alone (the sections, the search, its count, the
    rows' HTML) is kept by the worker under the catalogue's version
    (``search.catalogue_version``): every change to what the catalogue shows moves it
    on. The version this worker saw last is tried first, and the one statement that
    reads what the partner holds says whether it still holds; if it moved, the page
    is made again under the new one, read before anything of the articles is.
    """
    # In a worker memory, so that it is forgotten with the pages (worker_memory.forget_everything).
    seen = worker_memory.memory_of(
        current_app, "catalogue_version", megabytes=0.01, size_of=lambda _: 8
    )
    version = seen.get("seen")
    if version is None:
        version = search.catalogue_version()
        seen.put("seen", version)
    for _ in range(3):
        filters = read_filters(
            search.sections(offered_only=True, version=version),
            PARTNER_POLICIES,
            action,
            "Search",
            show_embargo=False,
        )
        listing = partner_listing(filters.values, partner_id, version)
        if isinstance(listing, PartnerListing):
            return filters, listing
        version = listing
        seen.put("seen", version)
    # The version moves faster than pages are made: this once, not kept.
    return filters, partner_listing(filters.values, partner_id, None)


def partner_listing(
    filters: dict, partner_id: int, version: int | None, *, now: datetime | None = None
) -> PartnerListing | int:
    """The page of the partner catalogue the query string asks for, rendered, if it is
    ``version``'s; else the catalogue's version now (nothing is read of the articles).

    Kept by the worker by partner and query string: a partner's page (its signed
    cursors) is never another's. What is not the articles' is read for every
    request: which rows the partner holds (its live grants) and which are under
    embargo now; the HTML is kept per those too. ``version`` None: made, not kept.
    """
    args = tuple(request.args.items(multi=True))
    keep = version is not None and (
        sum(len(name) + len(value) for name, value in args) <= FILTER_HTML_MAX_INPUT
    )
    key = (partner_id, version, args)
    pages = _memory("catalogue_pages")
    found = pages.get(key) if keep else None
    made = found is None
    if made:
        found = _partner_page(filters, partner_id)
    ids = [row.id for row in found.items]
    if version is None:
        held = grants.held_by(partner_id, ids)
    else:
        held, now_version = grants.held_at_catalogue_version(partner_id, ids)
        if now_version != version:
            return now_version
    if made and keep:
        # Made after the version was read and found unchanged since: it is that version's.
        pages.put(key, found)
    now = now or utcnow()
    embargoed = tuple(bool(row.embargo_until and row.embargo_until > now) for row in found.items)
    # Its links are made under the path the app is served at.
    rendered_key = (key, request.script_root, tuple(sorted(held.items())), embargoed)
    rendered = _memory("catalogue_html")
    html = rendered.get(rendered_key) if keep else None
    if html is None:
        html = (
            Markup(get_template_attribute("macros/catalogue.html", "partner_rows")(
                found, held, now
            )),
            Markup(get_template_attribute("macros/ui.html", "pagination")(found)),
        )  # fmt: skip
        if keep:
            rendered.put(rendered_key, html)
    return PartnerListing(found, held, *html)


def _partner_page(filters: dict, partner_id: int) -> Keyset[PartnerRow]:
    found = run_search(
        filters,
        cursor=request.args.get("cursor"),
        offered_only=True,
        scope=("partner", partner_id),
        columns=PARTNER_COLUMNS,
    )
    rows = [
        PartnerRow(article.id, *(getattr(article, c.key) for c in PARTNER_COLUMNS))
        for article in found.items
    ]
    return dataclasses.replace(found, items=rows)


def _memory(name: str) -> worker_memory.WorkerMemory:
    megabytes = current_app.config.get("CATALOGUE_MEMORY_MB", LISTING_MEMORY_MB)
    return worker_memory.memory_of(
        current_app, name, megabytes=megabytes, size_of=lambda kept: len(repr(kept))
    )
