"""Read RSS 2.0, RSS 1.0 (RDF) and Atom feeds into article drafts.

lxml rather than feedparser: feedparser reads about a thousand items a second,
which makes a large archive import slow, while lxml parses the same XML tens of
times faster and resolves xml:base for us. Feeds that are not well-formed are
read with lxml's recovering parser, like feedparser's "bozo" feeds: imported
if entries survive, refused if none do.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from html import escape
from urllib.parse import urljoin

from lxml import etree

from syndication.ingest.charset import as_utf8_xml, decode
from syndication.ingest.drafts import ArticleDraft, AssetDraft, FileNotes, Finding
from syndication.ingest.enrich import (
    absolute_url,
    collapse,
    finish_draft,
    paragraphs_html,
    parse_datetime,
    text_of,
)
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.tidy import keyword_list

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Media RSS under either spelling of its namespace (read in document order: _media).
_MEDIA = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
# RSS's own elements turn up without a namespace or in one of these (RSS 1.0, and
# the UserLand and Netscape namespaces some generators put on <rss>): all mean the same.
_RSS_CORE = frozenset(
    {
        "",
        "http://purl.org/rss/1.0/",
        "http://backend.userland.com/rss2",
        "http://backend.userland.com/rss",
        "http://my.netscape.com/rdf/simple/0.9/",
    }
)
_LEADING_JUNK = "\ufeff \t\r\n"  # a BOM or blank lines before the XML declaration
# "jonas@example.org (Jonas Große Sundrup)": the name is the byline, the address is not.
_EMAIL_WITH_NAME = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^)]+)\)\s*$")
_BARE_EMAIL = re.compile(r"^\s*\S+@\S+\.\S+\s*$")

_Children = dict[tuple[str, str], list[etree._Element]]
# Absolute http(s) URLs that urljoin hands back unchanged: nothing urlsplit cleans or
# checks (tab, newline, IPv6 brackets, non-ASCII), no ";params", no empty "?" or "#"
# that urlunparse would drop.
_PLAIN_ABSOLUTE = re.compile(r"https?://[^/?#]+(?:[/?#].*)?", re.DOTALL)
_URLJOIN_REWRITES = re.compile(r"[\t\r\n\[\];]|\?#|[?#]$")


# --- XML ------------------------------------------------------------------------------------


def _parser(*, recover: bool = False) -> etree.XMLParser:
    # A parser per call: lxml parsers must not be shared between threads. Entities are
    # never expanded and nothing is fetched, so a hostile DTD can do no harm.
    return etree.XMLParser(recover=recover, resolve_entities=False, no_network=True, load_dtd=False)


def load_xml(data: bytes, notes: FileNotes | None = None) -> tuple[etree._Element, str]:
    """Parse XML bytes; return the root and, if the parser had to recover, what was wrong.

    The bytes are decoded first, as a browser would (``charset.decode``): a
    declaration the bytes contradict is overruled, undeclared legacy bytes are
    sniffed, and the encoding used (and why) goes into ``notes``. Raises
    ImportFormatError when nothing readable is left.
    """
    decoded = decode(data, markup="xml")
    if notes is not None:
        notes.encoding, notes.encoding_reason = decoded.encoding, decoded.reason
        notes.encoding_notable = decoded.notable
    # Blank lines or a BOM before the XML declaration: strict parsers refuse them.
    text = decoded.text.lstrip(_LEADING_JUNK)
    if not text.startswith("<"):
        raise ImportFormatError("The file is not XML: it does not start with a tag.")
    stripped = data.lstrip(b" \t\r\n")
    if decoded.verbatim and stripped.startswith(b"<"):
        # UTF-8 as declared (or undeclared): the bytes are what re-encoding would give.
        data = stripped
    else:
        data = as_utf8_xml(replace(decoded, text=text))
    try:
        return etree.fromstring(data, _parser()), ""
    except etree.XMLSyntaxError as error:
        problem = str(error)
    root = etree.fromstring(data, _parser(recover=True))
    if root is None:
        raise ImportFormatError(f"The file is not readable XML ({problem}).")
    return root, problem


@lru_cache(maxsize=1024)
def _split_tag(tag: str) -> tuple[str, str]:
    # Cached: a feed repeats the same few dozen tag names on every item.
    if tag[0] == "{":
        namespace, local = tag[1:].split("}", 1)
        return ("" if namespace in _RSS_CORE else namespace), local
    return "", tag


def _children(element: etree._Element) -> _Children:
    """Index an element's children by (namespace, local name), RSS namespaces folded to ""."""
    index: _Children = {}
    for child in element:
        if isinstance(child.tag, str):
            index.setdefault(_split_tag(child.tag), []).append(child)
    return index


