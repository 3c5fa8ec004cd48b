"""Read one article web page into a draft: trafilatura finds the text, metadata fills the rest.

The page is decoded as a browser would (``charset``), its headline is the
page's own (``h1`` or ``og:title``, never a ``<title>`` with the site's name
after it), its bylines come from :mod:`syndication.ingest.bylines`, relative
links and images resolve against the page's URL (given, or its canonical link
or ``<base href>``), and the page furniture trafilatura keeps (related and
most-read lists, captions, subscription boxes) is removed by the rules in
:mod:`syndication.ingest.boilerplate`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import build_html_output

from syndication.ingest.boilerplate import strip_boilerplate
from syndication.ingest.bylines import extract_bylines
from syndication.ingest.charset import decode
from syndication.ingest.drafts import ArticleDraft, AssetDraft, FileNotes, Finding
from syndication.ingest.enrich import absolute_url, collapse, finish_draft, parse_datetime, text_of
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.notices import find_origin_notices
from syndication.ingest.tidy import keyword_list
from syndication.json_depth import nests_within

_TITLE_SEPARATORS = ("|", "-", "–", "—", "·", ":", "_", "»", "::")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# A title's last part, after a separator, for the site-name check.
_TITLE_TAIL = re.compile(r"\s*(?:[|\-–—·_»]|::)\s*([^|\-–—·_»]{1,40})$")
_ARTICLE_TYPES = ("Article", "BlogPosting", "Report")
# Structured data nests a few levels (a graph, its article, the author's logo). Deeper is
# no data to read, and whoever reads it by recursion (json, the bylines) would run out.
_JSON_LD_DEPTH = 32


# --- structured data ------------------------------------------------------------------------


def _json_ld_blocks(tree: HtmlElement) -> Iterator[Any]:
    """Each JSON-LD script's data, read leniently: CDATA wrappers and trailing commas pass.

    A script that is no JSON, or nests deeper than structured data does, is skipped.
    """
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        source = _CDATA.sub("", (script.text or "").strip())
        for attempt in (source, _TRAILING_COMMA.sub(r"\1", source)):
            try:
                data = json.loads(attempt, strict=False)
            except ValueError:
                continue  # perhaps a trailing comma, which the second attempt drops
            except RecursionError:  # nested past what json reads: no comma changes that
                break
            if nests_within(data, _JSON_LD_DEPTH):
                yield data
            break


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members and nested objects included."""
    for data in _json_ld_blocks(tree):
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, dict | list))


def _is_article(item: dict[str, Any]) -> bool:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and k.endswith(_ARTICLE_TYPES) for k in kinds)


def _meta(tree: HtmlElement, *names: str) -> str:
    for name in names:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content'):
            if value.strip():
                return collapse(value)
    return ""


# --- tags -------------------------------------------------------------------------------------

# Meta fields each holding one tag, and those holding a comma-separated list (as the
# formats define them: Open Graph's article:tag is one tag a meta; keywords are a list).
_ONE_TAG_METAS = frozenset({"article:tag", "dcterms.subject", "citation_keywords"})
_TAG_LIST_METAS = frozenset({"keywords", "parsely-tags", "shareaholic:keywords", "tags"})


