"""Which article a draft is: the keys that recognise one story however it arrives.

Pure. A story is the same article when it carries the same source identifier
(a feed's GUID, a ninjs ``uri``), else the same canonical URL once the
differences that do not name another page are removed (scheme, ``www.``,
tracking parameters, fragment, trailing slash), else the same text once markup,
case, punctuation and spacing are set aside.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from syndication.ingest.sanitise import ALLOWED_TAGS

# Query parameters that track a click rather than name a page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "cmpid",
        "ito",
        "smid",
        "s_cid",
        "ocid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
# Fewer words than this and two different stories could share a fingerprint.
MIN_FINGERPRINT_WORDS = 20

_WORD = re.compile(r"\w+", re.UNICODE)
# The text of a whole parsed document: what lxml.html's fromstring(...).text_content()
# gives for any markup (it returns the document, its body or the body's one element, and
# those differ only by blank text), without lxml.html's Python element classes.
_TEXT = etree.XPath("string()", smart_strings=False)


def normalise_url(url: str) -> str:
    """The canonical form of an article URL; "" for anything that is not http(s).

    >>> normalise_url("HTTPS://www.Example.org/news/story/?utm_source=x&id=3#top")
    'example.org/news/story?id=3'
    """
    url = (url or "").strip()
    plain = _PLAIN_URL.fullmatch(url) if url.isascii() else None
    if plain is not None:
        host = plain[1].rstrip(".").removeprefix("www.")
        if host:
            return host + _DOUBLE_SLASHES.sub("/", plain[2] or "/").rstrip("/")
    return _normalise_parsed_url(url)


# A plain link, as most canonical links are: lower-case http(s) and host, no port, user
# or query, nothing urlsplit removes or checks. Its canonical form needs no parsing:
# the host and the path (a fragment goes); _normalise_parsed_url gives the same.
_PLAIN_URL = re.compile(r"https?://([a-z0-9.-]+)(/[^?#\s\x00-\x1f\x7f]*)?(?:#[^\t\r\n]*)?")
_DOUBLE_SLASHES = re.compile(r"/{2,}")


def _normalise_parsed_url(url: str) -> str:
    """:func:`normalise_url` for any URL, through urlsplit."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().rstrip(".")
    host = host.removeprefix("www.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = _DOUBLE_SLASHES.sub("/", parts.path or "/").rstrip("/")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    )
    # Scheme-less: http and https copies of one page are one page.
    return urlunsplit(("", host, path, urlencode(query), "")).removeprefix("//")


def text_words(body_html: str) -> list[str]:
    """The words of an article body: no markup, no accents' variants, lower case."""
    if not body_html.strip():
        return []
    text = _sanitised_text(body_html)
    if text is None:
        try:
            document = etree.HTML(body_html)
        except ValueError:  # an encoding declaration in a str, as lxml.html refuses it too
            document = None
        text = _TEXT(document) if document is not None else body_html
    text = unicodedata.normalize("NFKC", text)
    return words_of(text.lower() if text.isascii() else text.casefold())


# Markup as the sanitiser writes it: tags it keeps, attribute values in double quotes,
# "<" and "&" in text written as references (only these five).
_KEPT_NAMES = "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True))
_SANITISED_TAG = re.compile(rf'</?(?:{_KEPT_NAMES})(?: [a-z][a-z0-9-]*+="[^"]*+")*+>')
_OTHER_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|nbsp|quot);)")
_START_TAG = re.compile(r"<[a-z]")
_TAG_NAME = re.compile(r"<(/?)([a-z0-9]+)")
_VOID = frozenset({"br", "hr", "img"})
# libxml2 reads HTML with HTML5's tokeniser from 2.14 on: a document's text is then
# its text in the order written, all of it but blank text at the very start. It
# stops reading a document nested 254 deep, and keeps no text of one whose text
# runs to ten million characters: markup that may come near either is parsed.
_TOKENISED_AS_HTML5 = etree.LIBXML_VERSION >= (2, 14)
_SHALLOW = 200
_SHORT = 1_000_000


