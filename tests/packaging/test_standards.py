"""ninjs (every profile) and NewsML-G2 are valid against the official IPTC schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndication.ingest.sanitise import sanitise_html
from syndication.packaging import jsonld, newsml, ninjs
from syndication.packaging.bundle import package_files
from tests.packaging import (
    CANONICAL,
    GRANT,
    OWN_IMAGE,
    make_input,
    newsml_errors,
    newsml_schema,
    ninjs_errors,
    ninjs_reader,
    round_trip,
    seed_article,
    shipped,
)

NAR = "{http://iptc.org/std/nar/2006-10-01/}"


@pytest.mark.parametrize("version", ninjs.VERSIONS)
def test_ninjs_of_every_profile_is_valid_and_carries_ids_terms_and_images(version: str) -> None:
    inp = make_input(profile=version)
    files = package_files(inp)
    data = files["article.ninjs.json"]
    assert ninjs_errors(data, version, files) == []
    story = ninjs_reader.read(data)
    assert story.version_of_standard == version
    # Our own URI, the same in every revision; the web address is the text's web page.
    assert story.uri == "tag:dailycallernewsfoundation.org,2022-03-10:article:1042"
    assert story.web_page == CANONICAL and story.version == "2"
    assert story.version_created == datetime(2022, 3, 10, 16, 45, tzinfo=UTC)
    assert story.headline.startswith("Ukrainian Minister")
    assert "(RELATED:" not in story.body_html
    assert story.byline == "Staff Reporter"
    assert story.copyright_holder == "The Daily Caller News Foundation"
    assert story.copyright_notice == "Copyright 2022 The Daily Caller News Foundation"
    assert story.usage_terms.startswith(
        "Credit line: By Staff Reporter, The Daily Caller News Foundation. "
        "Content created by The Daily Caller News Foundation"
    )
    assert story.linked_rights.endswith(f"/licences/{GRANT.licence_id}")
    (picture,) = story.pictures
    assert picture.hrefs == (OWN_IMAGE, "images/kyiv-street.png")
    assert (picture.credit, picture.caption) == ("DCNF/Staff", "Kyiv on March 9.")
    assert picture.size == len(files["images/kyiv-street.png"])
    assert round_trip.problems(inp, files) == []


def test_ninjs_1_6_is_ascii_safe_and_says_the_same_as_2_2() -> None:
    odd = "Kyiv — “quoted” café 😀 عربي"
    article = seed_article(headline=odd, bylines=("Zoë Åström",))
    old, new = (ninjs.build(make_input(article, profile=v)) for v in ("1.6", "2.2"))
    assert old.isascii() and not new.isascii()
    assert ninjs_reader.read(old).headline == ninjs_reader.read(new).headline == odd
    assert ninjs_reader.read(old).byline == "Zoë Åström"
    # And the JSON-LD beside it follows the same profile.
    assert jsonld.build(make_input(article, profile="1.6")).isascii()


def test_timestamps_are_whole_seconds_in_utc_whatever_the_source_gave() -> None:
    moment = datetime(2026, 12, 2, 18, 4, 19, 970450, tzinfo=timezone(timedelta(hours=-5)))
    inp = make_input(seed_article(updated_at=moment, published_at=moment))
    story = ninjs_reader.read(ninjs.build(inp))
    assert story.version_created == datetime(2026, 12, 2, 23, 4, 19, tzinfo=UTC)
    root = etree.fromstring(newsml.build(inp))
    assert root.findtext(f"{NAR}itemMeta/{NAR}versionCreated") == "2026-12-02T23:04:19+00:00"


def test_newsml_is_a_valid_news_item_with_rights_and_body() -> None:
    inp = make_input()
    data = newsml.build(inp)
    assert newsml_errors(data) == []
    root = etree.fromstring(data)
    assert root.get("guid") == "tag:dailycallernewsfoundation.org,2022-03-10:article:1042"
    assert root.get("version") == "2"
    rights = root.find(f"{NAR}rightsInfo")
    assert rights.findtext(f"{NAR}copyrightHolder/{NAR}name") == "The Daily Caller News Foundation"
    notice = rights.findtext(f"{NAR}copyrightNotice")
    assert notice == "Copyright 2022 The Daily Caller News Foundation"
    # One usageTerms, the same text as ninjs: a consumer that keeps the first loses nothing.
    (terms,) = [e.text for e in rights.findall(f"{NAR}usageTerms")]
    assert terms == ninjs_reader.read(ninjs.build(inp)).usage_terms
    odrl = json.loads(rights.findtext(f"{NAR}rightsExpressionData"))
    assert odrl["type"] == "Agreement"
    creditline = root.findtext(f"{NAR}contentMeta/{NAR}creditline")
    assert creditline == "By Staff Reporter, The Daily Caller News Foundation"
    links = {
        (link.get("rel"), link.get("href")): link.findtext(f"{NAR}itemClass")
        for link in root.findall(f"{NAR}itemMeta/{NAR}link")
    }
    assert ("irel:canonical", CANONICAL) in links
    # The picture, where the package holds it and where the organisation publishes it.
    pictures = [href for (_, href), _ in links.items() if href != CANONICAL]
    assert pictures == ["images/kyiv-street.png", OWN_IMAGE]
    body = root.find(f"{NAR}contentSet/{NAR}inlineXML")
    assert b"(RELATED:" not in etree.tostring(body)


def test_the_schema_rejects_a_broken_item() -> None:
    # A guard against a validator that passes everything.
    root = etree.fromstring(newsml.build(make_input()))
    root.remove(root.find(f"{NAR}itemMeta"))
    assert not newsml_schema().validate(root)


_PIECES = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)),
        max_size=40,
    ),
    st.sampled_from(
        ["<", ">", "&", '"', "'", "&amp;", "<em>", "</em>", "<b>", "<br>", "\x00", "\x0b",
         '<a href="https://x.example/?a=1&b=2">', "</a>", "</p><p>", "(RELATED: X)",
         "<ul><li>", "</li></ul>", "<script>x</script>", "\ufeff", "😀", "é", "\u2028"]
    ),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(_PIECES, max_size=12),
    headline=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
    escaped=st.booleans(),
)
def test_any_body_gives_valid_ninjs_and_newsml(
    pieces: list[str], headline: str, escaped: bool
) -> None:
    raw = "".join(pieces)
    body = sanitise_html(f"<p>{escape(raw) if escaped else raw}</p>")
    for version in ninjs.VERSIONS:
        inp = make_input(
            seed_article(body_html=body, headline=headline, dek=raw[:20]), profile=version
        )
        assert ninjs_errors(ninjs.build(inp), version, shipped(inp)) == []
        assert ninjs_reader.read(ninjs.build(inp)).headline == headline
    assert newsml_errors(newsml.build(inp)) == []


def test_newsml_values_with_markup_characters_come_back_unchanged() -> None:
    odd = "\"quoted\" <b>&amp;</b> & 'x' ]]> é 😀"
    url = 'https://news.example.org/a?b=1&c="2"<3>'
    article = seed_article(headline=odd, dek=odd, bylines=(odd,), tags=(odd,), canonical_url=url)
    data = newsml.build(make_input(article))
    assert newsml_errors(data) == []
    root = etree.fromstring(data)
    content = root.find(f"{NAR}contentMeta")
    assert [e.text for e in content.findall(f"{NAR}headline")] == [odd, odd]
    assert content.findtext(f"{NAR}creator/{NAR}name") == odd
    assert content.findtext(f"{NAR}keyword") == odd
    (canonical,) = root.xpath("//g2:link[@rel='irel:canonical']", namespaces={"g2": NAR[1:-1]})
    assert canonical.get("href") == url
    title = root.find(f"{NAR}contentSet/{NAR}inlineXML/{{http://www.w3.org/1999/xhtml}}html")
    assert title[0][0].text == odd
