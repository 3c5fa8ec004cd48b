"""The seed text format: a date header, paragraphs, and the footer already at the end."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.sanitise import sanitise_html
from syndication.ingest.seed import SeedFormatError, parse_seed_text

SEED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "seed"
KULEBA = SEED_DIR / "dcnf-2022-03-10-kuleba-lavrov.txt"


@pytest.fixture(scope="module")
def kuleba_bytes() -> bytes:
    return KULEBA.read_bytes()


@pytest.fixture(scope="module")
def kuleba(kuleba_bytes: bytes) -> ArticleDraft:
    return parse_seed_text(kuleba_bytes, source_id=KULEBA.name)


def paragraphs(draft: ArticleDraft) -> list[str]:
    return re.findall(r"<p>(.*?)</p>", draft.body_html, flags=re.DOTALL)


def test_seed_body_has_seven_paragraphs_without_the_footer(kuleba: ArticleDraft) -> None:
    assert len(paragraphs(kuleba)) == 7
    assert "Content created by" not in kuleba.body_html


def test_seed_footer_finding_is_the_files_last_paragraph(
    kuleba: ArticleDraft, kuleba_bytes: bytes
) -> None:
    last_paragraph = kuleba_bytes.decode("utf-8").split("\n\n")[-1]
    footers = [f for f in kuleba.findings if f.kind == "footer"]
    assert [f.text for f in footers] == [last_paragraph]
    assert footers[0].detail == "The Daily Caller News Foundation"


def test_seed_promo_is_found_and_marked(kuleba: ArticleDraft) -> None:
    promos = [f for f in kuleba.findings if f.kind == "promo"]
    assert len(promos) == 1
    assert promos[0].text.startswith("(RELATED: ‘Decisive")
    assert f'<span class="promo">{promos[0].text}</span>' in kuleba.body_html


def test_seed_cites_axios_exactly_once(kuleba: ArticleDraft) -> None:
    assert [f.detail for f in kuleba.findings if f.kind == "cited_outlet"] == ["Axios"]


def test_seed_findings_are_footer_then_promos_then_outlets(kuleba: ArticleDraft) -> None:
    assert [f.kind for f in kuleba.findings] == ["footer", "promo", "cited_outlet"]


def test_seed_date_is_midnight_utc(kuleba: ArticleDraft) -> None:
    assert kuleba.published_at == datetime(2022, 3, 10, tzinfo=UTC)
    assert kuleba.published_at.utcoffset() is not None


def test_seed_text_keeps_its_exact_characters(kuleba: ArticleDraft) -> None:
    body = paragraphs(kuleba)
    assert body[0].startswith("Ukrainian Minister of Foreign Affairs Dmytro Kuleba")
    assert "Russia’s invasion" in body[1]
    assert "“not in a position to commit”" in body[2]


def test_seed_body_html_is_already_sanitised(kuleba: ArticleDraft) -> None:
    assert sanitise_html(kuleba.body_html) == kuleba.body_html


def test_seed_headline_and_summary_come_from_the_first_sentence(kuleba: ArticleDraft) -> None:
    assert kuleba.summary == (
        "Ukrainian Minister of Foreign Affairs Dmytro Kuleba and his Russian counterpart Sergei "
        "Lavrov spoke on Thursday about the possibility of a meeting between their respective "
        "presidents, Axios reported."
    )
    assert len(kuleba.headline) <= 110
    assert kuleba.headline.endswith("…")
    assert kuleba.summary.startswith(kuleba.headline.removesuffix("…"))
    assert kuleba.source_id == KULEBA.name


def test_a_given_headline_wins(kuleba_bytes: bytes) -> None:
    draft = parse_seed_text(kuleba_bytes, headline="  Kuleba and Lavrov talk  ")
    assert draft.headline == "Kuleba and Lavrov talk"


def test_a_short_first_sentence_is_the_headline_without_its_full_stop() -> None:
    draft = parse_seed_text(b"date 2024-01-02 Talks resume in U.S. capital. More follows here.")
    assert draft.headline == "Talks resume in U.S. capital"
    assert draft.summary == "Talks resume in U.S. capital."


def test_first_sentence_is_not_cut_at_abbreviations() -> None:
    draft = parse_seed_text(b"date 2024-01-02 Mr. Smith met Sen. Jones. They talked.")
    assert draft.summary == "Mr. Smith met Sen. Jones."


def test_an_ordinary_last_paragraph_is_kept() -> None:
    draft = parse_seed_text(b"date 2024-01-02 First paragraph.\n\nThe last word, Axios reported.")
    assert paragraphs(draft) == ["First paragraph.", "The last word, Axios reported."]
    assert not [f for f in draft.findings if f.kind == "footer"]


def test_the_organisations_known_footer_is_removed() -> None:
    footer = "Free to republish with credit to “The Desk.”"
    data = b'date 2024-01-02 Body.\n\nFree to republish with credit to "The Desk."'
    draft = parse_seed_text(data, known_footers=[footer])
    assert paragraphs(draft) == ["Body."]
    assert draft.findings[0].kind == "footer"


def test_text_is_escaped() -> None:
    draft = parse_seed_text(b"date 2024-01-02 <script>alert(1)</script> & more")
    assert draft.body_html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>"


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfdate 2024-01-02 Body with a BOM.",
        b"date 2024-01-02\nBody on the next line.",
        b"date 2024-01-02 Body with\r\n\r\nWindows line endings.",
        b"  date 2024-01-02 Body after spaces.\n",
    ],
)
def test_tolerated_variations(data: bytes) -> None:
    draft = parse_seed_text(data)
    assert draft.published_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert paragraphs(draft)[0].startswith("Body")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "date header"),
        (b"Kuleba and Lavrov met.", "date header"),
        (b"dated 2024-01-02 Body.", "date header"),
        (b"date 2024-13-40 Body.", "not a valid date"),
        (b"date 02/01/2024 Body.", "not a valid date"),
        (b"date 2024-01-02Body.", "not a valid date"),
        (b"date 2024-01-02", "no article text"),
        (b"date 2024-01-02   \n\n  \n", "no article text"),
        (b"date 2024-01-02 Republished with permission.", "only a licensing footer"),
        (b"date 2024-01-02 caf\xe9", "not UTF-8"),
    ],
)
def test_malformed_seed_text_is_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(SeedFormatError, match=message):
        parse_seed_text(data)


def test_seed_format_error_is_a_value_error() -> None:
    assert issubclass(SeedFormatError, ValueError)


_paragraph = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1
).filter(lambda p: p.strip() == p and p.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(_paragraph, min_size=1, max_size=6))
def test_any_paragraphs_round_trip_or_are_refused_clearly(body: list[str]) -> None:
    data = ("date 2024-01-02 " + "\n\n".join(body)).encode()
    try:
        draft = parse_seed_text(data)
    except SeedFormatError:
        return  # only when everything is a footer
    kept = [unescape(re.sub(r"</?span[^>]*>", "", p)) for p in paragraphs(draft)]
    footer = [f.text for f in draft.findings if f.kind == "footer"]
    assert "\n\n".join(kept + footer) == "\n\n".join(body)
    assert len(draft.headline) <= 110
