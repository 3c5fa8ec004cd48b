"""Footers, promos, cited outlets and agency material are found, and nothing else is."""

from __future__ import annotations

import pytest

from syndication.ingest.drafts import Finding
from syndication.ingest.findings import (
    find_cited_outlets,
    find_promos,
    find_third_party_credits,
    find_wire_bylines,
    is_third_party_credit,
    mark_promos,
    origin_notice,
    split_footer,
)

DCNF_FOOTER = (
    "Content created by The Daily Caller News Foundation is available without charge to any "
    "eligible news publisher that can provide a large audience. For licensing opportunities of "
    "our original content, please contact licensing@dailycallernewsfoundation.org."
)
BODY = ["Kuleba and Lavrov met in Turkey.", "The talks failed, Axios reported."]


# --- footers ---------------------------------------------------------------------------------


def test_generic_syndication_footer_is_split_off_with_its_organisation() -> None:
    body, footer = split_footer([*BODY, DCNF_FOOTER])
    assert body == BODY
    assert footer == Finding(
        kind="footer", text=DCNF_FOOTER, detail="The Daily Caller News Foundation"
    )


def test_known_footer_matches_despite_quotes_whitespace_and_case() -> None:
    known = "Our stories are free to republish with credit to “The Desk.”"
    last = '  our stories are free to  republish\nwith credit to "The Desk."'
    body, footer = split_footer([*BODY, last], known_footers=[known])
    assert body == BODY
    assert footer is not None and footer.text == last


def test_known_footer_spanning_two_paragraphs() -> None:
    known = "Republish us freely.\n\nAsk desk@example.org first."
    body, footer = split_footer(
        [*BODY, "Republish us freely.", "Ask desk@example.org first."], known
    )
    assert body == BODY
    assert (
        footer is not None and footer.text == "Republish us freely.\n\nAsk desk@example.org first."
    )


@pytest.mark.parametrize(
    ("paragraph", "organisation"),
    [
        ("This article originally appeared on The Conversation.", "The Conversation"),
        ("This story was originally published by ProPublica.", "ProPublica"),
        ("Republished with permission.", ""),
        ("Republished with permission from Kaiser Health News.", "Kaiser Health News"),
        (
            "This article is republished from The Conversation under a Creative Commons license.",
            "The Conversation",
        ),
        (
            "For licensing opportunities, please contact licensing@example.org.",
            "",
        ),
        (
            "Copyright 2022 The Associated Press. All rights reserved. This material may not be "
            "published, broadcast, rewritten or redistributed.",
            "The Associated Press",
        ),
    ],
)
def test_generic_footers_are_recognised(paragraph: str, organisation: str) -> None:
    body, footer = split_footer([*BODY, paragraph])
    assert body == BODY
    assert footer == Finding(kind="footer", text=paragraph, detail=organisation)


def test_stacked_footers_are_removed_together() -> None:
    first_appeared = "This article originally appeared on The Daily Caller News Foundation."
    body, footer = split_footer([*BODY, DCNF_FOOTER, first_appeared])
    assert body == BODY
    assert footer is not None and footer.text == f"{DCNF_FOOTER}\n\n{first_appeared}"


@pytest.mark.parametrize(
    "last",
    [
        "Putin failed to swiftly capture Kyiv, Axios reported.",
        "Content created by artificial intelligence is a growing concern, experts said.",
        "Republished with permission from the family, the letter reads in full: “We forgive.”",
        "The story originally appeared to be a hoax, but police later confirmed it.",
        "For licensing questions, officials said, farmers should call the county office.",
        "He said he would contact licensing@example.org for licensing opportunities next week.",
        "Copyright lawyers said all rights reserved by the studio were still contested.",
        "",
    ],
)
def test_an_ordinary_last_paragraph_is_never_removed(last: str) -> None:
    paragraphs = [*BODY, last] if last else BODY
    body, footer = split_footer(paragraphs, known_footers=[DCNF_FOOTER])
    assert body == [p for p in paragraphs if p]
    assert footer is None


def test_a_footer_in_the_middle_is_left_alone() -> None:
    body, footer = split_footer([BODY[0], DCNF_FOOTER, BODY[1]])
    assert body == [BODY[0], DCNF_FOOTER, BODY[1]]
    assert footer is None


# --- promos ----------------------------------------------------------------------------------


