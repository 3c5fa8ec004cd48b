"""The default rule set reproduces the seed article's terms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.rules import (
    ArticleFacts,
    Context,
    default_rules,
    render_terms,
    resolve,
    rule_from_dict,
    rule_to_dict,
    validate_template,
)
from syndication.rules.templates import EXAMPLE_VARIABLES

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "seed"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
VARIABLES = EXAMPLE_VARIABLES
ORIGINAL_FREE = ArticleFacts(
    origin="original", policy="free_eligible", published_at=datetime(2022, 3, 10, tzinfo=UTC)
)


def seed_footer() -> str:
    text = (SEED / "dcnf-2022-03-10-kuleba-lavrov.txt").read_bytes().decode("utf-8")
    return text.split("\n\n")[-1]


def terms(fmt: str, article: ArticleFacts = ORIGINAL_FREE):
    resolution = resolve(default_rules(), article, Context("standard", fmt, NOW))
    return render_terms(resolution, VARIABLES, fmt)


def test_text_footer_equals_the_seed_footer_byte_for_byte() -> None:
    assert terms("text").footer.encode("utf-8") == seed_footer().encode("utf-8")


def test_html_footer_has_the_same_words_and_a_mailto_link() -> None:
    email = "licensing@dailycallernewsfoundation.org"
    expected = seed_footer().replace(email, f'<a href="mailto:{email}">{email}</a>')
    assert terms("html").footer == expected


def test_licensed_articles_get_the_licensed_footer() -> None:
    licensed = ArticleFacts(origin="original", policy="licensed")
    footer = terms("text", licensed).footer
    assert footer is not None
    assert "under licence LIC-42" in footer
    assert footer != seed_footer()


def test_not_syndicated_articles_get_no_footer() -> None:
    article = ArticleFacts(origin="third_party", policy="not_syndicated")
    assert terms("text", article).footer is None


def test_credit_and_originally_appeared_lines() -> None:
    html = terms("html")
    assert html.credit_line == "By Jane Doe, The Daily Caller News Foundation"
    url = VARIABLES["canonical_url"]
    assert html.originally_appeared == (
        "This article originally appeared on The Daily Caller News Foundation: "
        f'<a href="{url}">{url}</a>'
    )
    assert terms("markdown").originally_appeared.endswith(f"[{url}]({url})")


@pytest.mark.parametrize(
    ("fmt", "pixel"),
    [
        ("html", True),
        ("page_html", True),
        ("markdown", True),
        ("feed", True),
        ("text", False),
        ("ninjs", False),
        ("newsml", False),
    ],
)
def test_tracking_pixel_wherever_html_reaches_a_page(fmt: str, pixel: bool) -> None:
    rendered = terms(fmt)
    assert rendered.tracking_pixel is pixel
    assert rendered.strip_promos and rendered.strip_third_party_assets and rendered.canonical_link
    assert rendered.noindex is False


def test_default_rule_texts_are_valid_and_round_trip() -> None:
    for rule in default_rules():
        for text in (
            rule.actions.footer,
            rule.actions.credit_line,
            rule.actions.originally_appeared,
        ):
            if text is not None:
                validate_template(text)
        assert rule_from_dict(rule_to_dict(rule)) == rule


def test_default_rule_ids_are_unique() -> None:
    ids = [rule.id for rule in default_rules()]
    assert len(ids) == len(set(ids))