def _text(children: _Children, *keys: tuple[str, str]) -> str:
    for key in keys:
        for element in children.get(key, ()):
            text = (element.text or "").strip()
            if text:
                return text
    return ""


def _markup(element: etree._Element) -> str:
    """Return an element's content as HTML: escaped HTML text, or markup written as XML."""
    if len(element) == 0:
        return element.text or ""
    # Markup as child elements ("<description>a <em>b</em></description>", Atom xhtml):
    # its text is plain text, and namespaces must go or the tags are not HTML tags.
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag[0] == "{":
            node.tag = node.tag.split("}", 1)[1]
    etree.cleanup_namespaces(element)
    inner = escape(element.text or "", quote=False)
    return inner + "".join(etree.tostring(child, encoding="unicode") for child in element)


def _join(base: str, url: str) -> str:
    """``urljoin(base, url)``, without its cost for the links most items have: absolute ones."""
    if url.isascii() and _PLAIN_ABSOLUTE.fullmatch(url) and not _URLJOIN_REWRITES.search(url):
        return url
    return urljoin(base, url)


def _base(element: etree._Element | None, *fallbacks: str) -> str:
    """The URL relative links in ``element`` are relative to: its xml:base, else a fallback."""
    base = element.base if element is not None else None
    for candidate in (base, *fallbacks):
        if candidate and absolute_url(candidate):
            return candidate
    return ""


def _byline(raw: str) -> str:
    named = _EMAIL_WITH_NAME.match(raw)
    if named:
        return collapse(named["name"])
    return "" if _BARE_EMAIL.match(raw) else collapse(raw)


# --- media ----------------------------------------------------------------------------------


def _media(children: _Children, local: str) -> list[etree._Element]:
    """The Media RSS ``local`` elements among ``children``, either spelling, in document order.

    Nearly every feed uses one spelling; an item under both has its lists merged
    by position, not one spelling's put first.
    """
    slashed, bare = children.get((_MEDIA[0], local)), children.get((_MEDIA[1], local))
    if slashed is None or bare is None:
        return list(slashed or bare or ())  # a list of the caller's own, to add to
    return sorted(slashed + bare, key=slashed[0].getparent().index)  # one element's children


def _media_text(children: _Children, local: str) -> str:
    texts = [e.text or "" for e in _media(children, local)]
    return text_of(" ".join(texts)) if texts else ""  # most items lack most media fields


def _keywords(item: _Children) -> list[str]:
    """The tags of an item's keywords fields, which their formats define as comma lists.

    ``<media:keywords>`` (also in ``<media:group>``), ``<itunes:keywords>`` and
    Google News's ``<news:keywords>`` (also in ``<news:news>``); a category or
    subject element, by contrast, is one tag.
    """
    elements = _media(item, "keywords")
    for parent in (
        *_media(item, "group"),
        *item.get((_NEWS, "news"), ()),
    ):
        elements += [e for e in parent if isinstance(e.tag, str) and e.tag.endswith("}keywords")]
    elements += item.get((_ITUNES, "keywords"), []) + item.get((_NEWS, "keywords"), [])
    return [tag for e in elements for tag in keyword_list(text_of(e.text))]


def _assets(item: _Children, base: str) -> list[AssetDraft]:
    """Assets from media:content (also inside media:group), media:thumbnail and enclosures."""
    item_credit = _media_text(item, "credit")
    item_caption = _media_text(item, "description") or _media_text(item, "title")
    contents = _media(item, "content")
    for group in _media(item, "group"):
        contents += [e for e in group if isinstance(e.tag, str) and e.tag.endswith("}content")]
    if not contents:
        contents = _media(item, "thumbnail")
    contents += item.get(("", "enclosure"), [])

    # The same picture in several sizes ("?w=140", "?w=460"): keep the widest.
    best: dict[str, tuple[int, AssetDraft]] = {}
    for element in contents:
        url = (element.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):  # urljoin is costly on every item
            url = urljoin(base, url)
        if not url:
            continue  # a URL that is not http(s) is kept for finish_draft to drop, saying so
        own = _children(element)
        asset = AssetDraft(
            url=url,
            caption=_media_text(own, "description") or _media_text(own, "title") or item_caption,
            credit=_media_text(own, "credit") or item_credit,
            mime_type=(element.get("type") or "").strip(),
        )
        width = int(element.get("width") or 0) if (element.get("width") or "").isdigit() else 0
        key = url.split("?", 1)[0]
        if key not in best or width > best[key][0]:
            best[key] = (width, asset)
    return [asset for _, asset in best.values()]


