"""Single article pages: the text without the page around it, and who wrote it when."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.detect import parse_any
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


def _json_ld_page(*json_ld: str, metas: str = "") -> bytes:
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in json_ld)
    head = (
        "<title>Flood barrier closes again - The Riverside Gazette</title>"
        '<meta property="og:site_name" content="The Riverside Gazette">'
        f'<link rel="canonical" href="https://gazette.example/barrier">{metas}{scripts}'
    )
    return _article(head, "Flood barrier closes again")


@pytest.mark.parametrize(
    "json_ld",
    [
        "[" * 5000 + "]" * 5000,  # deeper than json reads
        # json reads it; reading the author's name out of it would recurse as deep.
        '{"@type": "NewsArticle", "author": ' + "[" * 900 + '"Ann Lee"' + "]" * 900 + "}",
    ],
    ids=["past-json", "deep-author"],
)
def test_json_ld_nested_too_deep_is_skipped_never_a_crash(json_ld: str) -> None:
    [draft] = parse_page(_json_ld_page(json_ld))
    assert draft.headline == "Flood barrier closes again" and draft.bylines == []


def test_a_page_without_article_text_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="no article text"):
        parse_page(b"<html><head><title>Empty</title></head><body> </body></html>")


def test_an_article_tag_is_one_tag_and_a_keywords_meta_is_a_comma_list() -> None:
    head = (
        '<meta property="article:tag" content="Mayer, Marissa">'
        '<meta property="article:tag" content="Yahoo! Inc">'
        '<meta name="keywords" content="Verizon,  Mayer  Marissa, yahoo! inc">'
        '<meta name="parsely-tags" content="tech,deals">'
    )
    [draft] = parse_page(_article(head, "Verizon buys Yahoo"))
    # As read: the article:tag fields whole, then the lists' items.
    assert draft.tags[:4] == ["Mayer, Marissa", "Yahoo! Inc", "Verizon", "Mayer Marissa"]
    assert draft.tags[4:] == ["yahoo! inc", "tech", "deals"]
    # As imported: each tag once, whatever its case or commas.
    [draft] = parse_any(_article(head, "Verizon buys Yahoo"), "deal.html")
    assert draft.tags == ["Mayer, Marissa", "Yahoo! Inc", "Verizon", "tech", "deals"]


# --- JSON-LD keywords ----------------------------------------------------------------------------

# As news sites write them (Yoast, WordPress, newsroom CMSs): a text, an array, inside @graph.
_STRING_KEYWORDS = """{"@context": "https://schema.org", "@type": "NewsArticle",
  "headline": "Flood barrier closes again", "datePublished": "2024-01-05T07:00:00Z",
  "author": {"@type": "Person", "name": "Ann Lee"},
  "keywords": "Flood defences, River Ouse,  York ,, Environment Agency"}"""
_ARRAY_KEYWORDS = """{"@context": "https://schema.org", "@type": "NewsArticle",
  "headline": "Flood barrier closes again",
  "keywords": ["Flood defences", "York, England",
               {"@type": "DefinedTerm", "name": "Climate", "inDefinedTermSet": "https://x.example/t"}]}"""
_GRAPH_KEYWORDS = """{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "@id": "https://gazette.example/#website", "name": "The Riverside Gazette",
   "keywords": "news, York"},
  {"@type": "WebPage", "@id": "https://gazette.example/barrier", "keywords": ["page"]},
  {"@type": ["Article", "NewsArticle"], "@id": "https://gazette.example/barrier#article",
   "isPartOf": {"@id": "https://gazette.example/barrier"},
   "headline": "Flood barrier closes again", "keywords": ["Flood defences", "River Ouse"],
   "articleSection": ["News"]},
  {"@type": "ItemList", "itemListElement": [{"@type": "ListItem", "position": 1,
   "item": {"@type": "NewsArticle", "headline": "Older story", "keywords": ["Drought"]}}]}]}"""


@pytest.mark.parametrize(
    ("json_ld", "tags"),
    [
        (_STRING_KEYWORDS, ["Flood defences", "River Ouse", "York", "Environment Agency"]),
        (_ARRAY_KEYWORDS, ["Flood defences", "York, England", "Climate"]),
        (_GRAPH_KEYWORDS, ["Flood defences", "River Ouse"]),
    ],
    ids=["text", "array", "graph"],
)
def test_json_ld_keywords_of_the_article_are_tags(json_ld: str, tags: list[str]) -> None:
    # A text is a comma-separated list; an array's entry (or a DefinedTerm's name) is one
    # tag, commas and all. The site's, the web page's and another article's are not read.
    [draft] = parse_page(_json_ld_page(json_ld))
    assert draft.tags == tags


def test_whole_tags_come_before_lists_and_each_tag_is_imported_once() -> None:
    metas = (
        '<meta property="article:tag" content="Environment Agency">'
        '<meta name="keywords" content="flood defences, River Ouse, York">'
    )
    data = _json_ld_page(_ARRAY_KEYWORDS, metas=metas)
    [draft] = parse_page(data)
    # As read: article:tag, then the JSON-LD keywords, then the keywords meta's list.
    whole = ["Environment Agency", "Flood defences", "York, England", "Climate"]
    assert draft.tags == [*whole, "flood defences", "River Ouse", "York"]
    # As imported: each once, whatever its case, first spelling kept; "York, England" stays
    # beside "York" (it is not a list of tags the page gives one by one).
    [draft] = parse_any(data, "barrier.html")
    assert draft.tags == [*whole, "River Ouse", "York"]


def test_keywords_in_nested_arrays_and_html_entities_are_read() -> None:
    # Reuters nests its keywords array in another; sites escape "&" as "&amp;" in the text.
    json_ld = '{"@type": "NewsArticle", "keywords": [["US", "Film"], ["Phones &amp; Apps"]]}'
    [draft] = parse_page(_json_ld_page(json_ld))
    assert draft.tags == ["US", "Film", "Phones & Apps"]


@pytest.mark.parametrize(
    "keywords",
    [
        "null",
        "42",
        "true",
        '{"name": 5}',
        '{"@type": "DefinedTerm"}',
        '[null, 3, "", "   ", {"name": ["x"]}, {"@type": "DefinedTerm"}, [[]]]',
        '" , ,, "',
    ],
)
def test_keywords_that_are_no_texts_are_skipped(keywords: str) -> None:
    json_ld = f'{{"@type": "NewsArticle", "keywords": {keywords}}}'
    metas = '<meta property="article:tag" content="Floods">'
    [draft] = parse_page(_json_ld_page(json_ld, metas=metas))
    assert draft.tags == ["Floods"]


@pytest.mark.parametrize(
    "json_ld",
    [
        '{"@type": "NewsArticle", "keywords": ["Floods"',  # cut short
        '"Floods"',
        "42",
        "[]",
        '{"@type": "NewsArticle", "keywords": ' + "[" * 40 + '"Floods"' + "]" * 40 + "}",
    ],
    ids=["cut-short", "a-text", "a-number", "empty", "too-deep"],
)
def test_malformed_json_ld_gives_no_keywords_and_no_crash(json_ld: str) -> None:
    [draft] = parse_page(_json_ld_page(json_ld, _STRING_KEYWORDS.replace("River Ouse", "Ouse")))
    assert draft.tags == ["Flood defences", "Ouse", "York", "Environment Agency"]


def test_corpus_pages_keywords_are_their_tags() -> None:
    # The ACLU's JSON-LD keywords are a text that escapes its "&".
    assert page("readability-aclu.html").tags == [
        "Internet Privacy",
        "Privacy & Technology",
        "Consumer Privacy",
    ]
    # The Cayman Compass has two: Yoast's @graph Article (read) and a second, lower-cased one.
    assert page("trafilatura-caymancompass.com-prison.html").tags == [
        "Governor Martyn Roper",
        "HMP Northward",
        "Justin Ramoon",
        "Osbourne Douglas",
        "Prison Papers",
    ]


# --- headlines ------------------------------------------------------------------------------------


def _article(head: str, h1: str = "", extra: str = "") -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {n}: the flood barrier closed for the {n}th time this winter, officials "
        f"said, as the river rose past the old stone bridge in the town centre.</p>"
        for n in range(1, 7)
    )
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f"<html><head>{head}</head><body><header><h1>The Riverside Gazette</h1></header>"
        f"<article>{heading}{paragraphs}{extra}</article></body></html>"
    ).encode()


def test_the_h1_beats_a_title_carrying_the_sites_name() -> None:
    head = (
        "<title>Flood barrier closes again - The Riverside Gazette</title>"
        '<meta property="og:site_name" content="The Riverside Gazette">'
        '<meta property="og:title" content="Flood barrier closes again">'
    )
    [draft] = parse_page(_article(head, "Flood barrier closes again"))
    assert draft.headline == "Flood barrier closes again"


def test_an_h1_the_other_titles_disagree_with_is_still_the_headline_when_it_is_the_only_one():
    head = "<title>SEO title for search engines | Gazette</title>"
    [draft] = parse_page(
        _article(head, "Barrier closes for the tenth time").replace(
            b"<header><h1>The Riverside Gazette</h1></header>", b""
        )
    )
    assert draft.headline == "Barrier closes for the tenth time"


def test_without_an_h1_the_title_loses_a_site_suffix_the_page_repeats() -> None:
    head = "<title>武汉的声音：有英勇的你-新华网</title>"
    footer = "<p>新华网版权所有</p><p>关于新华网</p><p>新华网客户端</p>"
    data = _article(head, extra=footer).replace(
        b"<header><h1>The Riverside Gazette</h1></header>", b""
    )
    [draft] = parse_page(data)
    assert draft.headline == "武汉的声音：有英勇的你"


# --- furniture trafilatura keeps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("furniture", "gone"),
    [
        (
            "<h3>Related coverage</h3>"
            "<ul><li><a href='https://x.example/1'>Other story one</a></li>"
            "<li><a href='https://x.example/2'>Other story two</a></li></ul>",
            ["Related coverage", "Other story one"],
        ),
        (
            "<p>Siehe auch:</p><p>Thema:</p><p>Neue Fotos</p>"
            "<p><a href='https://x.example/3'>Bilder der Woche</a></p>",
            ["Siehe auch", "Neue Fotos", "Bilder der Woche"],
        ),
        (
            "<p>Most viewed</p><ol><li><a href='https://x.example/4'>Popular one</a></li></ol>",
            ["Most viewed", "Popular one"],
        ),
        (
            "<p>Our Standards: "
            "<a href='https://x.example/trust'>The Gazette Trust Principles.</a></p>",
            ["Trust Principles"],
        ),
        (
            "<p><a href='https://x.example/signup/?utm_source=a'>Get the Gazette's Daily Edition "
            "by email</a> <a href='https://x.example/signup/'>Free Sign Up</a></p>",
            ["Daily Edition", "Free Sign Up"],
        ),
        (
            "<p>Puede escribirnos a <a href='mailto:desk@x.example'>desk@x.example</a> o seguir a "
            "la redacción en <a href='https://www.facebook.com/Gazette/'>Facebook</a> y "
            "<a href='https://twitter.com/gazette'>Twitter</a>.</p>",
            ["Puede escribirnos"],
        ),
        (
            "<p><img src='https://x.example/chart.png' alt='chart'><br>"
            "<i>(Credit: Jane Roe / Gazette)</i></p>",
            ["Credit:"],
        ),
        ("<p>Photo: Jane Roe for the Gazette</p>", ["Photo: Jane Roe"]),
    ],
    ids=[
        "related-list",
        "siehe-auch",
        "most-viewed",
        "standards-link",
        "signup-box",
        "follow-box",
        "caption-credit",
        "photo-line",
    ],
)
def test_page_furniture_is_removed_and_the_article_kept(furniture: str, gone: list[str]) -> None:
    from syndication.ingest.boilerplate import strip_boilerplate

    story = (
        "<p>The barrier closed on Monday night for the tenth time this winter, officials said, "
        "as the river rose past the old stone bridge in the centre of the town.</p>"
    )
    after = (
        "<p>Engineers said the barrier would stay closed until Wednesday, when the tide turns "
        "and the water level in the river is expected to fall again by a metre.</p>"
    )
    cleaned = strip_boilerplate(f"<html><body>{story}{furniture}{after}</body></html>")
    assert "tenth time this winter" in cleaned and "expected to fall again" in cleaned
    for text in gone:
        assert text not in cleaned


def test_inline_promos_are_left_for_the_promo_finding() -> None:
    from syndication.ingest.boilerplate import strip_boilerplate

    promo = "<p>RELATED: <a href='https://x.example/5'>Barrier history</a></p>"
    assert "Barrier history" in strip_boilerplate(f"<html><body>{promo}</body></html>")


# --- where a republished piece first ran ----------------------------------------------------------

_STORY = "".join(
    f"<p>Paragraph {n}: the flood barrier closed for the {n}th time this winter, officials "
    f"said, as the river rose past the old stone bridge in the town centre.</p>"
    for n in range(1, 7)
)


def _notice_page(around: str = "", inside: str = "", after: str = "") -> bytes:
    """A page whose article sits in a wrapper with its headline; notices go where asked."""
    return (
        "<html><head><title>Flood barrier closes again</title></head><body>"
        "<header><nav><a href='/'>The Riverside Gazette</a></nav></header><main>"
        "<div class='story'><section class='title'><h1>Flood barrier closes again</h1></section>"
        f"{around}<article>{_STORY}{inside}</article>{after}</div></main>"
        "<footer class='site-footer'><p>This article originally appeared on Old Gazette.</p>"
        "</footer></body></html>"
    ).encode()


def _origins(data: bytes) -> list[tuple[str, str]]:
    [draft] = parse_page(data)
    return [(f.text, f.detail) for f in draft.findings if f.kind == "footer"]


def test_salons_notice_outside_its_article_records_grist_as_the_origin() -> None:
    draft = page("trafilatura-salon.com.emissions.html")
    assert [(f.text, f.detail) for f in draft.findings if f.kind == "footer"] == [
        ("This post originally appeared on Grist.", "Grist")
    ]


def test_the_cnn_first_published_time_is_no_origin() -> None:
    # "First published February 1, 2016: 1:28 AM ET" dates the page; it names no origin.
    assert not [f for f in page("readability-cnn.html").findings if f.kind == "footer"]


@pytest.mark.parametrize(
    "notice",
    [
        "<p class='editors_note'><em>This story was originally published by "
        "<a href='https://example.org/x'>ProPublica</a>.</em></p>",
        "<div class='note'>Originally published in Yale Environment 360.</div>",
        # The notice as a link to the original.
        "<p><a href='https://e360.yale.edu/x'>Originally published in Yale Environment 360</a></p>",
        "<p>This article is republished from The Conversation under a Creative Commons "
        "license. Read the original article.</p>",
    ],
)
def test_a_notice_beside_the_article_about_it_is_its_origin(notice: str) -> None:
    found = _origins(_notice_page(around=notice))
    assert len(found) == 1 and found[0][1] in {
        "ProPublica",
        "Yale Environment 360",
        "The Conversation",
    }
    # After the article, as its footer in the same wrapper, too.
    assert _origins(_notice_page(after=f"<footer>{notice}</footer>")) == found


@pytest.mark.parametrize(
    "elsewhere",
    [
        # Another story's teaser in a related list, or a list of links.
        "<div class='related-stories'><h3>Dam bursts</h3>"
        "<p>This story originally appeared on Other Wire.</p></div>",
        "<ul><li><a href='/b'>Bridge</a> This story originally appeared on Other Wire.</li></ul>",
        "<article class='card'><h3>Bridge</h3>"
        "<p>This story originally appeared on Other Wire.</p></article>",
        # A teaser card that is one link, a form, a sentence of a paragraph, a date.
        "<a class='card' href='/b'><h3>Bridge</h3>"
        "<p>This story originally appeared on Other Wire.</p></a>",
        "<form><p>This story originally appeared on Other Wire.</p></form>",
        "<p>Readers asked whether this story originally appeared on Other Wire; it did not.</p>",
        "<p>Originally published on 3 March 2020.</p>",
    ],
)
def test_a_notice_about_another_story_or_the_site_is_no_origin(elsewhere: str) -> None:
    # The site footer's notice (in every page here) is never this article's either.
    assert _origins(_notice_page(after=elsewhere)) == []


def test_a_notice_in_the_article_text_is_recorded_once() -> None:
    notice = "<p>This article originally appeared on The Conversation.</p>"
    assert _origins(_notice_page(inside=notice, around=notice)) == [
        ("This article originally appeared on The Conversation.", "The Conversation")
    ]


def test_with_the_headline_far_from_the_article_the_sites_footer_is_still_no_origin() -> None:
    data = (
        "<html><head><title>Flood barrier closes again</title></head><body>"
        "<div class='top'><h1>Flood barrier closes again</h1></div>"
        "<main><p class='dek-note'>This story first appeared in The River Times.</p>"
        f"<article>{_STORY}</article></main>"
        "<footer><p>This article originally appeared on Old Gazette.</p></footer>"
        "<aside><p>This story originally appeared on Other Wire.</p></aside></body></html>"
    ).encode()
    assert _origins(data) == [("This story first appeared in The River Times.", "The River Times")]
