"""Single article pages: the text without the page around it, and who wrote it when."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.page import parse_page

ARTICLES = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "articles"


@cache
def page(name: str) -> ArticleDraft:
    [draft] = parse_page((ARTICLES / name).read_bytes())
    return draft


def test_title_author_date_and_canonical_url() -> None:
    draft = page("trafilatura-caymancompass.com-prison.html")
    assert draft.headline == "Prison official: ‘Anyone’ could escape from Northward"
    assert draft.bylines == ["James Whittaker"]
    assert draft.published_at is not None and draft.published_at.date().isoformat() == "2022-05-04"
    url = "https://www.caymancompass.com/2022/05/04/prison-official-anyone-could-escape-from-northward/"
    assert draft.canonical_url == draft.source_id == url


def test_stated_publication_time_is_kept_exactly_in_utc() -> None:
    # article:published_time "2020-02-19T18:37:32+01:00"; the page's visible date misleads.
    assert page("trafilatura-elpais.com.ciencia.html").published_at == datetime(
        2020, 2, 19, 17, 37, 32, tzinfo=UTC
    )


def test_kicker_before_the_headline_in_the_title_is_dropped() -> None:
    assert page("trafilatura-taz.de.siemens.html").headline == "Kaeser verarscht Neubauer"


def test_body_is_paragraphs_without_scripts_or_the_repeated_headline() -> None:
    draft = page("readability-bbc-1.html")
    assert draft.body_html.count("<p>") > 10
    assert "<script" not in draft.body_html and "<iframe" not in draft.body_html
    assert "biggest frustration" not in draft.body_html.split("</p>")[0]


def test_latin_1_page_is_decoded() -> None:
    draft = page("trafilatura-winfuture.de-NASA.html")
    assert "Gebühren" in draft.headline and "\ufffd" not in draft.body_html


def test_several_authors_are_several_bylines() -> None:
    assert page("trafilatura-theintercept.com-Gaza.html").bylines == [
        "Ibtisam Mahdi",
        "Ruwaida Kamal Amer",
    ]


def test_json_ld_and_meta_fill_what_the_page_text_lacks() -> None:
    html = b"""<!DOCTYPE html><html lang="en"><head>
    <title>Budget passes | Example News</title>
    <link rel="canonical" href="https://news.example.org/budget">
    <meta property="og:site_name" content="Example News">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget passes",
      "datePublished": "2024-05-02T08:30:00-04:00",
      "author": {"@type": "Person", "name": "Ann Lee"}}
    </script></head><body><article><h1>Budget passes</h1>
    <p>The city council passed the budget on Thursday after a long debate about parks.</p>
    <p>The vote was seven to two, with <a href="/council">two members</a> against it.</p>
    <p>Spending on libraries rises by four percent next year, the council said.</p>
    </article></body></html>"""
    [draft] = parse_page(html)
    assert draft.headline == "Budget passes"
    assert draft.bylines == ["Ann Lee"]
    assert draft.published_at == datetime(2024, 5, 2, 12, 30, tzinfo=UTC)
    assert draft.source_id == "https://news.example.org/budget"
    assert 'href="https://news.example.org/council"' in draft.body_html
    assert not draft.body_html.startswith("<h2>")


def test_a_page_without_article_text_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="no article text"):
        parse_page(b"<html><head><title>Empty</title></head><body> </body></html>")