# --- RSS ------------------------------------------------------------------------------------


def _rss_draft(
    item: etree._Element,
    channel_link: str,
    language: str,
    known_footers: Sequence[str],
    locales: list[str] | None = None,
) -> ArticleDraft:
    fields = _children(item)
    link = _text(fields, ("", "link"))
    atom_links = [e.get("href") or "" for e in fields.get((ATOM, "link"), ()) if e.get("href")]
    link = link or (atom_links[0] if atom_links else "")
    # An item without a link has none: joined to the base, "" would be the channel's.
    link = _join(_base(item, channel_link), link) if link else ""
    guid = _text(fields, ("", "guid")) or item.get(f"{{{RDF}}}about", "")

    body_element = next(iter(fields.get((CONTENT, "encoded"), ())), None)
    summary_element = next(iter(fields.get(("", "description"), ())), None)
    if body_element is None or not (body_element.text or len(body_element)):
        body_element = summary_element
    body = _markup(body_element) if body_element is not None else ""
    summary = _markup(summary_element) if summary_element is not None else ""

    authors = [
        e.text or "" for e in fields.get(("", "author"), []) + fields.get((DC, "creator"), [])
    ]
    # One category or subject element is one tag, commas and all ("Mayer, Marissa").
    tags = [
        e.text or "" for e in fields.get(("", "category"), []) + fields.get((DC, "subject"), [])
    ] + _keywords(fields)
    base = _base(body_element, link, channel_link)
    draft = ArticleDraft(
        headline=text_of(_text(fields, ("", "title"), (DC, "title"))),
        body_html="",
        bylines=[_byline(a) for a in authors],
        published_at=parse_datetime(
            _text(fields, ("", "pubDate"), (DC, "date"), (ATOM, "published"), (ATOM, "updated")),
            locales,
        ),
        updated_at=parse_datetime(_text(fields, (ATOM, "updated")), locales),
        tags=tags,
        language=language,
        canonical_url=link,
        source_id=guid or link,
        # A description that is the start of the full text is no summary of it.
        summary=summary if body_element is not summary_element else "",
        assets=_assets(fields, base),
    )
    return finish_draft(draft, body, base_url=base, known_footers=known_footers)


def _language(channel: _Children) -> str:
    return _language_tag(_text(channel, ("", "language"), (DC, "language")))


def _language_tag(value: str) -> str:
    # "en_US" and "EN-us" are both written, the BCP 47 tag is "en-us".
    return collapse(value).replace("_", "-").lower() or "en"


# --- Atom -----------------------------------------------------------------------------------


def _atom_content(element: etree._Element | None) -> str:
    """Return Atom text construct content as HTML, whatever its type."""
    if element is None or element.get("src"):
        return ""
    kind = (element.get("type") or "text").lower()
    if kind in {"html", "text/html"}:
        return element.text or ""
    if kind in {"xhtml", "application/xhtml+xml"}:
        return _markup(element)
    return paragraphs_html(element.text or "")


def _atom_link(entry: _Children, base: str) -> str:
    for element in entry.get((ATOM, "link"), ()):
        href = (element.get("href") or "").strip()
        if (element.get("rel") or "alternate") == "alternate" and href:
            return _join(base, href)
    return ""


