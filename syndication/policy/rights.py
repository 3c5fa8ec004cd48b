"""Suggested rights for an imported article: whose it is, and whether it may go out unreviewed.

Pure. The suggestion is what the intake queue shows staff, with its reason in
words; staff confirm or change it. Only the organisation's own content, with no
third-party findings, may skip review, and only when an admin turned that on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from syndication.ingest.identity import normalise_url


@dataclass(frozen=True)
class OwnSources:
    """The organisation's own sources: site domains and feed URLs (as admins list them)."""

    domains: frozenset[str] = frozenset()
    feed_urls: frozenset[str] = frozenset()

    @classmethod
    def of(cls, domains: Iterable[str], feed_urls: Iterable[str]) -> OwnSources:
        return cls(
            frozenset(d.strip().lower().removeprefix("www.") for d in domains if d.strip()),
            frozenset(k for k in (normalise_url(u) for u in feed_urls) if k),
        )

    def owns_url(self, url: str) -> bool:
        """True when ``url`` is on one of the domains (or a subdomain of one)."""
        key = normalise_url(url)
        if not key:
            return False
        host = key.split("/", 1)[0].split(":", 1)[0]
        return any(host == d or host.endswith(f".{d}") for d in self.domains)

    def owns_feed(self, feed_url: str) -> bool:
        key = normalise_url(feed_url)
        return bool(key) and key in self.feed_urls


@dataclass(frozen=True)
class Provenance:
    """Where a draft came from, as the importer saw it."""

    canonical_url: str = ""
    feed_url: str = ""  # the feed or export's own address, when fetched or given
    site_url: str = ""  # the feed's channel link, the WXR site, the page's site


@dataclass(frozen=True)
class Suggestion:
    origin: str  # an Origin value
    policy: str  # a SyndicationPolicy value
    reason: str
    own: bool  # from one of the organisation's own sources
    may_release_automatically: bool


def suggest(
    provenance: Provenance,
    sources: OwnSources,
    *,
    wire_byline: bool,
    third_party_assets: bool,
) -> Suggestion:
    """The rights to propose for a new article, and why."""
    own_by = next(
        (
            label
            for label, owned in (
                ("its canonical URL", sources.owns_url(provenance.canonical_url)),
                ("its feed", sources.owns_feed(provenance.feed_url)),
                ("its site", sources.owns_url(provenance.site_url)),
            )
            if owned
        ),
        None,
    )
    if own_by is None:
        where = provenance.canonical_url or provenance.site_url or provenance.feed_url
        reason = (
            f"{where} is not one of the organisation's own sources"
            if where
            else "it carries no address that names one of the organisation's own sources"
        )
        return Suggestion("third_party", "not_syndicated", f"Third party: {reason}.", False, False)
    if wire_byline:
        return Suggestion(
            "third_party",
            "not_syndicated",
            f"From our own source ({own_by}), but the byline names a wire service.",
            True,
            False,
        )
    if third_party_assets:
        return Suggestion(
            "mixed",
            "free_eligible",
            f"Ours ({own_by}), with images or embeds credited to others: check each asset.",
            True,
            False,
        )
    return Suggestion(
        "original", "free_eligible", f"Ours: {own_by} is one of our own sources.", True, True
    )
