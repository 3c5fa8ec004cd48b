"""Only http(s) URLs are kept, from every importer; whatever is dropped is a finding."""

from __future__ import annotations

import json

import pytest

from syndication.ingest.detect import read_file
from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.ninjs import parse_ninjs
from syndication.ingest.page import parse_page

PROBE = "javascript:alert(1)"


def dropped(draft: ArticleDraft) -> list[tuple[str, str]]:
    return [(f.detail, f.text) for f in draft.findings if f.kind == "dropped_url"]


def rss(link: str, channel_link: str = "https://news.example/", guid: str = "") -> bytes:
    guid_element = f"<guid>{guid}</guid>" if guid else ""
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>News</title><link>{channel_link}</link>"
        f"<item><title>Probe</title><link>{link}</link>{guid_element}"
        '<media:content url="javascript:alert(2)" type="image/jpeg"/>'
        '<description>&lt;p&gt;Read &lt;a href="javascript:alert(3)"&gt;this&lt;/a&gt; and '
        '&lt;a href="https://news.example/ok"&gt;that&lt;/a&gt;.&lt;/p&gt;</description>'
        "</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("link", [PROBE, " JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x"])
def test_an_rss_item_whose_link_is_not_http_never_becomes_its_canonical_url(link: str) -> None:
    [draft] = read_file(rss(link), "feed.xml").drafts
    assert draft.canonical_url == ""
    assert not draft.source_id.lower().lstrip().startswith(("javascript", "data", "vbscript"))
    assert ("canonical URL", link.strip()) in dropped(draft)


def test_images_body_links_and_site_links_that_are_not_http_are_dropped_with_findings() -> None:
    [draft] = read_file(rss(PROBE, channel_link="javascript:alert(4)", guid="g1"), "f.xml").drafts
    assert draft.assets == [] and draft.source_site_url == ""
    assert "javascript" not in draft.body_html
    assert 'href="https://news.example/ok"' in draft.body_html
    assert set(dropped(draft)) >= {
        ("canonical URL", PROBE),
        ("image", "javascript:alert(2)"),
        ("link in the text", "javascript:alert(3)"),
        ("site link", "javascript:alert(4)"),
    }


def test_an_atom_entry_link_that_is_not_http_is_dropped() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f'<entry><title>Probe</title><id>urn:x:1</id><link href="{PROBE}"/>'
        "<content type='html'>Text.</content></entry></feed>"
    ).encode()
    [draft] = read_file(atom, "feed.atom").drafts
    assert draft.canonical_url == "" and draft.source_id == "urn:x:1"
    assert ("canonical URL", PROBE) in dropped(draft)


def test_a_wordpress_post_link_that_is_not_http_is_dropped() -> None:
    wxr = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>B</title>'
        "<wp:base_blog_url>https://blog.example</wp:base_blog_url>"
        f"<item><title>Probe</title><link>{PROBE}</link><wp:post_id>7</wp:post_id>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        "<content:encoded>Text.</content:encoded></item></channel></rss>"
    ).encode()
    [draft] = read_file(wxr, "export.xml").drafts
    assert draft.canonical_url == "" and draft.source_id == "https://blog.example/?p=7"


def test_a_ninjs_rendition_that_is_not_http_is_dropped() -> None:
    item = {
        "uri": "urn:agency:1",
        "type": "text",
        "headline": "Probe",
        "body_html": "<p>Text.</p>",
        "associations": {"pic": {"type": "picture", "renditions": {"original": {"href": PROBE}}}},
    }
    [draft] = parse_ninjs(json.dumps(item).encode())
    assert draft.assets == [] and ("image", PROBE) in dropped(draft)


PAGE = (
    "<html><head><title>Budget passes | News</title>{head}</head><body><article>"
    "<h1>Budget passes</h1>"
    + "".join(
        f"<p>Paragraph {n}: the council debated the budget for {n} hours on Monday evening, "
        f"and member number {n} spoke about schools, roads and the library.</p>"
        for n in range(1, 6)
    )
    + '<figure><img src="/img/vote.jpg" alt="The vote"></figure>'
    + "<p>The final vote came late at night, and the mayor said the result was fair; "
    '<a href="/more">more on the vote</a> is on our site, with every speech in full.</p>'
    "</article></body></html>"
)


def test_a_page_imported_with_its_url_resolves_relative_links_and_images() -> None:
    [draft] = parse_page(PAGE.format(head="").encode(), url="https://news.example/2024/budget")
    assert draft.canonical_url == "https://news.example/2024/budget"
    assert 'href="https://news.example/more"' in draft.body_html
    assert 'src="https://news.example/img/vote.jpg"' in draft.body_html


def test_a_relative_canonical_link_resolves_against_the_given_url() -> None:
    head = '<link rel="canonical" href="/2024/budget-passes">'
    [draft] = parse_page(PAGE.format(head=head).encode(), url="https://news.example/amp/1")
    assert draft.canonical_url == "https://news.example/2024/budget-passes"


def test_a_page_without_a_url_drops_the_relative_links_it_cannot_resolve() -> None:
    [draft] = parse_page(PAGE.format(head="").encode())
    assert draft.canonical_url == ""
    assert "/img/vote.jpg" not in draft.body_html and 'href="/more"' not in draft.body_html
    assert "more on the vote" in draft.body_html  # the link's text stays
    [(what, urls)] = dropped(draft)
    assert urls == "/img/vote.jpg, /more" and what.startswith("2 relative links")


def test_a_page_without_a_url_resolves_against_its_own_canonical_link() -> None:
    head = '<link rel="canonical" href="https://news.example/2024/budget">'
    [draft] = parse_page(PAGE.format(head=head).encode())
    assert 'src="https://news.example/img/vote.jpg"' in draft.body_html


def test_a_page_canonical_link_that_is_not_http_is_not_its_url() -> None:
    head = f'<link rel="canonical" href="{PROBE}"><meta property="og:url" content="{PROBE}">'
    [draft] = parse_page(PAGE.format(head=head).encode(), url="https://news.example/a")
    assert draft.canonical_url == "https://news.example/a"
