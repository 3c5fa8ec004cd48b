"""The step every importer ends with: sanitise the body, take off the footer, record findings.

Importers only map their format onto an ArticleDraft and hand the raw body HTML
to :func:`finish_draft`, so that every format gets the same body markup and
the same findings. finish_draft runs a pipeline of named steps (split the body,
drop a repeated headline, drop the footer, mark promos, render, credit assets,
fill missing texts), each a plain function of values. Small shared conversions
(dates, plain text) live here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html import escape, unescape
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from syndication.ingest.drafts import ArticleDraft, AssetDraft, Finding
from syndication.ingest.findings import (
    find_cited_outlets,
    find_promos,
    find_third_party_credits,
    find_wire_bylines,
    find_wire_dateline,
    is_third_party_credit,
    mark_promos,
    split_footer,
    straighten_quotes,
)
from syndication.ingest.sanitise import (
    has_relative_url,
    remove_tracking_pixels,
    sanitise_pieces,
)

# Reused rather than copied: the seed importer owns how a headline is made from text.
from syndication.ingest.seed import first_sentence, trim_headline

SUMMARY_MAX_CHARS = 300

# Elements that are paragraphs in their own right: each becomes one block of the body.
_BLOCK_TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "figure",
        "table", "pre", "hr", "dt", "dd", "address", "figcaption",
    }
)  # fmt: skip
# Blocks the sanitiser would unwrap, leaving their text to run into the next block's:
# renamed to the nearest allowed block. The headline is the page's only <h1>.
_RENAMES = {"h1": "h2", "dt": "p", "dd": "p", "address": "p", "figcaption": "p"}
# Wrappers whose children are the blocks ("<div><p>..</p><p>..</p></div>"); inline
# content directly inside them is a paragraph of its own.
_CONTAINER_TAGS = frozenset(
    {
        "div", "section", "article", "main", "header", "footer", "aside", "nav", "center",
        "body", "html", "form", "dl", "details", "summary", "hgroup",
    }
)  # fmt: skip
# Removed with their content before anything else: never text of the article.
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "title", "select", "button")
_MEDIA_TAGS = frozenset({"img", "iframe", "video", "audio", "object", "embed", "hr", "table"})
_MEDIA_STARTS = tuple(f"<{tag}" for tag in _MEDIA_TAGS)
_DOCUMENT = re.compile(r"<(?:html|body)\b", re.IGNORECASE)
# What is left where the sanitiser removed an ad image or a pixel: a link around nothing,
# a paragraph of nothing but breaks.
_EMPTY_LINK = re.compile(r"<a\b[^>]*>\s*</a>")
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|<br>)*</p>\s*")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
# Characters urlsplit removes (tab, newline) or checks (IPv6 brackets) in a URL.
_URL_SPECIAL = re.compile(r"[\t\r\n\[\]]")


# --- plain text -----------------------------------------------------------------------------


def collapse(text: str | None) -> str:
    """Return ``text`` with runs of whitespace collapsed to single spaces and trimmed."""
    # str.split() splits on exactly the characters \s matches, at twice the speed.
    return " ".join(text.split()) if text else ""


# A numeric character reference to a code point no text can hold (a UTF-16 surrogate,
# NUL, beyond U+10FFFF): HTML parsers turn it into U+FFFD, which the source never wrote.
_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def _possible(match: re.Match[str]) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    impossible = code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF
    return "" if impossible else match.group()


# Every reference _possible drops, and a few others (past leading zeros: no digit, a
# decimal of 5 digits or more, a hex of 6 or more or starting d8-df): most bodies hold
# references, to quotes and dashes, and none of these, so one search spares a call each.
_MAYBE_IMPOSSIBLE = re.compile(
    r"&#(?:[xX]0*(?:[dD][89a-fA-F]|[1-9a-fA-F][0-9a-fA-F]{5}|(?![0-9a-fA-F]))|0*(?:[1-9]\d{4}|(?!\d)))"
)


def drop_impossible_references(markup: str) -> str:
    """``markup`` without character references to code points that cannot exist."""
    if "&#" not in markup or _MAYBE_IMPOSSIBLE.search(markup) is None:
        return markup
    return _REFERENCE.sub(_possible, markup)


def text_of(markup: str | None) -> str:
    """Return the visible text of an HTML snippet (a title, a caption), whitespace collapsed."""
    if not markup or not markup.strip():
        return ""
    markup = drop_impossible_references(markup)
    if "<" not in markup and "&" not in markup:
        return collapse(markup)
    try:
        return collapse(text_content(fragment_root(markup)))
    except (etree.ParserError, ValueError):
        return collapse(markup)


def paragraphs_html(text: str) -> str:
    """Return plain ``text`` as escaped HTML paragraphs, one per blank-line separated block."""
    parts = [p.strip() for p in _BLANK_LINE.split(text.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in parts)


def absolute_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL, else the empty string."""
    url = url.strip()
    # Called several times per item: the usual plain "https://host/..." is answered
    # here. Anything urlsplit would clean, reject or normalise takes the long way.
    if url.startswith(("https://", "http://")) and url.isascii() and not _URL_SPECIAL.search(url):
        host = url[url.index("//") + 2 :]
        return url if host and host[0] not in "/?#" else ""
    parts = urlsplit(url)
    return url if parts.scheme in {"http", "https"} and parts.netloc else ""


