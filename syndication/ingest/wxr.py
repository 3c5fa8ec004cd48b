"""Read WordPress WXR exports (1.0 to 1.2) into article drafts: posts, their authors and images."""

from __future__ import annotations

import logging
import mimetypes
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from syndication.ingest.drafts import ArticleDraft, AssetDraft, FileNotes, Finding
from syndication.ingest.enrich import absolute_url, collapse, finish_draft, parse_datetime, text_of
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.feeds import load_xml

logger = logging.getLogger(__name__)

_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/(?P<excerpt>excerpt/)?$")
_KNOWN = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
# Why a post WordPress has not published is not imported.
_UNPUBLISHED = {
    "draft": "a draft: not published",
    "pending": "pending review: not published",
    "private": "private: not public",
    "trash": "in the trash",
    "auto-draft": "an automatic draft",
    "inherit": "a revision",
}
# wpautop leaves chunks that start with one of these alone (they are blocks already).
_BLOCK_TAG = (
    r"(?:p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|table|thead|tbody|tfoot|tr|td|th|figure"
    r"|figcaption|pre|hr|section|article|aside|header|footer|nav|form|address|iframe|script"
    r"|style|object|embed|video|audio)"
)
_BLOCK_START = re.compile(rf"^<(?:/?{_BLOCK_TAG}\b|!--)", re.IGNORECASE)
_HAS_BLOCK = re.compile(rf"</?{_BLOCK_TAG}\b", re.IGNORECASE)
_PRE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_STASHED = re.compile(r"\x00(\d+)\x00")
_CAPTION = re.compile(r"\[caption\b[^\]]*\](?P<inner>.*?)\[/caption\]", re.DOTALL)
_CAPTION_IMAGE = re.compile(
    r"^\s*(?P<image>(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(?P<text>.*)$", re.DOTALL
)
# Shortcodes with no meaning outside WordPress; their content (an embed's URL) stays.
_SHORTCODE = re.compile(r"\[/?(?:gallery|audio|video|playlist|embed|wpvideo)\b[^\]]*\]")
# The credit WordPress keeps in the serialised image metadata.
_CREDIT = re.compile(r's:6:"credit";s:\d+:"(?P<credit>[^"]+)"')

_Fields = dict[tuple[str, str], list[etree._Element]]


@lru_cache(maxsize=32)
def _kind(namespace: str) -> str:
    """Name a namespace by what it is, whatever prefix the file bound it to."""
    match = _WP_NAMESPACE.match(namespace)
    if match:
        return "excerpt" if match["excerpt"] else "wp"
    return _KNOWN.get(namespace, namespace)


@lru_cache(maxsize=1024)
def _key(tag: str) -> tuple[str, str]:
    # Cached: an export repeats the same few dozen tag names on every item.
    if tag[0] == "{":
        namespace, local = tag[1:].split("}", 1)
        return _kind(namespace), local
    return "", tag


def _fields(element: etree._Element) -> _Fields:
    index: _Fields = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            index.setdefault(_key(tag), []).append(child)
    return index


def _text(fields: _Fields, kind: str, local: str) -> str:
    elements = fields.get((kind, local))
    return (elements[0].text or "").strip() if elements else ""


def _child_text(element: etree._Element, kind: str, local: str) -> str:
    """``_text(_fields(element), kind, local)``, without indexing every child.

    lxml finds the children of that local name in C ("{*}" matches any namespace
    and none), and only those become Python objects: for the few fields the
    first pass over an export reads of each item, that is a fraction of the cost.
    """
    for child in element.iterchildren(f"{{*}}{local}"):
        if _key(child.tag) == (kind, local):
            return (child.text or "").strip()
    return ""


def autop(text: str) -> str:
    """Turn WordPress's stored post text into paragraphs, as WordPress does when showing it.

    Blank lines separate paragraphs and single line breaks become <br>, except
    in chunks that are HTML blocks already and inside <pre>. Block editor
    content (with ``<!-- wp:`` markers) is HTML already and is returned as is.
    """
    if "<!-- wp:" in text:
        return text
    # Each step below is skipped where a substring test shows it cannot change the text:
    # the patterns are tried at every position otherwise, over every post of an export.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    stash: list[str] = []

    def keep(match: re.Match[str]) -> str:
        stash.append(match.group())
        return f"\x00{len(stash) - 1}\x00"

    text = _PRE.sub(keep, text)
    paragraphs = []
    for chunk in (c.strip() for c in _PARAGRAPH_BREAK.split(text)):
        if not chunk:
            continue
        if chunk.startswith("\x00") or (
            "<" in chunk and (_BLOCK_START.match(chunk) or _HAS_BLOCK.search(chunk))
        ):
            paragraphs.append(chunk)
        else:
            lines = _LINE_BREAK.sub("<br>\n", chunk) if "\n" in chunk else chunk
            paragraphs.append("<p>" + lines + "</p>")
    html = "\n".join(paragraphs)
    if "\x00" not in html:
        return html
    return _STASHED.sub(lambda m: stash[int(m[1])], html)


