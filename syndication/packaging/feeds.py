"""RSS 2.0, Atom and JSON Feed 1.1 writers: a :class:`Feed` of plain data in, bytes out.

Pure: no clock and no database, so equal feeds give equal bytes and the ETag
is a hash of them. ``FORMATS`` maps each feed format to its writer and media type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import orjson
from lxml import etree

from syndication.packaging.inputs import xml_clean

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

NS_ATOM = "http://www.w3.org/2005/Atom"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DCTERMS = "http://purl.org/dc/terms/"
# RFC 6721: entries that were in the feed and are withdrawn.
NS_TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- plain data --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article under one grant, its HTML already built with the grant's terms."""

    id: str
    title: str
    url: str
    content_html: str
    summary: str
    authors: tuple[str, ...]
    published: datetime
    updated: datetime
    tags: tuple[str, ...] = ()
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Tombstone:
    """An entry withdrawn from the feed (a takedown, a revoked grant): its id, when, why."""

    id: str
    when: datetime
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Feed:
    """A partner's feed: who publishes it, where it lives, and its items, newest grant first."""

    id: str
    title: str
    description: str
    home_url: str
    self_url: str
    publisher: str
    updated: datetime
    items: tuple[FeedItem, ...] = ()
    tombstones: tuple[Tombstone, ...] = ()


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent, tag: str, text: str | None = None, **attrib: str):
    element = etree.SubElement(parent, tag, {k: xml_clean(v) for k, v in attrib.items()})
    if text is not None:
        element.text = xml_clean(text)
    return element


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- writers -----------------------------------------------------------------------------


def rss(feed: Feed) -> bytes:
    """RSS 2.0: full HTML in content:encoded, the dek as description, bylines as dc:creator."""
    root = etree.Element(
        "rss",
        {"version": "2.0"},
        nsmap={"atom": NS_ATOM, "content": NS_CONTENT, "dc": NS_DC, "dcterms": NS_DCTERMS},
    )
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.home_url)
    _sub(channel, "description", feed.description)
    _sub(channel, f"{{{NS_ATOM}}}link", href=feed.self_url, rel="self", type="application/rss+xml")
    _sub(channel, "lastBuildDate", format_datetime(feed.updated.astimezone(UTC), usegmt=True))
    _sub(channel, "docs", "https://www.rssboard.org/rss-specification")
    for item in feed.items:
        entry = _sub(channel, "item")
        _sub(entry, "title", item.title)
        if item.url:
            _sub(entry, "link", item.url)
        _sub(entry, "guid", item.id, isPermaLink="false")
        if item.summary:
            _sub(entry, "description", item.summary)
        _sub(entry, f"{{{NS_CONTENT}}}encoded", item.content_html)
        for author in item.authors:
            _sub(entry, f"{{{NS_DC}}}creator", author)
        _sub(entry, f"{{{NS_DC}}}language", item.language)
        for tag in item.tags:
            _sub(entry, "category", tag)
        _sub(entry, "pubDate", format_datetime(item.published.astimezone(UTC), usegmt=True))
        # RSS has no "updated"; Dublin Core's modified carries the revision time.
        _sub(entry, f"{{{NS_DCTERMS}}}modified", _rfc3339(item.updated))
    return _xml(root)


def atom(feed: Feed) -> bytes:
    """Atom 1.0 (RFC 4287): the organisation as the feed's author, HTML content per entry."""
    nsmap = {None: NS_ATOM, **({"at": NS_TOMBSTONES} if feed.tombstones else {})}
    root = etree.Element(f"{{{NS_ATOM}}}feed", nsmap=nsmap)
    _sub(root, f"{{{NS_ATOM}}}id", feed.id)
    _sub(root, f"{{{NS_ATOM}}}title", feed.title)
    _sub(root, f"{{{NS_ATOM}}}subtitle", feed.description)
    _sub(root, f"{{{NS_ATOM}}}updated", _rfc3339(feed.updated))
    _sub(root, f"{{{NS_ATOM}}}link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, f"{{{NS_ATOM}}}link", rel="alternate", type="text/html", href=feed.home_url)
    author = _sub(root, f"{{{NS_ATOM}}}author")
    _sub(author, f"{{{NS_ATOM}}}name", feed.publisher)
    _sub(author, f"{{{NS_ATOM}}}uri", feed.home_url)
    for item in feed.items:
        entry = _sub(root, f"{{{NS_ATOM}}}entry", **{XML_LANG: item.language})
        _sub(entry, f"{{{NS_ATOM}}}id", item.id)
        _sub(entry, f"{{{NS_ATOM}}}title", item.title)
        if item.url:
            _sub(entry, f"{{{NS_ATOM}}}link", rel="alternate", type="text/html", href=item.url)
        _sub(entry, f"{{{NS_ATOM}}}published", _rfc3339(item.published))
        _sub(entry, f"{{{NS_ATOM}}}updated", _rfc3339(item.updated))
        for name in item.authors:
            _sub(_sub(entry, f"{{{NS_ATOM}}}author"), f"{{{NS_ATOM}}}name", name)
        for tag in item.tags:
            _sub(entry, f"{{{NS_ATOM}}}category", term=tag)
        if item.summary:
            _sub(entry, f"{{{NS_ATOM}}}summary", item.summary, type="text")
        _sub(entry, f"{{{NS_ATOM}}}content", item.content_html, type="html")
    for gone in feed.tombstones:
        deleted = _sub(
            root, f"{{{NS_TOMBSTONES}}}deleted-entry", ref=gone.id, when=_rfc3339(gone.when)
        )
        if gone.comment:
            _sub(deleted, f"{{{NS_TOMBSTONES}}}comment", gone.comment)
    return _xml(root)


def json_feed(feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), keys in the order the spec lists them."""

    def item_json(item: FeedItem) -> dict:
        out: dict = {"id": item.id}
        if item.url:
            out["url"] = item.url
        out["title"] = item.title
        out["content_html"] = item.content_html
        if item.summary:
            out["summary"] = item.summary
        out["date_published"] = _rfc3339(item.published)
        out["date_modified"] = _rfc3339(item.updated)
        if item.authors:
            out["authors"] = [{"name": name} for name in item.authors]
        if item.tags:
            out["tags"] = list(item.tags)
        out["language"] = item.language
        return out

    document = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "description": feed.description,
        "authors": [{"name": feed.publisher, "url": feed.home_url}],
        "items": [item_json(item) for item in feed.items],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


Writer = Callable[[Feed], bytes]


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """One feed format: the writer that makes it and the media type it is served as."""

    write: Writer
    media_type: str


FORMATS: Mapping[str, FeedFormat] = {
    "rss": FeedFormat(rss, "application/rss+xml; charset=utf-8"),
    "atom": FeedFormat(atom, "application/atom+xml; charset=utf-8"),
    "json": FeedFormat(json_feed, "application/feed+json; charset=utf-8"),
}
