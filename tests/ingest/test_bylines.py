"""Bylines you can credit: found where the page states them, cleaned, and where they came from."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from syndication.ingest.bylines import clean_byline, extract_bylines, site_names
from syndication.ingest.page import parse_page
from tests.ingest.corpus_figures import ARTICLES


@pytest.mark.parametrize(
    ("raw", "site", "names"),
    [
        ("By Jane Doe", "", ["Jane Doe"]),
        ("by: Laurie Oakes", "", ["Laurie Oakes"]),
        ("Von Lisa Petrich", "", ["Lisa Petrich"]),
        ("Par Sébastien Farcis", "", ["Sébastien Farcis"]),
        ("Por Nuño Domínguez", "", ["Nuño Domínguez"]),
        ("作者：张三", "", ["张三"]),
        ("责任编辑： 焦鹏", "", ["焦鹏"]),
        # Dates and times glued to the name.
        ("By Joshua Sokol May 5, 2020", "", ["Joshua Sokol"]),
        ("Aleš Vávra před 2 hodinami", "", ["Aleš Vávra"]),
        ("Christian Kahle, 03.11.2023 15:32 Uhr", "", ["Christian Kahle"]),
        ("By Emily Burack 8 January 2020, 3:51 pm", "", ["Emily Burack"]),
        ("Jeanne Corriveau 19 février 2020", "", ["Jeanne Corriveau"]),
        ("By Jill Serjeant Updated 4 hours ago", "", ["Jill Serjeant"]),
        # Job titles, "Staff", the site's own name, social handles.
        (
            "By Benjamin Romano Seattle Times business reporter",
            "The Seattle Times",
            ["Benjamin Romano"],
        ),
        ("By Evan Halper Staff Writer", "", ["Evan Halper"]),
        (
            "By Daniel Kahn Gillmor, Senior Staff Technologist, ACLU Speech, Privacy, and "
            "Technology Project",
            "",
            ["Daniel Kahn Gillmor"],
        ),
        ("Ingo Arzt Redakteur für Wirtschaft und Umwelt", "", ["Ingo Arzt"]),
        ("Reuters Staff", "", ["Reuters"]),
        ("By Joshua Sokol, The New York Times", "The New York Times", ["Joshua Sokol"]),
        ("by Ahiza Garcia @ahiza_garcia", "", ["Ahiza Garcia"]),
        ("Nuño Domínguez Twitter", "", ["Nuño Domínguez"]),
        ("Our Foreign Staff", "", []),
        # People, split only where they are people.
        (
            "Dana A. Ford , James S.A. Corey, Chien-Ming Wang, and Tom Watkins, CNN",
            "CNN",
            ["Dana A. Ford", "James S.A. Corey", "Chien-Ming Wang", "Tom Watkins"],
        ),
        ("Ibtisam Mahdi & Ruwaida Kamal Amer", "", ["Ibtisam Mahdi", "Ruwaida Kamal Amer"]),
        (
            "Martin Untersinger (avec Damien Leloup et Morgane Tual)",
            "",
            ["Martin Untersinger", "Damien Leloup", "Morgane Tual"],
        ),
        ("Alejandro de la Garza", "", ["Alejandro de la Garza"]),
        ("Perry Bacon Jr.", "", ["Perry Bacon Jr."]),
        ("John Smith, Jr.", "", ["John Smith, Jr."]),
        ("Bruno (Henrique Zecchin) Rodrigues", "", ["Bruno (Henrique Zecchin) Rodrigues"]),
        # Organisations that really are the author.
        ("AFP/The Local", "The Local Sweden", ["AFP/The Local"]),
        ("JIJI", "The Japan Times", ["JIJI"]),
        ("BBC News", "BBC News", ["BBC News"]),
        ("JEFFREY GETTLEMAN", "", ["Jeffrey Gettleman"]),
        # "By" sentences that name no one: a verb phrase, a sentence.
        ("By signing up you agree to our", "", []),
        ("By clicking Subscribe, you agree to our Terms", "", []),
        ("By Continuing To Browse You Accept Cookies", "", []),
        ("By using this site you accept our cookie policy", "", []),
        ("By the time the votes were counted, Smith had won", "", []),
        ("By the Associated Press", "", ["the Associated Press"]),
        ("By Manning Marable", "", ["Manning Marable"]),
        ("By Jane Doe in Kyiv and John Roe in Moscow", "", ["Jane Doe", "John Roe"]),
        # Furniture.
        ("Username", "", []),
        ("No Author", "", []),
        ("https://www.example.org/author/jane", "", []),
    ],
)
def test_bylines_are_cleaned_for_a_credit_line(raw: str, site: str, names: list[str]) -> None:
    assert clean_byline(raw, sites=site_names(site)) == names


def _page(head: str, header: str, *, site: str = "Daily Planet") -> str:
    body = "".join(
        f"<p>Paragraph {n} of the story, long enough to be read as the article's own text.</p>"
        for n in range(8)
    )
    return (
        f"<html><head><title>Dam opens | {site}</title>"
        f'<meta property="og:site_name" content="{site}">{head}</head><body>'
        f"<aside><span class='byline'>By Sidebar Person</span></aside>"
        f"<article><header><h1>Dam opens</h1>{header}</header>{body}</article></body></html>"
    )


def _bylines(page: str):
    tree = lxml_html.document_fromstring(page)
    return extract_bylines(tree, site_name="Daily Planet", headline=next(tree.iter("h1")))


def test_structured_data_wins_over_the_visible_line_and_every_source_is_recorded() -> None:
    page = _page(
        '<meta name="author" content="Lois Lane">',
        "<p class='byline'>By Lois Lane, Daily Planet staff writer</p>",
    )
    found = _bylines(page)
    assert found.names == ["Lois Lane"] and found.chosen.source == "meta author"
    assert [(f.kind, f.detail) for f in found.findings()] == [
        ("byline_source", "used, from meta author: Lois Lane")
    ]


def test_the_sites_own_name_gives_way_to_a_person_named_elsewhere() -> None:
    page = _page(
        '<meta name="author" content="Daily Planet">',
        "<p class='article-byline'>Von <a href='/clark'>Clark Kent</a></p>",
    )
    found = _bylines(page)
    assert found.names == ["Clark Kent"] and found.chosen.source == "byline element"
    details = [f.detail for f in found.findings()]
    assert details[0] == "used, from byline element: Clark Kent"
    assert "not used, from meta author: Daily Planet" in details


def test_the_visible_byline_is_the_one_under_the_headline_not_a_sidebars() -> None:
    found = _bylines(_page("", "<div class='byline'>By Jimmy Olsen 3 hours ago</div>"))
    assert found.names == ["Jimmy Olsen"]


def test_an_agency_credit_line_under_the_headline_is_the_author() -> None:
    found = _bylines(_page("", "<p class='credit'>Kyodo</p>"))
    assert found.names == ["Kyodo"]


def test_a_photo_credit_under_the_headline_is_not_the_author() -> None:
    found = _bylines(_page("", "<p class='credit'>Photo: Jane Smith</p>"))
    assert found.names == []


def test_the_sites_own_name_is_the_byline_when_nothing_else_names_anyone() -> None:
    found = _bylines(_page('<meta property="og:article:author" content="Daily Planet">', ""))
    assert found.names == ["Daily Planet"]


def test_json_ld_author_references_are_resolved() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": ['
        '{"@type": "NewsArticle", "headline": "Dam opens", "author": {"@id": "#p1"}},'
        '{"@type": "Person", "@id": "#p1", "name": "Perry White"}]}</script>'
    )
    [draft] = parse_page(_page(head, "").encode())
    assert draft.bylines == ["Perry White"]
    assert draft.findings[0].detail == "used, from JSON-LD author: Perry White"


def test_json_ld_in_a_cdata_wrapper_with_a_trailing_comma_is_read() -> None:
    head = (
        '<script type="application/ld+json"><![CDATA[ {"@type": "NewsArticle", '
        '"author": [{"@type": "Person", "name": "Cat Grant"},],} ]]></script>'
    )
    [draft] = parse_page(_page(head, "").encode())
    assert draft.bylines == ["Cat Grant"]


def test_a_wire_byline_on_the_page_is_flagged() -> None:
    [draft] = parse_page(_page('<meta name="author" content="Agence France-Presse">', "").encode())
    assert [(f.kind, f.detail) for f in draft.findings if f.kind == "wire_byline"] == [
        ("wire_byline", "AFP")
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "By signing up you agree to our privacy policy.",
        "By clicking Register, you accept our Terms of Use.",
        "By continuing, you agree to the use of cookies.",
    ],
)
def test_a_by_sentence_under_the_headline_is_no_byline_and_the_real_one_is_found(
    sentence: str,
) -> None:
    header = f"<form><p>{sentence}</p></form><p>By Lois Lane</p>"
    found = _bylines(_page("", header))
    assert found.names == ["Lois Lane"] and found.chosen.source == "By line"
    assert all(sentence not in f.text for f in found.findings())


def test_the_locals_newsletter_sign_up_is_not_read_as_a_byline() -> None:
    [draft] = parse_page((ARTICLES / "trafilatura-thelocal.se.tattooed.html").read_bytes())
    assert draft.bylines == ["AFP/The Local"]
    assert not [f for f in draft.findings if "signing up" in f.text]