def _shortcodes(html: str) -> str:
    if "[" not in html:  # no shortcode: two pattern scans of the post spared
        return html

    def figure(match: re.Match[str]) -> str:
        inner = _CAPTION_IMAGE.match(match["inner"])
        if inner is None:
            return match["inner"]
        return f"<figure>{inner['image']}<figcaption>{inner['text'].strip()}</figcaption></figure>"

    return _SHORTCODE.sub("", _CAPTION.sub(figure, html))


def _meta(fields: _Fields) -> dict[str, str]:
    meta = {}
    for element in fields.get(("wp", "postmeta"), ()):
        own = _fields(element)
        key = _text(own, "wp", "meta_key")
        if key:
            meta[key] = _text(own, "wp", "meta_value")
    return meta


def _attachment(fields: _Fields) -> AssetDraft | None:
    url = _text(fields, "wp", "attachment_url") or _text(fields, "", "guid")
    if not absolute_url(url):
        return None
    credit = _CREDIT.search(_meta(fields).get("_wp_attachment_metadata", ""))
    return AssetDraft(
        url=url,
        # WordPress keeps an image's caption in the excerpt and its title in the title.
        caption=text_of(_text(fields, "excerpt", "encoded")) or text_of(_text(fields, "", "title")),
        credit=collapse(credit["credit"]) if credit else "",
        mime_type=mimetypes.guess_type(url.split("?", 1)[0])[0] or "",
    )


def _authors(channel: _Fields) -> dict[str, str]:
    """Map each author login to the name a reader sees."""
    names = {}
    for element in channel.get(("wp", "author"), ()):
        own = _fields(element)
        login = _text(own, "wp", "author_login")
        full = " ".join(
            p
            for p in (_text(own, "wp", "author_first_name"), _text(own, "wp", "author_last_name"))
            if p
        )
        if login:
            names[login] = _text(own, "wp", "author_display_name") or full or login
    return names


def parse_wxr(
    data: bytes, *, known_footers: Sequence[str] = (), notes: FileNotes | None = None
) -> list[ArticleDraft]:
    """Parse a WordPress export into one draft per published post, with authors and images.

    Only published posts become drafts: drafts, pending, private, scheduled and
    password-protected posts are listed in ``notes`` with the reason they were
    skipped (a scheduled post with its publication time). A GUID that two posts
    share identifies neither: those posts are known by the site and post id.
    Sloppy XML (nested CDATA, odd namespace URIs) is read in recovery mode; an
    export without a channel, without WordPress data or without any post is
    refused with ImportFormatError.
    """
    notes = notes if notes is not None else FileNotes()
    root, problem = load_xml(data, notes)
    broken = f" The XML is also broken: {problem}" if problem else ""
    channel_element = next((c for c in root if isinstance(c.tag, str) and c.tag == "channel"), None)
    if root.tag != "rss" or channel_element is None:
        raise ImportFormatError(
            "This is not a readable WordPress export: it has no <rss><channel> around the "
            f"posts.{broken}"
        )
    channel = _fields(channel_element)
    authors = _authors(channel)
    site = _text(channel, "wp", "base_blog_url") or _text(channel, "", "link")
    language = (_text(channel, "", "language") or "en").replace("_", "-").lower()

    # One pass over the items reads the attachments and picks the published posts.
    # Each item's index of its children lives only while the item is read: kept for
    # every item of a large export, those objects made each of Python's garbage
    # collections walk them all again (an eighth of a 5,000-post export's time).
    has_wp = any(kind == "wp" for kind, _ in channel)
    assets_by_id: dict[str, AssetDraft] = {}
    assets_by_parent: dict[str, list[AssetDraft]] = {}
    others: Counter[str] = Counter()
    posts = 0
    published: list[tuple[etree._Element, str]] = []  # each post and its GUID
    # Most items need only a few fields here (a published post: its type, status,
    # password and GUID), read without indexing all their children (_child_text).
    for item in channel.get(("", "item"), ()):
        if not has_wp:
            has_wp = any(kind == "wp" for kind, _ in _fields(item))
        kind = _child_text(item, "wp", "post_type") or "post"
        if kind == "attachment":
            fields = _fields(item)
            asset = _attachment(fields)
            if asset is not None:
                assets_by_id[_text(fields, "wp", "post_id")] = asset
                parent = _text(fields, "wp", "post_parent")
                assets_by_parent.setdefault(parent, []).append(asset)
        if kind == "post":
            posts += 1
            # Skips are noted in the order of the posts, as before; a refused file
            # (below) takes its notes with it.
            if _publishable(item, notes):
                published.append((item, _child_text(item, "", "guid")))
        else:
            others[kind] += 1
    if not has_wp:
        raise ImportFormatError("This RSS file has no WordPress export data (wp: elements).")
    if problem:
        logger.warning("WordPress export imported despite an XML error: %s", problem)
        notes.notes.append(f"The XML is not well-formed; read in recovery mode ({problem}).")
    if not posts:
        held = ", ".join(f"{n} {kind}" for kind, n in others.most_common()) or "no items"
        raise ImportFormatError(f"The WordPress export has no posts to import ({held}).")
    if others:
        notes.notes.append(
            "Not posts, so not imported: "
            + ", ".join(f"{n} {kind}" for kind, n in others.most_common())
            + "."
        )

    # A GUID two posts share names neither of them.
    shared = {guid for guid, n in Counter(guid for _, guid in published).items() if guid and n > 1}
    drafts = []
    for item, guid in published:
        fields = _fields(item)
        post_id = _text(fields, "wp", "post_id")
        meta = _meta(fields)
        assets = list(assets_by_parent.get(post_id, [])) if post_id else []
        featured = assets_by_id.get(meta.get("_thumbnail_id", ""))
        if featured is not None:
            assets.insert(0, featured)
        draft = _draft(fields, authors, site, language, assets, known_footers, post_id)
        if guid in shared:
            draft.source_id = _post_identity(site, post_id)
        drafts.append(draft)
    if shared:
        notes.notes.append(
            f"{len(shared)} GUID{'s are' if len(shared) != 1 else ' is'} shared by several "
            "posts; those posts are identified by the site and their post id."
        )
    title = " ".join(_text(channel, "", "title").split())[:500]
    site_url = site if absolute_url(site) else ""
    for draft in drafts:
        draft.source_title = title
        draft.source_site_url = site_url
        if site and not site_url:  # only http(s) is a site
            draft.findings.append(Finding(kind="dropped_url", text=site, detail="site link"))
    return drafts