# --- dates ----------------------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(value: str | None, locales: list[str] | None = None) -> datetime | None:
    """Parse a feed, export or page date into an aware UTC datetime, or None if it is no date.

    Cheap, strict parsers first (ISO 8601, RFC 822); dateutil for other English
    layouts ("2020/1/10 14:33:00"); dateparser last, for other languages
    ("Seg, 24 Set 2018 19:42:40 -0300"), because it is slow to load and run.
    ``locales``, when given, is what one file's dates have shown so far: dateparser
    tries those first and adds the locale of any date it had to search every
    language for (a search costs some 70 ms, a known locale some 4 ms). A date
    shaped like RFC 822 in another language is read without dateparser once it
    has read one with the same words (:func:`_learnt_date`).
    """
    text = collapse(value)
    if not text or text.startswith("0000-00-00"):  # WordPress's "no date"
        return None
    # ISO 8601 always starts with the year: RFC 822 dates ("Tue, 10 Jun 2003 ...") skip it.
    if text[0].isdigit():
        parsers = _DATE_PARSERS
    else:
        plain = _plain_rfc822_date(text)
        if plain is not None:
            return plain
        parsers = _DATE_PARSERS[1:]
    for parse in parsers:
        try:
            parsed = _year_as_written(parse(text), text)
        except (ValueError, TypeError, OverflowError, IndexError):
            continue
        if parsed is None:
            continue
        try:
            return as_utc(parsed)
        except OverflowError:
            # A time at the calendar's very edge ("1 Jan 0001 +0100") has no UTC time: it
            # is no date, rather than a failed import or another parser's other reading.
            return None
    shaped = _RFC822_SHAPE.fullmatch(text)
    if shaped is None:
        return _parse_dateparser(text, locales)
    key = (None if locales is None else tuple(locales), shaped["weekday"], shaped["month"])
    learnt = _LEARNT_DATE_WORDS.get(key)
    known = _learnt_date(shaped, learnt, locales) if learnt is not None else None
    if known is not None:
        return known
    found = _parse_dateparser(text, locales)
    if found is not None:
        _learn_date_words(key, shaped, found, locales)
    return found


# RFC 822 as feeds write it: "Tue, 10 Jun 2003 04:00:00 +0000" (or GMT).
_PLAIN_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:([+-])(\d{2})(\d{2})|GMT|UTC?)"
)
_MONTHS = {
    name: n
    for n, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _plain_rfc822_date(text: str) -> datetime | None:
    """``parsedate_to_datetime(text)`` in UTC for the usual RFC 822 date, without its parser.

    email.utils reads a date a word at a time, in Python; this one pattern reads
    the shape feeds write. None for anything else, or fields that make no date:
    the parsers decide.
    """
    match = _PLAIN_RFC822.fullmatch(text)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, hours, minutes = match.groups()
    # As email.utils reckons an offset, minutes past 59 too; "-0000" says nothing of the
    # zone, and its naive time is taken for UTC, as "+0000" is.
    offset = int(hours) * 3600 + int(minutes) * 60 if sign else 0
    # Four digits are the year written, "0001" too (email.utils would read 2001: see
    # _year_as_written); the year 0 and the calendar's edges are no date, for the parsers.
    try:
        zone = timezone(timedelta(seconds=-offset if sign == "-" else offset))
        return datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=zone
        ).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# A year of four digits below 100 ("0001"), alone: not part of a time, a zone or a number.