def test_inline_promos_are_found() -> None:
    text = (
        "Kuleba said, Axios reported. (RELATED: ‘Decisive, Overwhelming Force’: How China Will "
        "Learn From Russia’s Invasion) Then (READ MORE: Talks (again) stall) and "
        "(SEE ALSO: Map of Ukraine)."
    )
    assert [f.text for f in find_promos(text)] == [
        "(RELATED: ‘Decisive, Overwhelming Force’: How China Will Learn From Russia’s Invasion)",
        "(READ MORE: Talks (again) stall)",
        "(SEE ALSO: Map of Ukraine)",
    ]
    assert {f.kind for f in find_promos(text)} == {"promo"}


def test_promo_lines_are_found() -> None:
    text = "RELATED: Kuleba, Lavrov Meet In Turkey\nREAD MORE: Talks stall"
    assert [f.text for f in find_promos(text)] == [
        "RELATED: Kuleba, Lavrov Meet In Turkey",
        "READ MORE: Talks stall",
    ]


@pytest.mark.parametrize(
    "label",
    [
        "RELATED", "Related", "READ MORE", "Read more", "Read More", "SEE ALSO", "See also",
        "See Also", "ALSO READ", "Also read", "Also Read", "MORE", "WATCH", "READ",
    ],
)  # fmt: skip
def test_every_promo_label_is_found(label: str) -> None:
    # Texts holding no word of any label skip the pattern: each label must hold one.
    assert [f.text for f in find_promos(f"Talks stall ({label}: Kuleba) today")] == [
        f"({label}: Kuleba)"
    ]
    assert [f.text for f in find_promos(f"Talks stall\n{label}: Kuleba")] == [f"{label}: Kuleba"]


@pytest.mark.parametrize(
    "text",
    [
        "The related cases (see also: table 3) are pending.",
        "Officials said the related talks would resume (more: later).",
        "The report was related: it said so.",
        "Prices rose (by 3%) in March.",
    ],
)
def test_ordinary_parentheses_are_not_promos(text: str) -> None:
    assert find_promos(text) == []


def test_mark_promos_escapes_text_and_wraps_promos() -> None:
    html = mark_promos("Tom & Jerry <b> (RELATED: Cats & Mice)")
    assert html == (
        'Tom &amp; Jerry &lt;b&gt; <span class="promo">(RELATED: Cats &amp; Mice)</span>'
    )


def test_mark_promos_without_promos_only_escapes() -> None:
    assert mark_promos("“Quoted” & plain") == "“Quoted” &amp; plain"


# --- cited outlets ---------------------------------------------------------------------------


def test_one_finding_per_outlet_with_the_first_phrase() -> None:
    text = (
        "The talks failed, Axios reported. Kuleba spoke, according to Reuters. "
        "Lavrov said, Axios reported. He later told CNN he was hopeful, Reuters reported."
    )
    assert find_cited_outlets(text) == [
        Finding(kind="cited_outlet", text="Axios reported", detail="Axios"),
        Finding(kind="cited_outlet", text="according to Reuters", detail="Reuters"),
        Finding(kind="cited_outlet", text="told CNN", detail="CNN"),
    ]


@pytest.mark.parametrize(
    ("text", "phrase", "outlet"),
    [
        (
            "The New York Times reported on Monday.",
            "The New York Times reported",
            "The New York Times",
        ),
        (
            "That is according to the Washington Post.",
            "according to the Washington Post",
            "The Washington Post",
        ),
        ("The plan was first reported by Politico.", "first reported by Politico", "Politico"),
        ("Axios first reported the meeting.", "Axios first reported", "Axios"),
        ("The Associated Press reported it.", "The Associated Press reported", "Associated Press"),
        ("Yesterday The Kyiv Post reported shelling.", "The Kyiv Post reported", "The Kyiv Post"),
        (
            "She told the Kansas City Star it was over.",
            "told the Kansas City Star",
            "Kansas City Star",
        ),
        (
            "The memo was obtained by The Daily Caller.",
            "obtained by The Daily Caller",
            "The Daily Caller",
        ),
        ("Kuleba said in an interview with BBC News.", "interview with BBC News", "BBC News"),
    ],
)
def test_cited_outlets_are_named(text: str, phrase: str, outlet: str) -> None:
    assert find_cited_outlets(text) == [Finding(kind="cited_outlet", text=phrase, detail=outlet)]


@pytest.mark.parametrize(
    "text",
    [
        "He reported that the talks failed.",
        "Russia reportedly continued to accuse Ukraine.",
        "He reportedly said Lavrov was not in a position to commit.",
        "Officials reported heavy losses.",
        "Russia reported 500 new cases.",
        "Kuleba told Lavrov that Ukraine would not surrender.",
        "She told White House Press Secretary Jen Psaki about it.",
        "The International Energy Agency reported a drop in demand.",
        "axios reported nothing in lower case.",
        "Sources told reporters the talks would resume.",
    ],
)
def test_no_false_cited_outlets(text: str) -> None:
    assert find_cited_outlets(text) == []


