"""NewsML-G2 items joined from a revision's template are the items lxml writes whole."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from syndication.packaging import newsml
from syndication.packaging.inputs import XML_INVALID, xml_clean
from tests.packaging import GRANT, make_input

# What a grant's values may hold that XML writes escaped, or not at all.
PRINTABLE = " & <b> \"quoted\" 'single' tab\there\nline\r\nend ünïcödé"
# Texts of the terms are cleaned of what XML cannot hold; the licence id never holds it.
AWKWARD = f"{PRINTABLE} \x01\x0b"


def _whole(inp) -> bytes:
    """The item as lxml writes it whole, the grant's values set on a copy of the revision's."""
    item, credit_at = newsml._revision_item(inp.article, inp.organisation, inp.image_refs())
    values, (_, odrl, usable, embargo, credit) = newsml.grant_values(inp)
    data = newsml._fill(
        item, credit_at, values, odrl=odrl, usable=usable, embargo=embargo, credit=credit
    )
    end = data.rindex(newsml._HTML_CLOSE)
    return b"".join((data[:end], newsml.body_xhtml(inp), data[end:], b"\n"))


def _awkward_terms(inp):
    terms = json.loads(json.dumps(inp.terms))
    for fmt in terms["formats"].values():
        for key in ("credit_line", "footer", "originally_appeared"):
            fmt[key] = f"{fmt.get(key) or ''}{AWKWARD}"
    terms["restrictions"] = [*terms.get("restrictions", ()), AWKWARD]
    return terms


def test_every_shape_of_grant_joins_to_what_lxml_writes() -> None:
    base = make_input()
    awkward = replace(
        base,
        terms=_awkward_terms(base),
        grant=replace(GRANT, licence_id=f"SD-1{PRINTABLE}"),
    )
    held = dict(base.terms, hold_until="2031-05-01T09:00:00+00:00")
    no_texts = make_input(credit_line="", footer="", originally_appeared="")
    for inp in (
        base,
        awkward,
        replace(base, status="canceled"),
        replace(base, odrl=None),
        # Not ASCII, with what XML escapes and a character it cannot hold at all.
        replace(base, odrl={**base.odrl, "remark": f"{PRINTABLE} \ufffe"}),
        replace(base, terms=held),
        replace(no_texts, terms=dict(no_texts.terms, restrictions=[])),
    ):
        assert newsml.build(inp) == _whole(inp)


def test_a_revision_holding_a_mark_is_built_whole() -> None:
    base = make_input()
    article = replace(base.article, headline=f"{base.article.headline} \ue0003\ue001")
    inp = replace(base, article=article)
    assert newsml.build(inp) == _whole(inp)
    assert "\ue0003\ue001".encode() in newsml.build(inp)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_values_are_escaped_as_lxml_escapes_them(value: str) -> None:
    value = xml_clean(value)
    element = etree.Element("x", a=value)
    element.text = value
    assert etree.tostring(element, encoding="UTF-8") == (
        b'<x a="' + newsml.escape_attribute(value) + b'">' + newsml.escape_text(value) + b"</x>"
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_xml_clean_drops_exactly_what_xml_cannot_carry(value: str) -> None:
    # ASCII takes a path of its own (its control characters deleted as bytes).
    assert xml_clean(value) == XML_INVALID.sub("", value)