_FOUR_DIGITS = re.compile(r"(?<![\d:.+-])\d{4}(?![\d:])")


def _year_as_written(parsed: datetime | None, text: str) -> datetime | None:
    """``parsed`` in the year ``text`` writes, when that is four digits below 100.

    email.utils and dateutil take any year under 100 for a two-digit one ("0001" as
    2001, "0099" as 1999), as RFC 2822 says only of years written with two digits.
    When the date's only four-digit number is such a year and the parser read it so,
    the year is put back (19xx and 20xx have the same days as xx); the year 0, which
    the calendar lacks, raises ValueError: no date.
    """
    if parsed is None:
        return None
    numbers = _FOUR_DIGITS.findall(text)
    if len(numbers) != 1 or not numbers[0].startswith("00"):
        return parsed
    year = int(numbers[0])
    if parsed.year == year or parsed.year % 100 != year:
        return parsed
    return parsed.replace(year=year)


def _parse_dateutil(text: str) -> datetime | None:
    from dateutil import parser as dateutil_parser

    return dateutil_parser.parse(text)


_DATE_PARSERS = (datetime.fromisoformat, parsedate_to_datetime, _parse_dateutil)

# RFC 822's shape with words of any language: "Seg, 24 Set 2018 19:42:40 -0300".
_RFC822_SHAPE = re.compile(
    r"(?:(?P<weekday>[^\W\d_]+),\s)?(?P<day>\d{1,2})\s(?P<month>[^\W\d_]+)\s(?P<year>\d{4})\s"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s(?P<offset>[+-]\d{4})"
)


def _shaped_date(shaped: re.Match[str], month: int) -> datetime | None:
    offset = shaped["offset"]
    minutes = int(offset[1:3]) * 60 + int(offset[3:])
    zone = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    try:
        return datetime(
            int(shaped["year"]),
            month,
            int(shaped["day"]),
            int(shaped["hour"]),
            int(shaped["minute"]),
            int(shaped["second"] or 0),
            tzinfo=zone,
        ).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# What dateparser made of the words of dates of that shape, by (the locales the file
# had shown before, weekday, month): the month, and the locale dateparser added to
# the file's list. Kept for the process, as dateparser's own parsers are.
_DateWords = tuple[tuple[str, ...] | None, str | None, str]
_LEARNT_DATE_WORDS: dict[_DateWords, tuple[int, str | None]] = {}
_LEARNT_MAX = 4096


def _learnt_date(
    shaped: re.Match[str], learnt: tuple[int, str | None], locales: list[str] | None
) -> datetime | None:
    """The date dateparser would read, from words it read the same way before, or None.

    Its side effect too: the locale it would have added to the file's list. None
    for fields that make no date (the 31st of a short month): dateparser decides.
    """
    month, locale = learnt
    found = _shaped_date(shaped, month)
    if found is not None and locales is not None and locale and locale not in locales:
        locales.append(locale)
    return found


def _learn_date_words(
    key: _DateWords,
    shaped: re.Match[str],
    found: datetime,
    locales: list[str] | None,
) -> None:
    # The month dateparser read is the one that, put in the date's own fields, gives
    # its answer back: then the words mean what it read them to mean.
    month = next((m for m in range(1, 13) if _shaped_date(shaped, m) == found), None)
    if month is None:
        return
    added = locales[-1] if locales and len(locales) > len(key[0] or ()) else None
    if len(_LEARNT_DATE_WORDS) >= _LEARNT_MAX:
        _LEARNT_DATE_WORDS.clear()
    _LEARNT_DATE_WORDS[key] = (month, added)