def _sanitised_text(markup: str) -> str | None:
    """The text libxml2 finds in sanitised ``markup`` (up to blank text at its start), or None.

    Parsing and walking a tree costs more than the rest of the fingerprint: markup
    of the sanitiser's shape holds no element whose content is not markup (script,
    style, textarea), no comment and no other reference, so its text is what is left
    between the tags. Anything else (None) is parsed.
    """
    if not _TOKENISED_AS_HTML5 or len(markup) > _SHORT or "\x00" in markup:
        return None
    if "&" in markup and _OTHER_REFERENCE.search(markup):
        return None
    text = _SANITISED_TAG.sub("", markup)
    if (
        # A "<" left is a tag of another shape, or a comment.
        "<" in text
        # With no element, libxml2 gives no document at all, and the words are read
        # from the markup itself.
        or _START_TAG.search(markup) is None
        # Each element nested takes a start tag.
        # (Counting every "<" first spares most bodies, too short to count "</" in.)
        or (
            markup.count("<") >= _SHALLOW
            and markup.count("<") - markup.count("</") >= _SHALLOW
            and not _nested_less_than(markup, _SHALLOW)
        )
        or not (markup.isascii() or _encodable(markup))
    ):
        return None
    return unescape(text) if "&" in text else text


def _encodable(markup: str) -> bool:
    # lxml reads a str as UTF-8, which a lone surrogate cannot be: its text ends there.
    try:
        markup.encode()
    except UnicodeEncodeError:
        return False
    return True


def _nested_less_than(markup: str, limit: int) -> bool:
    """True when no element of ``markup`` is nested ``limit`` deep, whatever a parser adds.

    An end tag closes only the element it ends: a parser that closes more (an
    end tag for an outer element, a paragraph a block starts) nests less deep,
    and what it adds (html, body, a paragraph) is a few levels, never near the limit.
    """
    open_elements: list[str] = []
    for closing, name in _TAG_NAME.findall(markup):
        if name in _VOID:
            continue
        if not closing:
            open_elements.append(name)
            if len(open_elements) >= limit:
                return False
        elif open_elements and open_elements[-1] == name:
            open_elements.pop()
    return True


# Each ASCII character that is not a word character, as a space; the typographic
# punctuation most text holds besides.
_ASCII_NON_WORD = bytes(b if _WORD.fullmatch(chr(b)) or b >= 0x80 else 0x20 for b in range(256))
_TYPOGRAPHIC = "\u2019\u2018\u201c\u201d\u2014\u2013\u00ab\u00bb\u2022\u00b7\u201e\u201a"


def words_of(text: str) -> list[str]:
    """``re.findall(r"\\w+", text)``: the words of a text, faster.

    The regex engine makes a string of each match in turn. Here the characters
    that are not word characters in most text (ASCII punctuation, typographic
    quotes and dashes) become spaces and ``str.split`` cuts the text at the white
    space: when every piece is then made of word characters alone, the pieces
    are the words; else the pattern finds them.
    """
    # UTF-8 keeps ASCII bytes as they are and writes no other character with any.
    spaced = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD)
    spaced_text = spaced.decode("utf-8", "surrogatepass")
    for mark in _TYPOGRAPHIC:
        if mark in spaced_text:
            spaced_text = spaced_text.replace(mark, " ")
    words = spaced_text.split()
    joined = "".join(words)
    # \w is what str.isalnum() accepts, and "_".
    if joined.isalnum() or not words or joined.replace("_", "").isalnum():
        return words
    return _WORD.findall(spaced_text)


def text_fingerprint(body_html: str) -> str:
    """A hash of the body's words, or "" when the body is too short to identify a story."""
    words = text_words(body_html)
    if len(words) < MIN_FINGERPRINT_WORDS:
        return ""
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """The keys of one draft, strongest first; any that match name the same article."""

    source_id: str
    url_key: str
    fingerprint: str


def identify(source_id: str, canonical_url: str, body_html: str) -> Identity:
    """The identity keys of a draft's source id, canonical URL and body."""
    return Identity(
        source_id=(source_id or "").strip(),
        url_key=normalise_url(canonical_url),
        fingerprint=text_fingerprint(body_html),
    )


def similarity(words_a: list[str], words_b: list[str], *, shingle: int = 5) -> float:
    """Jaccard similarity of the two texts' word shingles: 1.0 for the same text.

    For flagging likely duplicates across sources (a lightly edited copy of one
    story), which staff decide on; never for merging.
    """

    def shingles(words: list[str]) -> set[tuple[str, ...]]:
        if len(words) < shingle:
            return {tuple(words)} if words else set()
        return {tuple(words[i : i + shingle]) for i in range(len(words) - shingle + 1)}

    a, b = shingles(words_a), shingles(words_b)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
