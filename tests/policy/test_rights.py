"""Suggested rights at intake: only the organisation's own content is credited to it."""

from __future__ import annotations

from syndication.policy.rights import OwnSources, Provenance, suggest

SOURCES = OwnSources.of(
    ["dailycallernewsfoundation.org", "www.example-news.org"],
    ["https://dailycallernewsfoundation.org/feed/"],
)


def _suggest(provenance: Provenance, *, wire=False, assets=False):
    return suggest(provenance, SOURCES, wire_byline=wire, third_party_assets=assets)


def test_another_publishers_feed_is_third_party_and_not_syndicated():
    s = _suggest(
        Provenance(
            canonical_url="https://www.theguardian.com/us-news/2026/story",
            site_url="https://www.theguardian.com/us",
        )
    )
    assert (s.origin, s.policy, s.own, s.may_release_automatically) == (
        "third_party",
        "not_syndicated",
        False,
        False,
    )
    assert "theguardian.com" in s.reason


def test_content_with_no_address_is_not_assumed_to_be_ours():
    s = _suggest(Provenance())
    assert s.origin == "third_party" and not s.own


def test_our_own_site_subdomain_or_feed_is_ours():
    for provenance in (
        Provenance(canonical_url="https://dailycallernewsfoundation.org/2022/03/10/story/"),
        Provenance(canonical_url="http://news.example-news.org/a"),
        Provenance(feed_url="https://dailycallernewsfoundation.org/feed"),
    ):
        s = _suggest(provenance)
        assert (s.origin, s.policy, s.own, s.may_release_automatically) == (
            "original",
            "free_eligible",
            True,
            True,
        ), provenance


def test_a_lookalike_domain_is_not_ours():
    s = _suggest(Provenance(canonical_url="https://dailycallernewsfoundation.org.evil.example/a"))
    assert not s.own
    s = _suggest(Provenance(canonical_url="https://notdailycallernewsfoundation.org/a"))
    assert not s.own


def test_our_source_with_wire_copy_or_others_images_waits_for_staff():
    wire = _suggest(Provenance(canonical_url="https://example-news.org/a"), wire=True)
    assert wire.origin == "third_party" and not wire.may_release_automatically
    mixed = _suggest(Provenance(canonical_url="https://example-news.org/a"), assets=True)
    assert mixed.origin == "mixed" and not mixed.may_release_automatically
