"""The fast body reader and the XML-parsed XHTML agree with lxml, and leave odd bodies to lxml."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndication.ingest.sanitise import sanitise_html
from syndication.packaging import markup, newsml
from syndication.packaging.inputs import parse_fragment, xml_clean
from tests.packaging import seed_article

SIMPLE = [
    "",
    "<p>One.</p><p>Two &amp; three&nbsp;km, “quoted” &lt;b&gt; &quot;x&quot; &#39;y&#39;</p>",
    "\n<p>a <strong>b <em>c</em></strong> d</p>\n<h2>Head</h2>\n<hr>\n<p>x<br>y</p>\n",
    '<p>See <a href="https://x.example/?a=1&amp;b=2" rel="noopener" title="&quot;t&quot;">'
    'this</a>, <code>a_b</code>, H<sub>2</sub>O, <span class="promo">(RELATED: X)</span></p>',
    "<ul>\n<li>one</li>\n<li><em>two</em></li></ul><ol><li></li><li>x<br></li></ol>",
    '<figure>\n<img src="images/a.png" alt="A &amp; B">\n<figcaption>Cap <em>tion</em>'
    '</figcaption>\n</figure><img src="b.jpg"><p><img src="c.jpg" alt=""> inline</p>',
    "<p></p><p>  spaced   out <b> bold </b> </p><h3>\t</h3>",
]
LEFT_TO_LXML = [
    "<table><tr><td>a</td></tr></table>",
    "<blockquote><p>q</p></blockquote>",
    "<ul><li>a<ul><li>b</li></ul></li></ul>",
    "loose text<p>a</p>",
    "<p>a<!-- c --></p>",
    "<p>a &copy; b</p>",
    "<p>a & b</p>",
    "<p><em>a</p></em>",
    "<p><em>a</p>",
    '<p><a href="x">a<a href="y">b</a></a></p>',
    "<p>a\r\nb</p>",
    "<p class='x'>a</p>",
    "<P>a</P>",
    "<p>a<br/>b</p>",
    "<pre>a</pre>",
    '<p><a href="x" href="y">a</a></p>',
]


def _agrees_with_lxml(html: str) -> None:
    nodes = markup.parse(html)
    assert nodes is not None, html
    assert nodes == markup.from_tree(parse_fragment(html))
    # NewsML reads the same bodies with the XML parser: same XHTML as from the HTML tree.
    direct = newsml.xhtml_from_simple(html)
    if direct is not None:
        via_tree = newsml.xhtml_from_tree(parse_fragment(html))
        assert _in_xhtml_page(direct) == _in_xhtml_page(via_tree), html


def _in_xhtml_page(body: etree._Element) -> bytes:
    # Serialised where NewsML puts it: under <html> with XHTML as the default namespace.
    page = etree.Element(f"{{{newsml.XHTML}}}html", nsmap={None: newsml.XHTML})
    page.append(body)
    return etree.tostring(page, encoding="UTF-8")


@pytest.mark.parametrize("html", SIMPLE)
def test_simple_bodies_read_exactly_as_lxml_reads_them(html: str) -> None:
    _agrees_with_lxml(html)


def test_the_seed_body_has_the_simple_shape() -> None:
    _agrees_with_lxml(xml_clean(seed_article().body_html))


def test_simple_bodies_are_read_as_xhtml_without_the_html_tree() -> None:
    # The fast NewsML route is taken for the usual bodies, not only allowed.
    for html in [*SIMPLE, xml_clean(seed_article().body_html)]:
        assert newsml.xhtml_from_simple(html) is not None, html


def test_bodies_xml_would_read_differently_take_the_html_tree() -> None:
    assert newsml.xhtml_from_simple('<p><img src="a.jpg" alt="two\nlines"></p>') is None
    assert newsml.xhtml_from_simple("<p>a ]]> b</p>") is None


@pytest.mark.parametrize("html", LEFT_TO_LXML)
def test_other_shapes_are_left_to_lxml(html: str) -> None:
    assert markup.parse(html) is None


_PIECES = st.sampled_from(
    ["<p>", "</p>", "<em>", "</em>", "<b>", "</b>", "<br>", "<h2>", "</h2>", "<ul><li>",
     "</li><li>", "</li></ul>", '<a href="https://x.example/?a=1&amp;b=2">', "</a>", "<hr>",
     '<figure><img src="x.jpg" alt="a &quot;b&quot;"><figcaption>', "</figcaption></figure>",
     "<code>", "</code>", "<span class=\"promo\">", "</span>", "<table><tr><td>", "</td></tr>",
     " ", "  ", "\n", "\t", "&amp;", "&lt;", "&gt;", "&nbsp;", "\xa0", "\u2028", "“", "😀",
     "word", "#", "1.", "*", "_", "\\", "<", ">", "&", '"', "'", "\x85", "\u200b"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECES, max_size=30), sanitise=st.booleans())
def test_whenever_the_fast_reader_reads_a_body_it_agrees_with_lxml(
    pieces: list[str], sanitise: bool
) -> None:
    html = "".join(pieces)
    html = xml_clean(sanitise_html(html) if sanitise else html)
    if markup.parse(html) is not None:
        _agrees_with_lxml(html)
