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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

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
    try:
        document = etree.HTML(body_html)
    except ValueError:  # an encoding declaration in a str, as lxml.html refuses it too
        document = None
    text = _TEXT(document) if document is not None else body_html
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(text)


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
