"""Read one article web page into a draft: trafilatura finds the text, metadata fills the rest."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import build_html_output

from syndication.ingest.drafts import ArticleDraft, AssetDraft
from syndication.ingest.enrich import absolute_url, collapse, finish_draft, parse_datetime, text_of
from syndication.ingest.errors import ImportFormatError

# trafilatura joins several authors with "; ".
_AUTHOR_SEPARATOR = re.compile(r"\s*;\s*")
# Author values that are page furniture, not a person or an organisation.
_NOT_AUTHORS = frozenset({"username", "no author", "admin", "staff", "unknown"})
_TITLE_SEPARATORS = ("|", "-", "–", "—", "·", ":")


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members included; broken blocks skipped."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.get("@graph") or [])
                yield item


def _article_json_ld(tree: HtmlElement) -> dict[str, Any]:
    for item in _json_ld_objects(tree):
        kinds = item.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.endswith(("Article", "BlogPosting")) for k in kinds):
            return item
    return {}


def _json_ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _json_ld_names(value.get("name"))
    if isinstance(value, list):
        return [name for v in value for name in _json_ld_names(v)]
    return []


def _meta(tree: HtmlElement, *names: str) -> str:
    for name in names:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content'):
            if value.strip():
                return collapse(value)
    return ""


def _headline(tree: HtmlElement, title: str, site_name: str, json_ld: dict[str, Any]) -> str:
    """The article's headline, not the browser title: no site name, no kicker."""
    headline = title or _meta(tree, "og:title", "twitter:title")
    if not headline and isinstance(json_ld.get("headline"), str):
        headline = text_of(json_ld["headline"])
    headings = [h for h in (collapse(h.text_content()) for h in tree.iter("h1")) if h]
    # "Kicker: Headline" or "Headline | Site" in the title, the headline alone in the <h1>.
    if len(headings) == 1 and headings[0] != headline and headings[0] in headline:
        before, _, after = headline.partition(headings[0])
        if _is_separator(before[-2:]) or _is_separator(after[:2]):
            return headings[0]
    if site_name and headline.endswith(site_name) and len(headline) > len(site_name):
        rest = headline[: -len(site_name)]
        if _is_separator(rest[-3:]):
            return rest.rstrip().rstrip("".join(_TITLE_SEPARATORS)).rstrip()
    return headline


def _is_separator(edge: str) -> bool:
    """True if ``edge`` (the characters next to the headline in a title) is a separator."""
    return edge.strip() in _TITLE_SEPARATORS if edge.strip() else False


def _bylines(author: str, tree: HtmlElement, json_ld: dict[str, Any], site_name: str) -> list[str]:
    names = [n for n in _AUTHOR_SEPARATOR.split(author or "") if n]
    names = [n for n in names if n.casefold() not in _NOT_AUTHORS]
    # The site's own name as author is a fallback some pages use; a named person is better.
    if not names or names == [site_name]:
        names = (
            _json_ld_names(json_ld.get("author"))
            or [n for n in [_meta(tree, "author", "article:author", "byl")] if n]
            or names
        )
    # A profile URL is no byline.
    return [collapse(n) for n in names if not absolute_url(n) and n.casefold() not in _NOT_AUTHORS]


def _published(tree: HtmlElement, json_ld: dict[str, Any], day: str | None) -> datetime | None:
    """The publication time the page states exactly, else the day trafilatura worked out."""
    stated = (
        json_ld.get("datePublished") if isinstance(json_ld.get("datePublished"), str) else ""
    ) or _meta(tree, "article:published_time", "datePublished", "pubdate", "date")
    return parse_datetime(stated) or parse_datetime(day)


def _canonical(tree: HtmlElement, found: str | None) -> str:
    links = tree.xpath('//link[@rel="canonical"]/@href')
    for candidate in (*links, found or "", _meta(tree, "og:url")):
        if absolute_url(candidate):
            return candidate.strip()
    return ""


def parse_page(
    data: bytes, *, known_footers: Sequence[str] = (), url: str = ""
) -> list[ArticleDraft]:
    """Extract the one article on an HTML page (title, author, date, text) into a draft.

    ``url`` is where the page came from, if known, for relative links. Raises
    ImportFormatError when the page holds no article text.
    """
    try:
        tree = trafilatura.load_html(data)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is None:
        raise ImportFormatError("The page could not be read as HTML.")
    document = trafilatura.bare_extraction(
        copy.deepcopy(tree),  # extraction prunes the tree it is given; the metadata needs it whole
        url=url or None,
        with_metadata=True,
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_comments=False,
        include_tables=True,
    )
    if document is None or not (document.text or "").strip():
        raise ImportFormatError("The page has no article text that we could find.")

    json_ld = _article_json_ld(tree)
    site_name = document.sitename or _meta(tree, "og:site_name")
    canonical = _canonical(tree, document.url)
    assets = [AssetDraft(url=document.image)] if absolute_url(document.image or "") else []
    language = document.language or tree.get("lang") or "en"
    draft = ArticleDraft(
        headline=_headline(tree, text_of(document.title), site_name or "", json_ld),
        body_html="",
        dek=text_of(document.description),
        bylines=_bylines(document.author or "", tree, json_ld, site_name or ""),
        published_at=_published(tree, json_ld, document.date),
        section=(document.categories or [""])[0],
        tags=list(document.tags or []),
        language=language.split("_")[0].lower(),
        canonical_url=canonical,
        source_id=canonical,
        summary=text_of(document.description),
        assets=assets,
    )
    body = build_html_output(document)
    return [finish_draft(draft, body, base_url=canonical or url, known_footers=known_footers)]