@lru_cache(maxsize=32)
def _date_data_parser(locales: tuple[str, ...]) -> Any:
    # What dateparser.parse builds on every call, built once per set of locales.
    from dateparser.date import DateDataParser

    settings = {"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC"}
    return DateDataParser(locales=list(locales) or None, settings=settings)


def _parse_dateparser(text: str, locales: list[str] | None = None) -> datetime | None:
    try:
        return _dateparser_date(text, locales)
    except OverflowError:  # a time at the calendar's edge ("31 Dec 9999 -0100"): no UTC time
        return None


def _dateparser_date(text: str, locales: list[str] | None) -> datetime | None:
    if locales:
        known = _date_data_parser(tuple(locales)).get_date_data(text)
        if known.date_obj is not None:
            return as_utc(known.date_obj)
    found = _date_data_parser(()).get_date_data(text)
    if found.date_obj is None:
        return None
    if locales is not None and found.locale and found.locale not in locales:
        locales.append(found.locale)
    return as_utc(found.date_obj)


# --- the body -------------------------------------------------------------------------------


@dataclass(slots=True)
class Block:
    """One paragraph-like piece of the body: an element, or a run of inline markup."""

    text: str
    element: etree._Element | None = None
    pieces: list[str] = field(default_factory=list)
    html: str = ""  # set when the block is rewritten (a promo marked)

    def serialise(self) -> str:
        """The block as HTML, not yet sanitised: its rewrite, its element, or its run as a <p>."""
        if self.html:
            return self.html
        if self.element is not None:
            return etree.tostring(self.element, encoding="unicode", method="html", with_tail=False)
        return "<p>" + "".join(self.pieces).strip() + "</p>"

    def inner(self) -> str:
        """The block's content without its own tag."""
        if self.element is None:
            return "".join(self.pieces).strip()
        parts = [escape(self.element.text or "", quote=False)]
        parts += [etree.tostring(c, encoding="unicode", method="html") for c in self.element]
        return "".join(parts)

    def is_plain_paragraph(self) -> bool:
        """True for a paragraph of text alone, which a promo can be marked inside."""
        if self.element is None:
            return not any(piece.startswith("<") for piece in self.pieces)
        return self.element.tag == "p" and len(self.element) == 0


# What lxml.html.fragment_fromstring reads as a whole document rather than a fragment.
_DOCUMENT_START = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)
# An element's text, as lxml.html's text_content() finds it.
_STRING = etree.XPath("string()", smart_strings=False)


def fragment_root(markup: str) -> etree._Element:
    """HTML markup parsed as lxml.html.fragment_fromstring(markup, create_parent=True) does.

    Faster, for the importers' hot path: plain lxml elements (lxml.html looks up
    a Python class for every element it touches), and the <body> lxml parses the
    markup into is the container, where fragment_fromstring copies every element
    into a new <div> (leading blank text, which it drops, stays: it adds no text).
    """
    if not _DOCUMENT_START.match(markup):
        document = etree.HTML(f"<html><body>{markup}</body></html>")
        body = document.find("body") if document is not None else None
        if body is not None:
            return body
    return lxml_html.fragment_fromstring(markup, create_parent="div")


def text_content(element: etree._Element) -> str:
    """The text of ``element`` and its descendants, as lxml.html's text_content() gives it."""
    return _STRING(element)


def _parse_fragment(raw_html: str) -> etree._Element:
    if _DOCUMENT.search(raw_html[:2000]):
        document = etree.HTML(raw_html)
        if document is None:
            raise etree.ParserError("Document is empty")
        body = document.find("body")
        return body if body is not None else document
    return fragment_root(raw_html)