def _post_identity(site: str, post_id: str) -> str:
    """WordPress's own permalink-free identity of a post: the site and its id."""
    return f"{site.rstrip('/')}/?p={post_id}" if site and post_id else ""


def _publishable(item: etree._Element, notes: FileNotes) -> bool:
    """True for a published, public post; anything else is noted as skipped, with why."""
    status = _child_text(item, "wp", "status") or "publish"
    if status == "publish" and not _child_text(item, "wp", "post_password"):
        return True  # the usual case: no label to write
    fields = _fields(item)
    title = text_of(_text(fields, "", "title")) or "(untitled)"
    label = f"post {_text(fields, 'wp', 'post_id') or '?'} “{title}”"
    if status == "publish":
        notes.skip(label, "password-protected: not public")
        return False
    if status == "future":
        when = parse_datetime(_text(fields, "wp", "post_date_gmt")) or parse_datetime(
            _text(fields, "wp", "post_date")
        )
        at = f" for {when:%Y-%m-%d %H:%M} UTC" if when else ""
        notes.skip(label, f"scheduled{at}: import it again once it is published")
        return False
    notes.skip(label, _UNPUBLISHED.get(status, f"status {status!r}: not published"))
    return False


def _draft(
    fields: _Fields,
    authors: dict[str, str],
    site: str,
    language: str,
    assets: list[AssetDraft],
    known_footers: Sequence[str],
    post_id: str,
) -> ArticleDraft:
    categories: dict[str, list[str]] = {}
    for element in fields.get(("", "category"), ()):
        categories.setdefault(element.get("domain") or "category", []).append(
            collapse(element.text)
        )
    # Co-Authors Plus lists every byline as an "author" term; otherwise dc:creator is a login.
    bylines = categories.get("author") or [
        authors.get(login, login)
        for login in (collapse(e.text) for e in fields.get(("dc", "creator"), ()))
        if login
    ]
    link = _text(fields, "", "link")
    link = link if absolute_url(link) else ""  # only http(s) is a link
    guid = _text(fields, "", "guid")
    # WordPress's own GUID pattern, for exports whose items lack one.
    fallback_id = _post_identity(site, post_id)
    excerpt = _text(fields, "excerpt", "encoded")
    draft = ArticleDraft(
        headline=text_of(_text(fields, "", "title")),
        body_html="",
        dek=excerpt,
        bylines=bylines,
        published_at=parse_datetime(_text(fields, "wp", "post_date_gmt"))
        or parse_datetime(_text(fields, "wp", "post_date")),
        section=(categories.get("category") or [""])[0],
        tags=categories.get("post_tag", []),
        language=language,
        canonical_url=link,
        source_id=guid or link or fallback_id,
        summary=excerpt,
        assets=assets,
    )
    body = _shortcodes(autop(_text(fields, "content", "encoded")))
    base = link or site
    return finish_draft(draft, body, base_url=base, known_footers=known_footers)
