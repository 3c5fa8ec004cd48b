"""The catalogue search's filters and page, shared by the staff and partner catalogues."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection

from flask import current_app, get_template_attribute, request
from markupsafe import Markup
from wtforms import SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from syndication.models import Article, SyndicationPolicy
from syndication.services import search
from syndication.services.pagination import Keyset
from syndication.views.forms import FilterForm, canonical_section, date_range_fields, valid_or_empty

PAGE_SIZE = 25
# Rendered filter forms kept per app (see rendered_filters): a few hundred of a few
# kilobytes each. Longer query strings are rendered every time rather than kept.
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


def rendered_filters(form: CatalogueFilters, action: str, submit_label: str) -> Markup:
    """The filter form as macros/catalogue.html renders it, rendered once per input.

    WTForms renders each field and option through markupsafe, a large share of the
    page's time. What it renders depends only on the fields' choices (the sections
    in use, read for every request, so a new section shows at once) and on the
    query string's values for those fields (their errors follow from them), so the
    same input gets the same HTML: it is kept per app, keyed by exactly those.
    """
    inputs = tuple((f.name, tuple(request.args.getlist(f.name))) for f in form)
    choices = tuple(
        (f.name, tuple((c.value, c.label) for c in f.choices or ()))
        for f in form
        if isinstance(f, SelectField)
    )
    key = (action, submit_label, inputs, choices)
    kept: OrderedDict = current_app.extensions.setdefault("catalogue_filter_html", OrderedDict())
    with _KEPT_LOCK:  # threaded workers share the dict
        html = kept.get(key)
        if html is not None:
            kept.move_to_end(key)
            return html
    html = Markup(get_template_attribute("macros/catalogue.html", "filter_form")(
        form, action, submit_label
    ))  # fmt: skip
    if sum(len(v) for _, values in inputs for v in values) <= FILTER_HTML_MAX_INPUT:
        with _KEPT_LOCK:
            kept[key] = html
            while len(kept) > FILTER_HTML_KEPT:
                kept.popitem(last=False)
    return html


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