class _Splitter:
    """Split raw article HTML into blocks, before sanitising, while its structure is known.

    Doing it first means one sanitiser pass per article: the blocks are
    serialised back and sanitised once, footer removed and promos marked.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.run: list[str] = []
        self.run_text: list[str] = []
        self.last_was_br = False

    def flush(self) -> None:
        if not self.run:  # the usual case, between two blocks
            self.run_text.clear()
            self.last_was_br = False
            return
        run = self.run
        # Line breaks at the edges of a paragraph are leftovers of the split.
        while run and run[-1].strip() in {"", "<br>"}:
            run.pop()
        while run and run[0].strip() in {"", "<br>"}:
            run.pop(0)
        text = "".join(self.run_text).strip()
        if run and (text or any(s in p for p in run for s in _MEDIA_STARTS)):
            self.blocks.append(Block(text=text, pieces=list(run)))
        run.clear()
        self.run_text.clear()
        self.last_was_br = False

    def add_text(self, text: str | None) -> None:
        # Blank text with no run to join (between two blocks, mostly) would only be
        # trimmed off the run's start by flush: it is not added at all.
        if text and (self.run or not text.isspace()):
            # html.escape(text, quote=False), without its call.
            self.run.append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            self.run_text.append(text)
            if not text.isspace():
                self.last_was_br = False

    def walk(self, container: etree._Element) -> None:
        # The hot loop of every import: attribute and method look-ups are hoisted, and
        # flush is called only when there is a run to end (else it only resets the <br>).
        add_text, flush, run, run_text = self.add_text, self.flush, self.run, self.run_text
        tostring = etree.tostring
        add_text(container.text)
        for child in container:
            tag = child.tag
            # A comment or processing instruction has no tag: it is dropped, its tail kept.
            # lxml's HTML parser writes tag names in lower case.
            if not isinstance(tag, str):
                tag = ""
            if tag in _CONTAINER_TAGS:
                if run:
                    flush()
                self.last_was_br = False
                self.walk(child)
                if run:
                    flush()
                self.last_was_br = False
            elif tag in _BLOCK_TAGS:
                if run:
                    flush()
                self.last_was_br = False
                self.add_block(child, tag)
            elif tag == "br":
                if self.last_was_br:  # "<br><br>": how much feed HTML separates paragraphs
                    self.flush()
                else:
                    run.append("<br>")
                    run_text.append("\n")
                    self.last_was_br = True
            elif tag:
                run.append(tostring(child, encoding="unicode", method="html", with_tail=False))
                run_text.append(_text(child))
                self.last_was_br = False
            tail = child.tail
            if tail:
                add_text(tail)

    def add_block(self, element: etree._Element, tag: str) -> None:
        if tag in _RENAMES:
            element.tag = _RENAMES[tag]
        text = _text(element).strip()
        if text or tag in _MEDIA_TAGS or any(e.tag in _MEDIA_TAGS for e in element.iter()):
            self.blocks.append(Block(text=text, element=element))


def _text(element: etree._Element) -> str:
    """An element's text, with a line break for each <br>: promos and footers go by line."""
    if not len(element):  # a paragraph of text alone, the usual block
        return element.text or ""
    if next(element.iter("br"), None) is None:
        return text_content(element)
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node.tag == "br":
            parts.append("\n")
        elif isinstance(node.tag, str):  # comments add nothing but their tail
            parts.append(node.text or "")
            for child in node:
                visit(child)
                parts.append(child.tail or "")

    visit(element)
    return "".join(parts)


def _same_text(a: str, b: str) -> bool:
    return collapse(straighten_quotes(a)).casefold() == collapse(straighten_quotes(b)).casefold()


# --- finishing a draft: one named step after another ----------------------------------------
#
# Each step takes plain values and returns new ones, so each can be tested alone;
# finish_draft only runs them in order and puts the results on the draft.