# --- agencies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "agency"),
    [
        ("AP Photo/Evan Vucci", "Associated Press"),
        ("(AP Photo/Efrem Lukatsky)", "Associated Press"),
        ("The Associated Press", "Associated Press"),
        ("Getty Images", "Getty Images"),
        ("Photo by Mandel Ngan/AFP via Getty Images", "AFP"),
        ("REUTERS/Kevin Lamarque", "Reuters"),
        ("EPA-EFE/Sergey Dolzhenko", "EPA"),
        ("EFE/Ballesteros", "EFE"),
        ("PTI Photo", "PTI"),
        ("ANI", "ANI"),
        ("Xinhua/Li Ren", "Xinhua"),
        ("Shutterstock", "Shutterstock"),
        ("Bloomberg via Getty Images", "Bloomberg"),
        ("Pool/Getty Images", "Pool"),
        ("Sputnik/Mikhail Klimentyev/POOL via REUTERS", "Pool"),
    ],
)
def test_third_party_credits_name_their_agency(credit: str, agency: str) -> None:
    assert is_third_party_credit(credit) == agency


@pytest.mark.parametrize(
    "credit",
    [
        "Daily Caller News Foundation/Henry Rodgers",
        "Photo by staff photographer",
        "Kids swim in the pool on Monday",
        "Ani Smith for the Desk",
        "Courtesy of the APP team",
        "",
    ],
)
def test_own_and_unknown_credits_are_not_third_party(credit: str) -> None:
    assert is_third_party_credit(credit) is None


def test_third_party_credit_findings() -> None:
    findings = find_third_party_credits(["AP Photo/Evan Vucci", "Staff photo", " Getty Images "])
    assert findings == [
        Finding(kind="third_party_asset", text="AP Photo/Evan Vucci", detail="Associated Press"),
        Finding(kind="third_party_asset", text="Getty Images", detail="Getty Images"),
    ]


def test_wire_bylines_are_found() -> None:
    findings = find_wire_bylines(
        ["By Jane Doe, Associated Press", "Reuters staff", "AFP", "Henry Rodgers", "Getty Images"]
    )
    assert [(f.kind, f.detail) for f in findings] == [
        ("wire_byline", "Associated Press"),
        ("wire_byline", "Reuters"),
        ("wire_byline", "AFP"),
    ]
    assert findings[0].text == "By Jane Doe, Associated Press"


def test_strip_promo_markup_removes_marked_promos_only() -> None:
    from syndication.ingest.findings import strip_promo_markup

    html = "<p>" + mark_promos("Kuleba said. (RELATED: ‘Decisive’ Force) Then more.") + "</p>"
    assert strip_promo_markup(html) == "<p>Kuleba said. Then more.</p>"
    assert strip_promo_markup("<p>(RELATED: plain text)</p>") == "<p>(RELATED: plain text)</p>"