def _flattened(value: Any) -> Iterator[Any]:
    """The values of ``value`` and of the arrays nested in it, in order (Reuters nests one)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        else:
            yield item


def _json_ld_keywords(value: Any) -> list[str]:
    """schema.org ``keywords``: a text is a comma-separated list, an array's entry one keyword.

    An entry is a text or a DefinedTerm (its ``name``), whole, commas and all;
    anything else is skipped. Texts are HTML-unescaped, as sites write "&amp;".
    """
    if isinstance(value, str):
        return keyword_list(text_of(value))
    texts = []
    for entry in _flattened(value):
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str):
            texts.append(text_of(name))
    return [t for t in texts if t]


def _tags(tree: HtmlElement, article: dict[str, Any], found: Sequence[str] | None) -> list[str]:
    """The page's tags: one-tag metas, then the JSON-LD article's keywords, then list metas.

    ``article:tag`` and its like give one tag a field, whole; the keywords are
    those of the page's JSON-LD article (the one its headline and date come
    from); a keywords meta is a list split on its commas. The metas are those
    trafilatura reads. Whole tags thus come before split lists (an article has
    one keywords, array or text), so a tag holding a comma keeps that spelling
    ("Mayer, Marissa", not a list's "Mayer Marissa"): the import keeps the first
    of repeats, whatever their case. Without any, the tags trafilatura ``found``
    in the page's tag links, one a link.
    """
    single: list[str] = []
    listed: list[str] = []
    for meta in tree.iterfind(".//head/meta[@content]"):
        name = (meta.get("property") or meta.get("name") or "").strip().lower()
        if name in _ONE_TAG_METAS:
            single.append(text_of(meta.get("content")))
        elif name in _TAG_LIST_METAS:
            listed += keyword_list(text_of(meta.get("content")))
    tags = [t for t in single + _json_ld_keywords(article.get("keywords")) + listed if t]
    return tags if tags else list(found or [])


# --- the headline -------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return collapse(text).casefold()


def _without_site(title: str, site_names: Sequence[str], page_text: str) -> str:
    """A title without the site's name after a separator ("Headline | Site", "标题-新华网")."""
    title = collapse(title)
    for name in sorted((n for n in site_names if n), key=len, reverse=True):
        if title.endswith(name) and len(title) > len(name):
            rest = title[: -len(name)].rstrip()
            if rest and rest.endswith(_TITLE_SEPARATORS):
                return rest.rstrip("".join(_TITLE_SEPARATORS) + " ")
    tail = _TITLE_TAIL.search(title)
    # A last part the page repeats (nav, logo, footer) is the site's name, not the headline's.
    if tail and tail.start() > 0 and page_text.count(tail[1].strip()) >= 3:
        return title[: tail.start()].rstrip()
    return title


def _headline(
    tree: HtmlElement,
    found_title: str,
    site_names: Sequence[str],
    article: dict[str, Any],
    page_text: str,
) -> tuple[str, HtmlElement | None]:
    """The article's headline and its element: the page's own h1 where others confirm it.

    Confirmed means an ``og:title``, ``twitter:title``, JSON-LD headline or
    ``<title>`` equal to it or containing it (a kicker or the site's name around
    it). A single h1 that is not the site's name is the headline too; failing
    that, og:title, the JSON-LD headline, then the title, each without the site.
    """
    titles = [t for t in tree.xpath("//title/text()") if t.strip()]
    ld_headline = article.get("headline") if isinstance(article.get("headline"), str) else ""
    others = [
        _without_site(t, site_names, page_text)
        for t in (
            _meta(tree, "og:title"),
            _meta(tree, "twitter:title"),
            text_of(ld_headline),
            *(titles[:1] or [found_title]),
        )
        if t
    ]
    headings = [(h, collapse(h.text_content())) for h in tree.iter("h1")]
    headings = [(h, t) for h, t in headings if t and len(t) <= 300]
    sites = {_norm(n) for n in site_names if n}
    for element, text in headings:
        key = _norm(text)
        if key in sites:
            continue
        if any(key == _norm(o) or key in _norm(o) for o in others):
            return text, element
    candidates = [(h, t) for h, t in headings if _norm(t) not in sites]
    if len(candidates) == 1 and len(candidates[0][1].split()) >= 2:
        return candidates[0][1], candidates[0][0]
    for other in others:
        if other and _norm(other) not in sites:
            element = next((h for h, t in headings if _norm(t) == _norm(other)), None)
            return other, element
    return (headings[0][1], headings[0][0]) if headings else (found_title, None)


# --- dates, URLs -------------------------------------------------------------------------------


def _published(tree: HtmlElement, article: dict[str, Any], day: str | None) -> datetime | None:
    """The publication time the page states exactly, else the day trafilatura worked out."""
    stated = (
        article.get("datePublished") if isinstance(article.get("datePublished"), str) else ""
    ) or _meta(tree, "article:published_time", "datePublished", "pubdate", "date")
    return parse_datetime(stated) or parse_datetime(day)


def _document_urls(tree: HtmlElement, url: str, found: str | None) -> tuple[str, str]:
    """The page's canonical URL and the base its relative links resolve against.

    The canonical link (resolved against ``url``) wins; else ``url``; else
    og:url. The base is ``<base href>`` resolved against the page's URL, else
    that URL.
    """
    given = absolute_url(url)
    canonical = ""
    for candidate in (*tree.xpath('//link[@rel="canonical"]/@href'), _meta(tree, "og:url")):
        resolved = absolute_url(urljoin(given, candidate.strip()) if given else candidate)
        if resolved:
            canonical = resolved
            break
    page_url = given or canonical or absolute_url(found or "")
    base_href = next(iter(tree.xpath("//base/@href")), "").strip()
    base = absolute_url(urljoin(page_url, base_href)) if base_href else ""
    return canonical or page_url, base or page_url


# --- the page ------------------------------------------------------------------------------------

# Below this much text trafilatura may have kept the page's furniture and missed the
# article (a paywall teaser's wrapper): its precision mode is asked too.
_SHORT_TEXT = 2000


def _prose(text: str) -> int:
    """Characters in lines long enough to be sentences of an article, not furniture."""
    return sum(len(line) for line in (text or "").splitlines() if len(line.split()) >= 12)


def _extract(tree: HtmlElement, url: str) -> Any:
    def run(**options: bool) -> Any:
        return trafilatura.bare_extraction(
            copy.deepcopy(tree),  # extraction prunes its tree; the metadata needs it whole
            url=url or None,
            with_metadata=True,
            include_formatting=True,
            include_links=True,
            include_images=True,
            include_comments=False,
            include_tables=True,
            **options,
        )

    document = run()
    if document is not None and len(document.text or "") < _SHORT_TEXT:
        precise = run(favor_precision=True)
        if precise is not None and _prose(precise.text) > _prose(document.text):
            return precise
    return document


def parse_page(
    data: bytes,
    *,
    known_footers: Sequence[str] = (),
    url: str = "",
    notes: FileNotes | None = None,
) -> list[ArticleDraft]:
    """Extract the one article on an HTML page (title, author, date, text) into a draft.

    ``url`` is where the page came from, if known: relative links and images
    resolve against it, and it is the canonical URL unless the page names
    another. Raises ImportFormatError when the page holds no article text.
    """
    decoded = decode(data, markup="html")
    if notes is not None:
        notes.encoding, notes.encoding_reason = decoded.encoding, decoded.reason
        notes.encoding_notable = decoded.notable
    # lxml refuses text that still declares the encoding it was read from.
    text = _XML_DECLARATION.sub("", decoded.text.lstrip("\ufeff"), count=1)
    try:
        tree = trafilatura.load_html(text)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is None:
        raise ImportFormatError("The page could not be read as HTML.")
    document = _extract(tree, absolute_url(url))
    if document is None or not (document.text or "").strip():
        raise ImportFormatError("The page has no article text that we could find.")

    objects = list(_json_ld_objects(tree))
    articles = [o for o in objects if _is_article(o)]
    article = articles[0] if articles else {}
    ids = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and len(o) > 1}
    publishers = [
        p.get("name")
        for p in (a.get("publisher") for a in articles)
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    ]
    site_name = document.sitename or _meta(tree, "og:site_name")
    site_names = [n for n in (site_name, _meta(tree, "og:site_name"), *publishers) if n]
    canonical, base = _document_urls(tree, url, document.url)
    page_text = collapse(" ".join(tree.itertext()))
    headline, headline_element = _headline(
        tree, text_of(document.title), site_names, article, page_text
    )
    bylines = extract_bylines(
        tree,
        json_ld_articles=articles,
        json_ld_ids=ids,
        trafilatura_author=document.author or "",
        site_name=site_name or "",
        extra_site_names=site_names,
        url=canonical,
        headline=headline_element,
    )
    image = urljoin(base, document.image) if base and document.image else document.image or ""
    language = document.language or tree.get("lang") or "en"
    draft = ArticleDraft(
        headline=headline,
        body_html="",
        dek=text_of(document.description),
        bylines=bylines.names,
        published_at=_published(tree, article, document.date),
        section=(document.categories or [""])[0],
        tags=_tags(tree, article, document.tags),
        language=language.split("_")[0].lower(),
        canonical_url=canonical,
        source_id=canonical,
        summary=text_of(document.description),
        assets=[AssetDraft(url=image)] if image else [],
        findings=bylines.findings(),
    )
    body = strip_boilerplate(build_html_output(document))
    draft = finish_draft(draft, body, base_url=base, known_footers=known_footers)
    paragraphs = (document.text or "").splitlines()
    _add_notices(draft, find_origin_notices(tree, headline_element, paragraphs))
    return [draft]


def _add_notices(draft: ArticleDraft, notices: list[Finding]) -> None:
    """Record origin notices found around the article that its text's footer did not give."""
    footers = [f for f in draft.findings if f.kind == "footer"]
    for notice in notices:
        if not any(
            (notice.detail and notice.detail.casefold() == f.detail.casefold())
            or collapse(notice.text).casefold() in collapse(f.text).casefold()
            for f in footers
        ):
            draft.findings.append(notice)
            footers.append(notice)
