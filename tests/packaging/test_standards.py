"""ninjs and NewsML-G2 outputs are valid against the official IPTC schemas, whatever the body."""

from __future__ import annotations

import json
from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndication.ingest.sanitise import sanitise_html
from syndication.packaging import newsml, ninjs
from tests.packaging import (
    CANONICAL,
    GRANT,
    make_input,
    newsml_errors,
    newsml_schema,
    ninjs_errors,
    seed_article,
)

NAR = "{http://iptc.org/std/nar/2006-10-01/}"


def test_ninjs_is_valid_and_carries_ids_terms_and_images() -> None:
    data = ninjs.build(make_input())
    assert ninjs_errors(data) == []
    doc = json.loads(data)
    assert doc["uri"] == CANONICAL and doc["type"] == "text" and doc["version"] == "2"
    assert doc["versioncreated"] == "2022-03-10T16:45:00+00:00"
    assert doc["firstcreated"] == "2022-03-10T00:00:00+00:00"
    assert doc["language"] == "en"
    assert doc["headlines"][0]["value"].startswith("Ukrainian Minister")
    assert doc["bodies"][0]["contenttype"] == "text/html"
    assert "(RELATED:" not in doc["bodies"][0]["value"]
    assert doc["by"] == "Staff Reporter"
    assert [s["name"] for s in doc["subjects"]] == ["Ukraine", "Russia"]
    assert {"role": "licence", "value": GRANT.licence_id} in doc["altids"]
    assert doc["copyrightholder"] == "The Daily Caller News Foundation"
    assert doc["usageterms"].startswith("Content created by The Daily Caller News Foundation")
    assert [a["by"] for a in doc["associations"]] == ["DCNF/Staff"]


def test_newsml_is_a_valid_news_item_with_rights_and_body() -> None:
    data = newsml.build(make_input())
    assert newsml_errors(data) == []
    root = etree.fromstring(data)
    assert root.get("guid") == CANONICAL and root.get("version") == "2"
    rights = root.find(f"{NAR}rightsInfo")
    assert rights.findtext(f"{NAR}copyrightHolder/{NAR}name") == "The Daily Caller News Foundation"
    terms = [e.text for e in rights.findall(f"{NAR}usageTerms")]
    assert terms[0].startswith("Content created by")
    odrl = json.loads(rights.findtext(f"{NAR}rightsExpressionData"))
    assert odrl["type"] == "Agreement"
    creditline = root.findtext(f"{NAR}contentMeta/{NAR}creditline")
    assert creditline == "By Staff Reporter, The Daily Caller News Foundation"
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
    inp = make_input(seed_article(body_html=body, headline=headline, dek=raw[:20]))
    assert ninjs_errors(ninjs.build(inp)) == []
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
    assert root.get("guid") == url
    title = root.find(f"{NAR}contentSet/{NAR}inlineXML/{{http://www.w3.org/1999/xhtml}}html")
    assert title[0][0].text == odd
