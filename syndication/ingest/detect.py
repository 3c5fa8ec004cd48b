"""Choose the importer for an uploaded file: by its content first, by its name second."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import PurePath

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.feeds import parse_feed
from syndication.ingest.ninjs import parse_ninjs
from syndication.ingest.page import parse_page
from syndication.ingest.seed import SeedFormatError, parse_seed_text
from syndication.ingest.wxr import parse_wxr

__all__ = ["FORMATS", "ImportFormatError", "detect_format", "parse_any"]

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


def parse_any(
    data: bytes,
    filename: str,
    *,
    known_footers: Sequence[str] = (),
    headline: str | None = None,
) -> list[ArticleDraft]:
    """Import any supported file: feed, WordPress export, ninjs, article page or seed text.

    ``headline`` overrides the headline of a single-article file (seed text, a
    page). Raises ImportFormatError, with a message for people, when the
    format is unknown or the file is broken.
    """
    if not data.strip():
        raise ImportFormatError(f"{filename} is empty.")
    found = detect_format(data, filename)
    if found is None:
        raise ImportFormatError(
            f"{filename} is not a format we can import: expected an RSS or Atom feed, a "
            "WordPress export (WXR), a ninjs JSON file, an article web page or seed text (.txt)."
        )
    if found == "seed":
        try:
            return [
                parse_seed_text(
                    data, headline=headline, source_id=filename, known_footers=known_footers
                )
            ]
        except SeedFormatError as error:
            raise ImportFormatError(str(error)) from error
    drafts = FORMATS[found](data, known_footers=known_footers)
    if headline and headline.strip() and len(drafts) == 1:
        drafts[0].headline = headline.strip()
    return drafts
