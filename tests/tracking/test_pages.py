"""A copy is one page however its readers reach it: the referrer, normalised."""

from __future__ import annotations

import pytest

from syndication.tracking.pages import NO_PAGE, Page, is_on, normalise


@pytest.mark.parametrize(
    ("referrer", "page"),
    [
        (
            "HTTPS://WWW.Outlet.Example:443/news/Story/?utm_source=x&id=3&fbclid=y#comments",
            Page("https://www.outlet.example/news/Story/?id=3", "outlet.example"),
        ),
        ("http://outlet.example", Page("http://outlet.example/", "outlet.example")),
        (
            "https://news.outlet.example:8443/a",
            Page("https://news.outlet.example:8443/a", "news.outlet.example"),
        ),
        ("https://bücher.example/x", Page("https://bücher.example/x", "xn--bcher-kva.example")),
    ],
)
def test_referrers_are_normalised_to_their_page_and_domain(referrer: str, page: Page) -> None:
    assert normalise(referrer) == page


@pytest.mark.parametrize(
    "referrer", ["", "android-app://com.example", "file:///home/x.html", "https://", "http://[::1"]
)
def test_anything_but_a_web_page_names_no_page(referrer: str) -> None:
    assert normalise(referrer) == NO_PAGE


def test_long_urls_fit_the_column() -> None:
    assert len(normalise("https://o.example/" + "a" * 2000).url) == 1000


def test_a_partners_subdomains_are_its_own() -> None:
    domains = frozenset({"outlet.example"})
    assert is_on("outlet.example", domains)
    assert is_on("news.outlet.example", domains)
    assert not is_on("notoutlet.example", domains)
    assert not is_on("outlet.example.evil", domains)