# Bylines and credit lines as agencies' copy carries them, in several languages.
@pytest.mark.parametrize(
    ("line", "agency"),
    [
        ("By ELLEN KNICKMEYER Associated Press", "Associated Press"),
        ("The Associated Press", "Associated Press"),
        ("AP Television", "Associated Press"),
        ("Reuters Staff", "Reuters"),
        ("Agence France-Presse", "AFP"),
        ("AFP/The Local", "AFP"),
        ("dpa/lno", "dpa"),
        ("Deutsche Presse-Agentur", "dpa"),
        ("Von dpa-AFX", "dpa"),
        ("epd", "epd"),
        ("Agencia EFE", "EFE"),
        ("Europa Press", "Europa Press"),
        ("ANSA", "ANSA"),
        ("Redazione Adnkronos", "Adnkronos"),
        ("Agência Brasil", "Agência Brasil"),
        ("Lusa", "Lusa"),
        ("Télam", "Télam"),
        ("Notimex", "Notimex"),
        ("JIJI", "Jiji"),
        ("時事通信", "Jiji"),
        ("Kyodo News", "Kyodo"),
        ("共同通信", "Kyodo"),
        ("新华社记者 张三", "Xinhua"),
        ("中新社", "China News Service"),
        ("Yonhap News Agency", "Yonhap"),
        ("연합뉴스", "Yonhap"),
        ("ТАСС", "TASS"),
        ("РИА Новости", "RIA Novosti"),
        ("Интерфакс", "Interfax"),
        ("Укрінформ", "Ukrinform"),
        ("PTI", "PTI"),
        ("IANS", "IANS"),
        ("Press Trust of India", "PTI"),
        ("The Canadian Press", "The Canadian Press"),
        ("La Presse Canadienne", "The Canadian Press"),
        ("PA Media", "PA Media"),
        ("AAP", "AAP"),
        ("ANP", "ANP"),
        ("Belga", "Belga"),
        ("ČTK", "ČTK"),
        ("PAP", "PAP"),
        ("APA", "APA"),
        ("Keystone-SDA", "Keystone-SDA"),
        ("TT Nyhetsbyrån", "TT"),
        ("NTB", "NTB"),
        ("Ritzau", "Ritzau"),
        ("Anadolu Agency", "Anadolu Agency"),
        ("Bernama", "Bernama"),
        ("Antara", "Antara"),
        ("WAFA", "WAFA"),
        ("CNN Newsource", "CNN Newsource"),
        ("CNN Wire", "CNN Newsource"),
        ("NBC News Channel", "NBC News Channel"),
        ("CBS Newspath", "CBS Newspath"),
        ("Tribune News Service", "Tribune Content Agency"),
        ("Tribune Content Agency", "Tribune Content Agency"),
        ("Washington Post Writers Group", "Washington Post Writers Group"),
        ("New York Times News Service", "The New York Times Syndicate"),
        ("Creators Syndicate", "Creators Syndicate"),
        ("KFF Health News", "KFF Health News"),
        ("Bloomberg News", "Bloomberg"),
        ("Dow Jones Newswires", "Dow Jones"),
        ("UPI", "UPI"),
    ],
)
def test_wire_copy_is_flagged_from_its_byline(line: str, agency: str) -> None:
    [finding] = find_wire_bylines([line])
    assert (finding.kind, finding.detail) == ("wire_byline", agency)


@pytest.mark.parametrize(
    "line",
    [
        "Jane Doe",
        "Ani Smith",
        "Maria Apa",
        "Paparazzi Weekly",
        "Tom Ritzauer",
        "The conversation we had",
        "Getty Images",  # a photo agency: a credit, not wire copy
        "By the pool",
    ],
)
def test_names_that_only_look_like_agencies_are_not_wire_copy(line: str) -> None:
    assert find_wire_bylines([line]) == []


@pytest.mark.parametrize(
    ("paragraph", "agency"),
    [
        ("ROME (ANSA) - The government said on Monday that", "ANSA"),
        ("KYIV, Ukraine (AP) — Russian forces struck", "Associated Press"),
        ("BERLIN (dpa) - Die Bundesregierung will", "dpa"),
        ("TOKYO (Kyodo) -- Japan's government", "Kyodo"),
        ("(Reuters) - Oil prices rose", "Reuters"),
    ],
)
def test_a_wire_dateline_opening_the_text_is_flagged(paragraph: str, agency: str) -> None:
    from syndication.ingest.findings import find_wire_dateline

    [finding] = find_wire_dateline(paragraph)
    assert finding.detail == agency


def test_a_parenthesis_that_is_no_agency_is_no_dateline() -> None:
    from syndication.ingest.findings import find_wire_dateline

    assert find_wire_dateline("WASHINGTON (Updated) - The Senate") == []
    assert find_wire_dateline("The minister (who spoke first) - said") == []


@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        ("This post originally appeared on Grist.", "Grist"),
        ("A version of this story originally appeared in The Guardian", "The Guardian"),
        ("Originally published at Yale Environment 360.", "Yale Environment 360"),
        (
            "This article is republished from The Conversation under a Creative Commons "
            "license. Read the original article.",
            "The Conversation",
        ),
        ("Republished with permission from Kaiser Health News.", "Kaiser Health News"),
    ],
)
def test_an_origin_notice_names_where_the_piece_first_ran(text: str, organisation: str) -> None:
    assert origin_notice(text) == Finding(kind="footer", text=text, detail=organisation)


@pytest.mark.parametrize(
    "text",
    [
        "First published February 1, 2016: 1:28 AM ET",
        "Originally published on 3 March 2020.",
        "Originally published Jan. 5, 2021",
        "It was originally called Zersetzung and was first used in Germany.",
        "Content created by The Daily Caller News Foundation is available without charge.",
        "Copyright 2022 The Associated Press. All rights reserved.",
    ],
)
def test_dates_sentences_and_other_footers_are_no_origin_notice(text: str) -> None:
    assert origin_notice(text) is None
