"""The compliance check itself, on the real seed article's package: pure, no server."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from syndication.packaging import html
from syndication.tracking import compliance
from syndication.tracking.compliance import check_page, expected_copy, similarity
from tests.packaging import CANONICAL, PIXEL, WIRE_IMAGE, make_input, seed_article


@pytest.fixture(scope="module")
def inp():
    return make_input()


@pytest.fixture(scope="module")
def expected(inp):
    return expected_copy(inp)


@pytest.fixture(scope="module")
def page(inp) -> str:
    return html.build_page(inp).decode()


def _failed(report) -> dict[str, str]:
    return {v.check: v.evidence for v in report.verdicts if not v.passed}


def test_what_a_copy_must_carry_comes_from_the_grants_terms(expected, inp):
    terms = inp.format_terms("html")
    assert expected.credit == "By Staff Reporter, The Daily Caller News Foundation"
    assert expected.footer.startswith("Content created by The Daily Caller News Foundation")
    assert terms["footer"]  # the snapshot's rendered footer, as text
    assert expected.original_url == CANONICAL and expected.pixel_url == PIXEL
    assert expected.bylines == ("Staff Reporter",)
    # The AP photo never ships: a copy showing it breaks the terms.
    assert expected.excluded_images == (WIRE_IMAGE,)
    # Captions are not prose: the text compared is the article's running text.
    assert "DCNF/Staff" not in expected.body_text and "Axios reported" in expected.body_text


def test_the_standalone_page_as_shipped_passes(page, expected):
    report = check_page(page, expected, url="https://outlet.example/world/kuleba")
    assert report.passed, _failed(report)
    assert report.similarity == pytest.approx(1.0)
    assert [v.check for v in report.verdicts] == [
        "text",
        "credit",
        "byline",
        "footer",
        "link",
        "pixel",
        "assets",
    ]
    assert json.loads(json.dumps(report.results()))[0]["check"] == "text"


def test_house_style_edits_stay_above_the_threshold(page, expected):
    styled = page.replace("recognized", "recognised").replace("Zelenskyy", "Zelensky")
    report = check_page(styled, expected)
    assert report.passed, _failed(report)
    assert 0.97 <= report.similarity < 1.0
    text = report.verdicts[0].evidence
    assert "ours: “recognized”; the copy: “recognised”" in text


def test_a_dropped_paragraph_is_quoted_as_missing(page, expected):
    cut = re.sub(r"<p>[^<]*Putin failed to swiftly capture Kyiv[^<]*</p>", "", page)
    report = check_page(cut, expected)
    assert set(_failed(report)) == {"text"}
    assert "Missing from the copy after" in _failed(report)["text"]
    assert "“putin failed to swiftly capture kyiv" in _failed(report)["text"]


def test_one_rewritten_paragraph_is_caught_even_in_a_long_article(inp):
    long_body = "".join(f"<p>Part {n}. {inp.article.body_html}</p>" for n in range(12))
    article = replace(inp.article, body_html=long_body)
    long_inp = replace(inp, article=article)
    expected = expected_copy(long_inp)
    page = html.build_page(long_inp).decode()
    assert check_page(page, expected).passed
    rewritten = page.replace(
        "Putin failed to swiftly capture Kyiv and decapitate the Ukrainian government",
        "Analysts expect the Russian army to take Kyiv within weeks and install a new"
        " government loyal to Moscow",
        1,
    )
    report = check_page(rewritten, expected)
    assert report.similarity > 0.99  # the figure alone would let it through
    assert re.search(r"a passage of \d+ words was rewritten", _failed(report)["text"])


def test_a_passage_the_extractor_left_out_but_the_page_shows_is_not_missing(expected):
    paragraphs = expected.body_text.split(" Russia invaded Ukraine")
    assert len(paragraphs) == 2
    page = (
        "<html><body><article>"
        + "".join(f"<p>{sentence}.</p>" for sentence in paragraphs[0].split(". "))
        + "</article><aside><blockquote>Russia invaded Ukraine"
        + paragraphs[1]
        + "</blockquote></aside></body></html>"
    )
    found_text = "\n".join(paragraphs[0].split(". "))
    compared = similarity(expected.body_text, found_text, page=page)
    assert compared.ratio == pytest.approx(1.0) and compared.longest == 0


def test_a_copy_showing_the_wire_photo_breaks_the_terms(page, expected):
    with_wire = page.replace("</main>", f'<img src="{WIRE_IMAGE}?w=800" alt="Lavrov"></main>')
    failed = _failed(check_page(with_wire, expected))
    assert set(failed) == {"assets"}
    assert "lavrov-antalya.jpg" in failed["assets"]


def test_a_copy_without_any_link_to_the_original_fails_and_says_what_it_links_instead(
    page, expected
):
    moved = page.replace(CANONICAL, "https://outlet.example/world/kuleba")
    failed = _failed(check_page(moved, expected))
    assert set(failed) == {"link"}
    assert "rel=canonical points to https://outlet.example/world/kuleba" in failed["link"]


def test_a_missing_byline_is_named(page, expected):
    report = check_page(page.replace("Staff Reporter", "Courier Staff"), expected)
    failed = _failed(report)
    assert "Missing “Staff Reporter”" in failed["byline"]


def test_text_is_compared_without_case_spacing_or_typographic_quotes(expected):
    straight = expected.body_text.replace("\u201c", '"').replace("\u2019", "'").upper()
    compared = similarity(expected.body_text, f"Home  News\n{straight}\nComments (3)")
    assert compared.ratio == pytest.approx(1.0) and compared.differences == ()


def test_a_page_with_none_of_the_text_scores_zero(expected):
    compared = similarity(expected.body_text, "")
    assert compared.ratio == 0.0 and "no readable text" in compared.evidence()


def test_after_a_correction_the_note_must_be_on_the_copy(inp):
    corrected = replace(
        inp,
        article=replace(
            seed_article(),
            revision=3,
            public_note="An earlier version gave the wrong day.",
            public_note_kind="correction",
        ),
    )
    expected = expected_copy(corrected)
    assert expected.correction == "Correction: An earlier version gave the wrong day."
    old_page = html.build_page(inp).decode()
    failed = _failed(check_page(old_page, expected))
    assert set(failed) == {"correction"}
    assert check_page(html.build_page(corrected).decode(), expected).passed


def test_an_update_note_is_not_required_on_copies(inp):
    updated = replace(
        inp,
        article=replace(seed_article(), public_note="Adds a quote.", public_note_kind="update"),
    )
    assert expected_copy(updated).correction == ""


def test_a_withdrawn_copy_passes_only_once_the_text_is_gone(inp, page):
    expected = expected_copy(inp, withdrawn="licence LIC-2026-0017 was revoked")
    still_there = check_page(page, expected)
    assert not still_there.passed
    (verdict,) = still_there.verdicts
    assert verdict.check == "removed" and "still on the page" in verdict.evidence
    replaced = "<html><body><h1>Page removed</h1><p>This story is no longer available.</p>"
    assert check_page(replaced, expected).passed
    assert compliance.gone_report(410, "revoked").passed


def test_hostile_markup_is_read_without_error(expected):
    for hostile in ("", "<", "<html><body>" + "<div>" * 5000, "\x00\x01<p>x</p>", "<?xml?>"):
        report = check_page(hostile, expected)
        assert not report.passed


def test_a_page_in_a_legacy_encoding_is_decoded_as_a_browser_would(page):
    latin = page.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    latin = latin.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    assert "Kuleba" in compliance.page_text(latin.encode("cp1252"))
