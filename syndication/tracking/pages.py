"""The republished page a pixel hit came from: its ``Referer``, normalised. Pure.

A copy is one page, however its readers reach it: the scheme and host are
lower-cased, the default port, the fragment and the click-tracking parameters
(the same list the importer sets aside, ingest/identity.py) are dropped. The
path and the remaining query stay as they are: they name the page. The page's
domain is its host without ``www.``, in IDNA form, as partner domains are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from syndication.ingest.identity import TRACKING_PARAMS, TRACKING_PREFIXES

# Copies.url and pixel_hits.page_url hold this much.
MAX_URL = 1000


@dataclass(frozen=True, slots=True)
class Page:
    """A normalised page URL and its domain; both "" when the referrer names no web page."""

    url: str = ""
    domain: str = ""


NO_PAGE = Page()


def domain_of(host: str) -> str:
    """``WWW.Example.COM.`` → ``example.com`` (IDNA); "" when it is not a host name."""
    host = host.strip().lower().rstrip(".").removeprefix("www.")
    try:
        return host.encode("idna").decode("ascii") if host else ""
    except UnicodeError:
        return ""


# A page's readers all send the same referrer: parsed once, the answer serves the rest.
@lru_cache(maxsize=4096)
def normalise(referrer: str) -> Page:
    """The page a ``Referer`` names, or :data:`NO_PAGE` for anything but an http(s) URL."""
    referrer = (referrer or "").strip()
    if not referrer:
        return NO_PAGE
    try:
        parts = urlsplit(referrer)
        port = parts.port
    except ValueError:
        return NO_PAGE
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return NO_PAGE
    host = parts.hostname.lower().rstrip(".")
    domain = domain_of(host)
    if not domain:
        return NO_PAGE
    netloc = f"[{host}]" if ":" in host else host
    if port and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    url = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    return Page(url[:MAX_URL], domain)


def is_on(domain: str, domains: frozenset[str]) -> bool:
    """Whether ``domain`` is one of ``domains`` or a subdomain of one.

    A partner that publishes on ``example.com`` owns ``news.example.com`` too:
    newsrooms spread sections and editions over subdomains of their own.
    """
    return any(domain == d or domain.endswith(f".{d}") for d in domains if d)
