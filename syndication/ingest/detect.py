"""Choose the importer for an uploaded file: by its content first, by its name second."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from syndication.ingest.compression import open_compressed
from syndication.ingest.drafts import ArticleDraft, FileNotes, Finding
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.feeds import parse_feed
from syndication.ingest.identity import normalise_url, text_words
from syndication.ingest.ninjs import parse_ninjs
from syndication.ingest.page import parse_page
from syndication.ingest.seed import SeedFormatError, parse_seed_text
from syndication.ingest.tidy import tidy_draft
from syndication.ingest.wxr import parse_wxr

__all__ = ["FORMATS", "ImportFormatError", "Reading", "detect_format", "parse_any", "read_file"]

Importer = Callable[..., list[ArticleDraft]]

# Format name -> importer; parse_any picks the name, this table the function.
FORMATS: dict[str, Importer] = {
    "feed": parse_feed,
    "wxr": parse_wxr,
    "ninjs": parse_ninjs,
    "page": parse_page,
}
_SUFFIXES = {
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
    ".xml": "feed",
    ".json": "ninjs",
    ".html": "page",
    ".htm": "page",
    ".txt": "seed",
}
_SNIFF_BYTES = 4096
# What may precede the root element: declarations, processing instructions, comments.
_PROLOG = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\b[^>]*>)*", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_HTML_START = re.compile(r"<!DOCTYPE\s+html|<html[\s>]", re.IGNORECASE)
_WXR_NAMESPACE = re.compile(rb"wordpress\.org/export/\d")
_SEED_HEADER = re.compile(r"date[ \t]+\d{4}-\d{2}-\d{2}\b", re.IGNORECASE)
_FEED_ROOTS = frozenset({"rss", "rdf", "feed"})


def _sniff_markup(head: str, data: bytes) -> str | None:
    """Name the format of markup from its first element."""
    prolog = _PROLOG.match(head)
    root = _ROOT.match(head, prolog.end() if prolog else 0)
    local = root[1].rsplit(":", 1)[-1].lower() if root else ""
    if local == "rss" and _WXR_NAMESPACE.search(data[: 64 * 1024]):
        return "wxr"
    if local in _FEED_ROOTS:
        return "feed"
    # Pages without a doctype may start with <head>, or with markup before <html>.
    if local in {"html", "head", "body"} or _HTML_START.search(head[:1024]):
        return "page"
    return None


def _sniff_json(data: bytes) -> str | None:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    except RecursionError:  # JSON nested past what json reads: the ninjs reader says so
        return "ninjs"
    items = document if isinstance(document, list) else [document]
    if items and all(isinstance(i, dict) for i in items):
        keys = {k.lower() for i in items for k in i}
        if "uri" in keys and keys & {"headline", "headlines", "body_html", "bodies", "type"}:
            return "ninjs"
    return None


def detect_format(data: bytes, filename: str = "") -> str | None:
    """Return "feed", "wxr", "ninjs", "page" or "seed" for the bytes, or None if unknown."""
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    # Latin-1 never fails and keeps the ASCII markup intact whatever the real encoding.
    text = head.decode("latin-1")
    if text.startswith(("{", "[")):
        found = _sniff_json(data)
        if found:
            return found
    elif text.startswith("<"):
        found = _sniff_markup(text, data)
        if found:
            return found
    elif _SEED_HEADER.match(text):
        return "seed"
    suffix = PurePath(filename).suffix.lower()
    named = _SUFFIXES.get(suffix)
    if named == "feed" and _WXR_NAMESPACE.search(data[: 64 * 1024]):
        return "wxr"
    return named


@dataclass(slots=True)
class Reading:
    """What one file holds: its drafts, the importer that read it, and what it noticed."""

    drafts: list[ArticleDraft]
    importer: str
    notes: FileNotes = field(default_factory=FileNotes)


def read_file(
    data: bytes,
    filename: str,
    *,
    known_footers: Sequence[str] = (),
    headline: str | None = None,
    url: str = "",
) -> Reading:
    """Import any supported file: feed, WordPress export, ninjs, article page or seed text.

    Compressed files are opened first (``compression``). ``headline`` overrides
    the headline of a single-article file (seed text, a page); ``url`` is where
    a page came from (its relative links resolve against it). Items with no
    title and no text are skipped, an item repeated in the file is kept once,
    and every draft has an identity that a re-import finds again
    (:func:`assign_identities`). Raises ImportFormatError, with a message for
    people, when the format is unknown, the file is broken or holds no items.
    """
    if not data.strip():
        raise ImportFormatError(f"{filename} is empty.")
    notes = FileNotes()
    try:
        opened = open_compressed(data)
    except ImportFormatError as error:
        raise ImportFormatError(f"{filename} {error}") from None
    if opened.note:
        notes.notes.append(f"The file is {opened.note}.")
        data = opened.data
        filename = PurePath(opened.name).name if opened.name else _inner_name(filename)
        if not data.strip():
            raise ImportFormatError(f"{filename} is empty once decompressed.")
    found = detect_format(data, filename)
    if found is None:
        raise ImportFormatError(
            f"{filename} is not a format we can import: expected an RSS or Atom feed, a "
            "WordPress export (WXR), a ninjs JSON file, an article web page or seed text (.txt)."
        )
    if found == "seed":
        try:
            drafts = [
                parse_seed_text(
                    data, headline=headline, source_id=filename, known_footers=known_footers
                )
            ]
        except SeedFormatError as error:
            raise ImportFormatError(str(error)) from error
    elif found == "page":
        drafts = parse_page(data, known_footers=known_footers, url=url, notes=notes)
    else:
        drafts = FORMATS[found](data, known_footers=known_footers, notes=notes)
    if headline and headline.strip() and len(drafts) == 1:
        drafts[0].headline = headline.strip()
    for draft in drafts:
        tidy_draft(draft)
    drafts = drop_empty(drafts, notes)
    if not drafts and not notes.skipped:
        raise ImportFormatError(f"{filename} holds no items: there is nothing to import.")
    assign_identities(drafts, notes)
    if notes.encoding_notable:
        for draft in drafts:
            draft.findings.append(
                Finding(kind="encoding", text=notes.encoding_reason, detail=notes.encoding)
            )
    return Reading(drafts, found, notes)


def parse_any(
    data: bytes,
    filename: str,
    *,
    known_footers: Sequence[str] = (),
    headline: str | None = None,
    url: str = "",
) -> list[ArticleDraft]:
    """The drafts of :func:`read_file`, for callers that need nothing else."""
    return read_file(data, filename, known_footers=known_footers, headline=headline, url=url).drafts


def _inner_name(filename: str) -> str:
    """ "feed.xml.gz" -> "feed.xml": the name of what a compressed file holds."""
    path = PurePath(filename)
    if path.suffix.lower() in {".gz", ".bz2", ".xz", ".zip", ".tgz"}:
        return path.stem
    return filename


def _label(position: int, draft: ArticleDraft) -> str:
    return f"item {position}" + (f" “{draft.headline}”" if draft.headline else "")


def drop_empty(drafts: list[ArticleDraft], notes: FileNotes) -> list[ArticleDraft]:
    """The drafts that are articles: an item with no title and no text is skipped, noted."""
    kept = []
    for position, draft in enumerate(drafts, start=1):
        if not draft.headline.strip() and not text_words(draft.body_html):
            link = f" (link {draft.canonical_url})" if draft.canonical_url else ""
            notes.skip(f"item {position}{link}", "no title and no text: not an article")
        else:
            kept.append(draft)
    return kept


def content_identity(draft: ArticleDraft) -> str:
    """A stable identity from what an item says, for items with neither GUID nor URL.

    The site (or feed title), the headline and the publication time; the text
    too when there is no time. The same item read again gives the same value.
    """
    parts = [
        normalise_url(draft.source_site_url) or " ".join(draft.source_title.split()).casefold(),
        " ".join(draft.headline.split()).casefold(),
        draft.published_at.isoformat() if draft.published_at else "",
    ]
    if not draft.published_at:
        parts.append(" ".join(text_words(draft.body_html)))
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"urn:sha256:{digest}"


def _content_digest(draft: ArticleDraft) -> str:
    """A short digest of everything an item says: what tells apart items sharing a GUID."""
    parts = [
        normalise_url(draft.canonical_url),
        " ".join(draft.headline.split()).casefold(),
        draft.published_at.isoformat() if draft.published_at else "",
        " ".join(text_words(draft.body_html)),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _item_key(draft: ArticleDraft) -> tuple:
    return (
        draft.source_id,
        draft.canonical_url,
        draft.headline,
        draft.body_html,
        draft.published_at,
    )


def assign_identities(drafts: list[ArticleDraft], notes: FileNotes) -> None:
    """Give every draft an identity of its own that a re-import of the file finds again.

    In order: items without a GUID or URL get :func:`content_identity`; an item
    repeated verbatim is kept once; different items that share an identity (a
    GUID, or a link that serves as one) are each told apart by their content,
    so that neither overwrites the other on every import. What was done is noted.
    """
    for draft in drafts:
        if not draft.source_id.strip() and not normalise_url(draft.canonical_url):
            draft.source_id = content_identity(draft)

    first_seen: dict[tuple, int] = {}
    kept = []
    for position, draft in enumerate(drafts, start=1):
        earlier = first_seen.setdefault(_item_key(draft), position)
        if earlier != position:
            notes.skip(_label(position, draft), f"the same item is item {earlier}")
        else:
            kept.append(draft)

    by_id: dict[str, list[ArticleDraft]] = {}
    for draft in kept:
        by_id.setdefault(draft.source_id.strip(), []).append(draft)
    shared = {key: group for key, group in by_id.items() if key and len(group) > 1}
    for key, group in shared.items():
        for draft in group:
            draft.source_id = f"{key}#{_content_digest(draft)}"
    if shared:
        count = sum(len(g) for g in shared.values())
        notes.notes.append(
            f"{count} items share {len(shared)} GUID{'s' if len(shared) != 1 else ''}; "
            "each is told apart by its content."
        )
    drafts[:] = kept