def finish_draft(
    draft: ArticleDraft,
    raw_html: str,
    *,
    base_url: str = "",
    known_footers: Sequence[str] = (),
    credits: Iterable[str] = (),
) -> ArticleDraft:
    """Sanitise ``raw_html`` into the draft's body, remove a trailing footer, and record findings.

    ``base_url`` resolves relative links and images; ``credits`` are extra credit
    lines (beyond the assets' own) to check for agency material. Fills a missing
    headline or summary from the first paragraph. Returns the same draft.
    """
    headline = text_of(draft.headline)
    blocks, captions = split_body(raw_html)
    blocks = drop_headline(blocks, headline)
    blocks, footer = drop_footer(blocks, known_footers)
    blocks, promos = mark_promo_blocks(blocks)
    paragraphs = [b.text for b in blocks if b.text]
    url_findings = check_urls(draft)
    # Each block serialised once, for the URL check and the body alike.
    pieces = [b.serialise() for b in blocks]
    # Most bodies hold only http(s) and relative URLs: one search over the raw HTML says so.
    if raw_html and may_hold_other_schemes(raw_html):
        url_findings += unsafe_piece_urls(pieces)
    assets = credit_assets(draft.assets)
    bylines = unique_texts(draft.bylines)

    findings = [footer] if footer is not None else []
    findings += promos
    findings += find_cited_outlets("\n\n".join(paragraphs))
    findings += credit_findings(assets, credits, captions)
    wire = find_wire_bylines(bylines)
    # A dateline credit ("ROME (ANSA) -") marks wire copy whatever the byline says.
    wire += [
        f
        for f in find_wire_dateline(paragraphs[0] if paragraphs else "")
        if f.detail not in {w.detail for w in wire}
    ]
    findings += wire

    draft.headline, draft.dek, draft.summary = fill_texts(
        headline, draft.dek, draft.summary, paragraphs
    )
    base = absolute_url(base_url)
    body_html = render_pieces(pieces, base, pixels_removed=True)
    if not base:
        body_html, unresolved = drop_relative_urls(body_html)
        url_findings += unresolved
    draft.body_html = body_html
    draft.assets = assets
    draft.bylines = bylines
    draft.tags = unique_texts(draft.tags)
    # Findings an importer recorded already (where a byline came from) come first.
    draft.findings = [*draft.findings, *findings, *url_findings]
    return draft


# --- URLs: only http(s) is kept ---------------------------------------------------------------

# A scheme, as a browser reads one: after removing leading spaces and controls.
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_BODY_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_ATTRIBUTE = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
# A URL attribute whose value may start with a scheme other than http(s) or mailto
# (spaces, controls and entity-escaped characters before it included): a value that
# does not start with one of those or with "/", "#" or "?", and holds a colon or an
# entity. Searched from the "=", which the regex engine finds fast; the name before
# it is checked for the few that match (a search from "href|src" tries every position).
_SAFE_START = r"(?![\s\x00-\x1f]*(?:[hH][tT][tT][pP][sS]?:|[mM][aA][iI][lL][tT][oO]:|[/#?]))"
_SUSPECT_VALUE = re.compile(
    rf"""=\s*(?:"{_SAFE_START}[^"]*[:&]|'{_SAFE_START}[^']*[:&]|(?!["']){_SAFE_START}[^\s>]*[:&])"""
)
_URL_NAME_BEFORE = re.compile(r"\b(?:href|src)\s*\Z", re.IGNORECASE)


def may_hold_other_schemes(markup: str) -> bool:
    """False when no link or image in ``markup`` can have a scheme but http(s) or mailto."""
    return any(
        _URL_NAME_BEFORE.search(markup, max(0, m.start() - 12), m.start())
        for m in _SUSPECT_VALUE.finditer(markup)
    )


def _url_finding(url: str, what: str) -> Finding:
    return Finding(kind="dropped_url", text=url[:2000], detail=what)


def check_urls(draft: ArticleDraft) -> list[Finding]:
    """Drop the draft's canonical URL, site link and asset URLs that are not http(s).

    Each dropped URL is a finding. A source id that was only the dropped link
    goes with it: a ``javascript:`` link identifies nothing.
    """
    findings = []
    canonical = draft.canonical_url.strip()
    if canonical and not absolute_url(canonical):
        findings.append(_url_finding(canonical, "canonical URL"))
        if draft.source_id.strip() == canonical:
            draft.source_id = ""
        draft.canonical_url = ""
    site = draft.source_site_url.strip()
    if site and not absolute_url(site):
        findings.append(_url_finding(site, "site link"))
        draft.source_site_url = ""
    kept = []
    for asset in draft.assets:
        if asset.url and not absolute_url(asset.url):
            findings.append(_url_finding(asset.url, "image"))
        else:
            kept.append(asset)
    draft.assets = kept
    return findings


