"""Each format of a package carries the article and exactly the terms the grant froze."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from syndication.packaging import (
    FILE_NAMES,
    FILES,
    html,
    jsonld,
    licence,
    markdown,
    package_key,
    text,
)
from syndication.packaging.bundle import package_with_manifest
from tests.packaging import (
    CANONICAL,
    GRANT,
    OWN_BYTES,
    PIXEL,
    WIRE_BYTES,
    WIRE_IMAGE,
    make_input,
    seed_article,
    seed_footer,
)

MAILTO = 'href="mailto:licensing@dailycallernewsfoundation.org"'


def test_text_ends_with_the_seed_footer_byte_for_byte() -> None:
    assert text.build(make_input()).endswith(seed_footer().encode())


def test_text_reads_as_plain_paragraphs_with_credit_and_no_markup() -> None:
    out = text.build(make_input()).decode()
    assert "<" not in out and "&amp;" not in out
    assert "By Staff Reporter, The Daily Caller News Foundation" in out
    assert "\n\nRussia invaded Ukraine in late February" in out
    assert (
        f"This article originally appeared on The Daily Caller News Foundation: {CANONICAL}" in out
    )


def test_text_shows_list_items_and_link_text_only() -> None:
    article = seed_article(
        body_html='<p>See <a href="https://x.example/">the report</a>.</p>'
        "<ul><li>one</li><li>two<ul><li>deep</li></ul></li></ul><ol><li>first</li></ol>"
    )
    out = text.body_text(make_input(article))
    assert out == "See the report.\n\n- one\n- two\n  - deep\n\n1. first"


def test_html_carries_the_footer_with_a_mailto_link_and_the_canonical_link() -> None:
    out = html.build(make_input()).decode()
    footer = out.split('<p class="syndication-footer">')[1]
    assert MAILTO in footer
    assert f'<a href="{CANONICAL}">' in out
    assert out.index("syndication-footer") > out.index("Putin failed to swiftly capture Kyiv")


def test_html_has_the_tracking_pixel_only_when_the_snapshot_says_so() -> None:
    assert f'<img src="{PIXEL}" width="1" height="1"' in html.build(make_input()).decode()
    assert PIXEL not in html.build(make_input(tracking_pixel=False)).decode()
    # The default rules put the pixel wherever HTML can reach a page, never in plain text.
    assert PIXEL.encode() not in text.build(make_input())


def test_markdown_carries_the_pixel_as_inline_html_that_commonmark_keeps() -> None:
    out = markdown.build(make_input()).decode()
    rendered = MarkdownIt("commonmark").render(out)
    assert f'<img src="{PIXEL}" width="1" height="1" alt=""' in rendered
    assert PIXEL not in markdown.build(make_input(tracking_pixel=False)).decode()


def test_article_values_are_escaped_in_html() -> None:
    article = seed_article(headline='Ukraine <script>alert("x")</script> & "talks"', dek="a<b")
    out = html.build(make_input(article)).decode()
    assert "<script>alert" not in out
    assert "Ukraine &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in out
    page = html.build_page(make_input(article)).decode()
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld is not None and "<" not in ld.group(1)
    assert json.loads(ld.group(1))["headline"] == article.headline


def test_page_has_canonical_link_json_ld_and_noindex_when_asked() -> None:
    page = html.build_page(make_input()).decode()
    head = page.split("</head>")[0]
    assert f'<link rel="canonical" href="{CANONICAL}">' in head
    assert 'name="robots"' not in head
    assert '<script type="application/ld+json">' in head
    noindex = html.build_page(make_input(noindex=True)).decode()
    assert '<meta name="robots" content="noindex">' in noindex.split("</head>")[0]
    tree = etree.fromstring(page.encode(), etree.HTMLParser())
    assert tree.findtext(".//title").startswith("Ukrainian Minister")


@pytest.mark.parametrize("name", FILE_NAMES)
def test_no_related_promo_in_any_format_when_strip_promos_is_on(name: str) -> None:
    assert b"(RELATED:" not in FILES[name].build(make_input())


@pytest.mark.parametrize(
    "name", ["article.html", "article.txt", "article.md", "article.ninjs.json"]
)
def test_promo_stays_when_a_snapshot_turns_stripping_off(name: str) -> None:
    out = FILES[name].build(make_input(strip_promos=False)).decode()
    assert "(RELATED:" in out


def test_no_third_party_image_in_any_format_or_in_images() -> None:
    files = package_with_manifest(make_input())
    for name, data in files.items():
        assert WIRE_IMAGE.encode() not in data, name
        assert b"lavrov-antalya" not in data, name
        assert b"Burhan Ozbilici" not in data, name
        assert WIRE_BYTES not in data, name
    images = sorted(name for name in files if name.startswith("images/"))
    assert images == ["images/CREDITS.txt", "images/kyiv-street.png"]
    assert files["images/kyiv-street.png"] == OWN_BYTES
    # Our own photo is kept in the body, pointed at the packaged file.
    assert b'<img src="images/kyiv-street.png"' in files["article.html"]


def test_third_party_asset_never_ships_even_when_the_body_keeps_it() -> None:
    files = package_with_manifest(make_input(strip_third_party_assets=False))
    assert WIRE_BYTES not in b"".join(files.values())
    assert "images/lavrov-antalya.jpg" not in files


def test_unknown_body_image_is_treated_as_third_party() -> None:
    article = seed_article(body_html='<p>x</p><p><img src="https://elsewhere.example/a.jpg"></p>')
    assert b"elsewhere.example" not in html.build(make_input(article))


def test_markdown_links_escapes_and_ends_with_the_footer() -> None:
    article = seed_article(
        body_html='<p>1. A *star* and <a href="https://x.example/a_(b)">a_link</a></p>'
        "<h2>Sub</h2><blockquote><p>Quoted</p></blockquote>"
    )
    out = markdown.build(make_input(article)).decode()
    assert out.startswith("# Ukrainian Minister")
    assert "1\\. A \\*star\\* and [a\\_link](<https://x.example/a_(b)>)" in out
    assert "\n\n## Sub\n\n> Quoted\n\n" in out
    text, pixel = out.rstrip("\n").rsplit("\n\n", 1)
    assert text.endswith("please contact <licensing@dailycallernewsfoundation.org>.")
    assert pixel.startswith(f'<img src="{PIXEL}" width="1" height="1" alt=""')


def test_json_ld_is_a_news_article_based_on_the_original() -> None:
    doc = json.loads(jsonld.build(make_input()))
    assert doc["@type"] == "NewsArticle"
    assert doc["isBasedOn"] == CANONICAL
    assert doc["license"].endswith(f"/licences/{GRANT.licence_id}")
    assert doc["copyrightHolder"]["name"] == "The Daily Caller News Foundation"
    assert doc["publisher"]["name"] == "The Daily Caller News Foundation"
    assert doc["creditText"] == "By Staff Reporter, The Daily Caller News Foundation"
    assert doc["author"] == [{"@type": "Person", "name": "Staff Reporter"}]
    assert doc["datePublished"] == "2022-03-10T00:00:00+00:00"
    assert doc["dateModified"] == "2022-03-10T16:45:00+00:00"
    assert [image["contentUrl"] for image in doc["image"]] == ["images/kyiv-street.png"]


def test_licence_states_who_what_when_restrictions_and_contact() -> None:
    out = FILES["LICENSE.txt"].build(make_input()).decode()
    assert "The Daily Caller News Foundation grants The Riverside Courier" in out
    assert GRANT.licence_id in out and CANONICAL in out
    assert "From 5 January 2026, 09:00 (UTC)" in out
    assert "  - Do not sell, sublicense or syndicate the article onward." in out
    assert seed_footer() in out
    assert "Licensing questions: licensing@dailycallernewsfoundation.org" in out


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-01-05T09:00:00+00:00", "5 January 2026, 09:00 (UTC)"),
        ("2026-01-05T00:00:00", "5 January 2026 (UTC)"),
        ("2026-03-01T18:30:00+05:30", "1 March 2026, 18:30 (UTC+05:30)"),
        ("2026-12-31T23:59:00-03:00", "31 December 2026, 23:59 (UTC-03:00)"),
        ("2026-07-04T12:00:00-00:30", "4 July 2026, 12:00 (UTC-00:30)"),
    ],
)
def test_licence_dates_show_their_utc_offset(value: str, shown: str) -> None:
    assert licence._when(value) == shown


def test_outputs_are_deterministic_and_read_no_clock() -> None:
    first = {name: file.build(make_input()) for name, file in FILES.items()}
    second = {name: file.build(make_input()) for name, file in FILES.items()}
    assert first == second
    assert b"2026-01-05T09:00:00" not in first["article.jsonld"]  # grant time is not a build time


def test_package_key_follows_content_terms_formats_and_assets() -> None:
    inp = make_input()
    key = package_key(inp, FILE_NAMES)
    assert key == package_key(make_input(), reversed(FILE_NAMES))
    assert key != package_key(inp, FILE_NAMES[:2])
    assert key != package_key(make_input(seed_article(revision=3)), FILE_NAMES)
    assert key != package_key(make_input(strip_promos=False), FILE_NAMES)
    assets = make_input().assets
    other = (assets[0].__class__(**{**_fields(assets[0]), "data": b"x", "sha256": ""}), assets[1])
    assert key != package_key(make_input(assets=other), FILE_NAMES)


def _fields(asset: object) -> dict[str, object]:
    return {name: getattr(asset, name) for name in asset.__slots__}  # type: ignore[attr-defined]


def test_every_package_file_names_a_terms_format_the_snapshot_holds() -> None:
    formats = make_input().terms["formats"]
    for name, file in FILES.items():
        assert file.name == name
        assert file.terms_format in formats, name
        assert file.media_type