def _atom_draft(
    entry: etree._Element,
    known_footers: Sequence[str],
    language: str,
    feed_base: str,
    locales: list[str] | None = None,
) -> ArticleDraft:
    fields = _children(entry)
    link = _atom_link(fields, _base(entry, feed_base))
    content = next(iter(fields.get((ATOM, "content"), ())), None)
    summary = next(iter(fields.get((ATOM, "summary"), ())), None)
    body = _atom_content(content) or _atom_content(summary)
    body_element = content if content is not None and body else summary
    base = _base(body_element, link)
    authors = [_children(a) for a in fields.get((ATOM, "author"), [])]
    enclosures = [
        AssetDraft(url=_join(base, e.get("href", "")), mime_type=e.get("type", ""))
        for e in fields.get((ATOM, "link"), ())
        if e.get("rel") == "enclosure" and e.get("href")
    ]
    title = next(iter(fields.get((ATOM, "title"), ())), None)
    draft = ArticleDraft(
        headline=text_of(_atom_content(title)),
        body_html="",
        bylines=[_text(a, (ATOM, "name")) for a in authors],
        published_at=parse_datetime(_text(fields, (ATOM, "published"), (ATOM, "updated")), locales),
        updated_at=parse_datetime(_text(fields, (ATOM, "updated")), locales),
        tags=[e.get("label") or e.get("term") or "" for e in fields.get((ATOM, "category"), ())]
        + _keywords(fields),
        language=_language_tag(entry.get(XML_LANG) or language),
        canonical_url=link,
        source_id=_text(fields, (ATOM, "id")) or link,
        summary=_atom_content(summary) if content is not None and body_element is content else "",
        assets=_assets(fields, base) + enclosures,
    )
    return finish_draft(draft, body, base_url=base, known_footers=known_footers)


# --- entry point ----------------------------------------------------------------------------


def _provenance(drafts: list[ArticleDraft], title: str, site: str) -> None:
    site = site.strip()
    unsafe = site if site and not absolute_url(site) else ""
    for draft in drafts:
        draft.source_title = " ".join(title.split())[:500]
        draft.source_site_url = "" if unsafe else site
        if unsafe:  # only http(s) is a site
            draft.findings.append(Finding(kind="dropped_url", text=unsafe, detail="site link"))


def parse_feed(
    data: bytes, *, known_footers: Sequence[str] = (), notes: FileNotes | None = None
) -> list[ArticleDraft]:
    """Parse an RSS 2.0, RSS 1.0 or Atom feed into one draft per item, sanitised, with findings.

    Raises ImportFormatError if the bytes are not a feed, or are too broken to
    yield any item. ``notes`` receives the encoding used and why.
    """
    root, problem = load_xml(data, notes)
    namespace, local = _split_tag(root.tag) if isinstance(root.tag, str) else ("", "")
    # The locales the feed's dates turn out to be written in: one search for the first.
    locales: list[str] = []
    if local == "feed" and namespace == ATOM:
        language = root.get(XML_LANG) or "en"
        # Relative entry links are relative to the site the feed is about.
        feed_base = _atom_link(_children(root), _base(root))
        entries = root.findall(f"{{{ATOM}}}entry")
        drafts = [_atom_draft(e, known_footers, language, feed_base, locales) for e in entries]
        _provenance(drafts, _text(_children(root), (ATOM, "title")), feed_base)
    elif (local == "rss" and namespace == "") or (local == "RDF" and namespace == RDF):
        channel_element = next(
            (c for c in root if isinstance(c.tag, str) and _split_tag(c.tag) == ("", "channel")),
            None,
        )
        channel = _children(channel_element) if channel_element is not None else {}
        # RSS 2.0 items sit in <channel>; RSS 1.0 items are siblings of it.
        items = channel.get(("", "item"), []) + _children(root).get(("", "item"), [])
        # The channel's link and language, read once for all its items.
        link, language = _text(channel, ("", "link")), _language(channel)
        drafts = [_rss_draft(item, link, language, known_footers, locales) for item in items]
        _provenance(drafts, _text(channel, ("", "title")), _text(channel, ("", "link")))
    else:
        raise ImportFormatError(
            f"The XML is not an RSS or Atom feed: its root element is <{local}>, "
            "not <rss>, <rdf:RDF> or <feed>."
        )
    if problem:
        if not drafts:
            raise ImportFormatError(f"The feed is not well-formed XML and has no items: {problem}")
        logger.warning("Feed imported despite an XML error: %s", problem)
        if notes is not None:
            notes.notes.append(f"The XML is not well-formed; read in recovery mode ({problem}).")
    if not drafts:
        kind = "Atom feed" if local == "feed" else "RSS feed"
        raise ImportFormatError(f"The {kind} has no items: there is nothing to import.")
    return drafts
