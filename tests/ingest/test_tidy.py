"""Tidy at import: bylines once each, one tag per tag, no empty paragraphs at the ends.

Each on a real file of the shared corpus, read by the importer as staff would.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from syndication.ingest.detect import parse_any
from syndication.ingest.tidy import (
    _TRAILING,
    keyword_list,
    tidy_bylines,
    tidy_tags,
    trim_empty_paragraphs,
)
from syndication.packaging.bundle import package_files
from tests.packaging import CORPUS, make_input, seed_article

NYTIMES = CORPUS / "articles" / "readability-nytimes-1.html"
NYTIMES_2 = CORPUS / "articles" / "readability-nytimes-2.html"
WINFUTURE = CORPUS / "articles" / "trafilatura-winfuture.de-NASA.html"


def _nytimes():
    (draft,) = parse_any(NYTIMES.read_bytes(), NYTIMES.name)
    return draft


def test_a_byline_the_page_gives_in_two_cases_is_kept_once_in_the_readers_case() -> None:
    page = lxml_html.fromstring(NYTIMES.read_bytes())
    # The page names its author twice: "Jeffrey Gettleman" and "By JEFFREY GETTLEMAN".
    spelled = [page.xpath("//meta[@name='author']/@content")[0]]
    spelled.append(page.xpath("//meta[@name='byl']/@content")[0].removeprefix("By "))
    assert spelled == ["Jeffrey Gettleman", "JEFFREY GETTLEMAN"]
    assert tidy_bylines(reversed(spelled)) == ["Jeffrey Gettleman"]
    assert tidy_bylines(spelled) == ["Jeffrey Gettleman"]
    assert _nytimes().bylines == ["Jeffrey Gettleman"]


def test_a_keywords_list_is_split_on_its_commas_and_each_tag_kept_once() -> None:
    # The page's keywords meta repeats its four article:tag subjects as one comma-joined list.
    assert _nytimes().tags == ["Embargoes and Sanctions", "Sudan", "South Sudan", "United States"]
    assert keyword_list("U.S. , poverty ,, welfare state ") == ["U.S.", "poverty", "welfare state"]
    assert tidy_tags(["U.S.", " ", "poverty", "Poverty", "welfare  state"]) == [
        "U.S.",
        "poverty",
        "welfare state",
    ]


def test_a_tag_with_a_comma_is_one_tag_and_its_spelling_without_the_comma_the_same() -> None:
    # article:tag "Mayer, Marissa" and "Mergers, Acquisitions and Divestitures"; the keywords
    # meta writes the same subjects with their commas as spaces ("Mayer  Marissa").
    (draft,) = parse_any(NYTIMES_2.read_bytes(), NYTIMES_2.name)
    assert draft.tags == [
        "Mergers, Acquisitions and Divestitures",
        "Yahoo! Inc",
        "Verizon Communications Inc",
        "Mayer, Marissa",
    ]
    assert tidy_tags(["Mayer, Marissa", "Sudan,South Sudan"]) == [
        "Mayer, Marissa",
        "Sudan,South Sudan",
    ]


def test_a_tag_that_is_the_other_tags_joined_by_commas_is_dropped() -> None:
    # winfuture.de puts its whole keywords list in one article:tag, beside the list itself.
    (draft,) = parse_any(WINFUTURE.read_bytes(), WINFUTURE.name)
    assert draft.tags[:3] == ["Streaming", "Forschung", "Wissenschaft"]
    assert not [tag for tag in draft.tags if "," in tag]
    assert tidy_tags(["Sudan,South Sudan", "Sudan", "South Sudan"]) == ["Sudan", "South Sudan"]
    assert tidy_tags(["Mayer, Marissa", "Mayer"]) == ["Mayer, Marissa", "Mayer"]


def test_empty_paragraphs_at_either_end_of_a_body_are_dropped() -> None:
    body = "<p>\xa0</p>\n<p><br></p><p>Text.</p><p>&nbsp;</p>\n"
    assert trim_empty_paragraphs(body) == "<p>Text.</p>"
    assert trim_empty_paragraphs("<p>A</p><p></p><p>B</p>") == "<p>A</p><p></p><p>B</p>"


# Pieces of bodies, the awkward ones included: capitals, attributes, a "<p" in one.
_PIECES = st.sampled_from(
    (
        *("<p>", "</p>", "<P>", "</P>", "<p class='x'>", "<p a=<p>", "<p", ">", "<pre>"),
        *("</pre>", "&nbsp;", "&#160;", "\xa0", " ", "\n", "<br>", "<br/>", "<BR />", "x"),
    )
)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=14))
def test_empty_paragraphs_are_trimmed_from_the_end_as_the_pattern_says(pieces: list[str]) -> None:
    # The end is trimmed without running the pattern over the whole body: same result.
    body = "<p>Text.</p>" + "".join(pieces)
    assert trim_empty_paragraphs(body) == _TRAILING.sub("", body)


def test_a_body_that_opens_with_a_wire_photo_does_not_open_with_an_empty_paragraph() -> None:
    # The real page's body starts with a paragraph holding only a third-party photo:
    # the packages strip the photo, and its paragraph goes with it.
    draft = _nytimes()
    assert draft.body_html.startswith("<p><img ")
    inp = make_input(
        seed_article(body_html=draft.body_html, bylines=tuple(draft.bylines)), assets=()
    )
    for name in ("article.html", "article.ninjs.json", "article.md"):
        text = package_files(inp)[name].decode()
        assert "<p></p>" not in text and "<p>\\n</p>" not in text, name
    ninjs_body = package_files(inp)["article.html"].decode()
    first = lxml_html.fromstring(ninjs_body).xpath("//p[not(@class)]")[0]
    assert first.text_content().startswith("LONDON")