def unsafe_piece_urls(pieces: Iterable[str]) -> list[Finding]:
    """A finding for each link or image in the body whose scheme is not http(s) or mailto.

    ``pieces`` are the body's blocks serialised (``Block.serialise``). The sanitiser
    removes such URLs; this says so. Relative URLs are not unsafe.
    """
    findings = []
    for markup in pieces:
        if not may_hold_other_schemes(markup):
            continue
        for match in _URL_ATTRIBUTE.finditer(markup):
            url = unescape(next(g for g in match.groups()[1:] if g is not None) or "")
            cleaned = "".join(ch for ch in url if ch > " ").strip()  # as browsers strip
            scheme = _SCHEME.match(cleaned)
            if scheme and scheme[1].lower() not in _BODY_SCHEMES:
                what = "link in the text" if match[1].lower() == "href" else "image in the text"
                findings.append(_url_finding(url.strip(), what))
    return findings


def drop_relative_urls(body_html: str) -> tuple[str, list[Finding]]:
    """With no URL to resolve them against, relative links are unwrapped and images dropped.

    A relative image left in a republished copy would point into the partner's
    own site; the finding tells staff to import the page with its URL.
    """
    if not has_relative_url(body_html):
        return body_html, []
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    dropped = []
    for element in list(root.iter("a", "img")):
        attribute = "href" if element.tag == "a" else "src"
        url = element.get(attribute)
        if url is None or _SCHEME.match(url) or url.startswith("//"):
            continue
        dropped.append(url)
        if element.tag == "a":
            element.drop_tag()
        else:
            element.drop_tree()
    if not dropped:
        return body_html, []
    inner = escape(root.text or "", quote=False)
    inner += "".join(etree.tostring(c, encoding="unicode", method="html") for c in root)
    finding = Finding(
        kind="dropped_url",
        text=", ".join(dropped)[:2000],
        detail=f"{len(dropped)} relative link{'s' if len(dropped) != 1 else ''} with no URL "
        "to resolve against: import with the page's URL",
    )
    return _EMPTY_PARAGRAPH.sub("", sanitise_pieces([inner])).strip(), [finding]


def split_body(raw_html: str) -> tuple[list[Block], list[str]]:
    """The body's blocks, in order, and the texts of its figure captions.

    Tracking pixels are gone from the blocks (render them with ``pixels_removed``).
    """
    if not raw_html or not raw_html.strip():
        return [], []
    root = _parse_fragment(drop_impossible_references(raw_html))
    # Removed with their subtrees, their tails kept (lxml.html's drop_tree, in one call).
    etree.strip_elements(root, *_DROPPED_TAGS, with_tail=False)
    remove_tracking_pixels(root)
    captions = [collapse(text_content(c)) for c in root.iter("figcaption")]
    splitter = _Splitter()
    splitter.walk(root)
    splitter.flush()
    return splitter.blocks, [c for c in captions if c]


def drop_headline(blocks: list[Block], headline: str) -> list[Block]:
    """The blocks without a first one that repeats the headline.

    Bodies (pages especially) often open with the headline itself.
    """
    if blocks and headline and _same_text(blocks[0].text, headline):
        return blocks[1:]
    return blocks


def drop_footer(
    blocks: list[Block], known_footers: Sequence[str] = ()
) -> tuple[list[Block], Finding | None]:
    """The blocks without a trailing licensing footer, and the footer as a finding.

    What follows the footer goes with it: blocks without text (an image, a rule)
    are not paragraphs to ``split_footer``, so they are removed along the way.
    """
    texts = [b.text for b in blocks]
    kept, footer = split_footer(texts, known_footers)
    if footer is None:
        return blocks, None
    removed = len([t for t in texts if t.strip()]) - len(kept)
    end = len(blocks)
    while removed and end:  # the footer and anything after it
        end -= 1
        if blocks[end].text.strip():
            removed -= 1
    return blocks[:end], footer


def mark_promo_blocks(blocks: list[Block]) -> tuple[list[Block], list[Finding]]:
    """The blocks with their promos marked, and each promo as a finding.

    Only paragraphs are marked; lists and quotes keep their structure (their
    promos are still found). A paragraph of plain text has each promo wrapped;
    one with markup is wrapped whole when it is nothing but the promo.
    """
    marked: list[Block] = []
    findings: list[Finding] = []
    for block in blocks:
        # Every promo has a colon ("RELATED: ..."): most paragraphs need no search.
        promos = find_promos(block.text) if ":" in block.text else []
        if promos:
            findings += promos
            block = _marked(block, promos)
        marked.append(block)
    return marked, findings


def _marked(block: Block, promos: list[Finding]) -> Block:
    if block.element is not None and block.element.tag != "p":
        return block
    if block.is_plain_paragraph():
        return replace(block, html=f"<p>{mark_promos(block.text)}</p>")
    if len(promos) == 1 and _same_text(promos[0].text, block.text):
        return replace(block, html=f'<p><span class="promo">{block.inner()}</span></p>')
    return block


def render_body(
    blocks: Sequence[Block], base_url: str = "", *, pixels_removed: bool = False
) -> str:
    """The blocks as one sanitised body, relative links resolved against ``base_url``.

    ``pixels_removed``: the blocks come from :func:`split_body`, which took the
    tracking pixels out already.
    """
    return render_pieces([b.serialise() for b in blocks], base_url, pixels_removed=pixels_removed)


def render_pieces(pieces: list[str], base_url: str = "", *, pixels_removed: bool = False) -> str:
    """:func:`render_body` of the blocks already serialised (``Block.serialise``)."""
    try:
        body_html = sanitise_pieces(
            pieces, base_url=absolute_url(base_url), pixels_removed=pixels_removed
        )
    except ValueError:
        # A link the URL standard refuses (a space in the host, say) cannot be a
        # base: the item still imports, its relative links left as they are.
        body_html = sanitise_pieces(pieces, pixels_removed=pixels_removed)
    if "</a>" in body_html:
        body_html = _EMPTY_LINK.sub("", body_html)
    return _EMPTY_PARAGRAPH.sub("", body_html).strip()


def credit_assets(assets: Iterable[AssetDraft]) -> list[AssetDraft]:
    """One asset per URL (first wins, none without a URL), agency material marked.

    An asset credited to a wire or agency is not ours to syndicate; the agency
    becomes its rights holder unless one is known. Marked assets are copies.
    """
    unique: dict[str, AssetDraft] = {}
    for asset in assets:
        if asset.url and asset.url not in unique:
            agency = is_third_party_credit(asset.credit) if asset.credit else None
            if agency:
                asset = replace(
                    asset, syndicatable=False, rights_holder=asset.rights_holder or agency
                )
            unique[asset.url] = asset
    return list(unique.values())


def credit_findings(
    assets: Iterable[AssetDraft], credits: Iterable[str] = (), captions: Iterable[str] = ()
) -> list[Finding]:
    """A finding per agency named in the assets' credits, extra credits or captions."""
    lines = [a.credit for a in assets if a.credit] + list(credits) + list(captions)
    return find_third_party_credits(dict.fromkeys(c for c in lines if c))


def unique_texts(values: Iterable[str]) -> list[str]:
    """Each value whitespace-collapsed, once, in order; blanks dropped."""
    return list(dict.fromkeys(v for v in map(collapse, values) if v))


class Texts(NamedTuple):
    """The draft's headline, dek and summary as finish_draft leaves them."""

    headline: str
    dek: str
    summary: str


def fill_texts(headline: str, dek: str, summary: str, paragraphs: Sequence[str]) -> Texts:
    """Headline, dek and summary as text; a missing one taken from the body.

    A missing headline is the first paragraph's first sentence, trimmed; a
    missing summary is the dek, else that sentence shortened to SUMMARY_MAX_CHARS.
    """
    dek = text_of(dek)
    summary = text_of(summary) or dek
    # The first sentence only when it fills something: most items have both already.
    first = first_sentence(paragraphs[0]) if paragraphs and not (headline and summary) else ""
    return Texts(
        headline=headline or (trim_headline(first) if first else ""),
        dek=dek,
        summary=summary or _shorten(first),
    )


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_MAX_CHARS:
        return text
    return text[: SUMMARY_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
