"""Rule texts: validation in the sandbox and rendering per format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from syndication.rules import (
    VARIABLES,
    Actions,
    ArticleFacts,
    Context,
    Rule,
    TemplateError,
    format_text,
    render_terms,
    render_text,
    resolve,
    validate_template,
)
from syndication.rules import templates as templates_module

VARS = {
    "organisation": "The Daily Caller News Foundation",
    "organisation_url": "https://dailycallernewsfoundation.org/",
    "licensing_email": "licensing@dailycallernewsfoundation.org",
    "headline": "Kuleba & Lavrov <meet>",
    "byline": "Jane Doe",
    "canonical_url": "https://dailycallernewsfoundation.org/2022/03/10/kuleba/",
    "published_date": "2022-03-10",
    "partner_name": "The Gazette",
    "partner_tier": "standard",
    "licence_id": "LIC-42",
}


def test_every_documented_variable_is_accepted() -> None:
    validate_template(" ".join(f"{{{{ {name} }}}}" for name in VARIABLES))


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("Fine line\n{% if organisation %}\nno end", 2, "syntax error"),
        ("{{ organisation }\n", 1, "syntax error"),
        ("Hello\n\n{{ orgnisation }}", 3, "unknown variable 'orgnisation'"),
        ("{{ range(10) }}", 1, "unknown variable 'range'"),
        ("{{ config }}", 1, "unknown variable 'config'"),
        ("{{ ''.__class__ }}", 1, "access to attribute '__class__' is not allowed"),
        ("{{ headline['__class__'] }}", 1, "access to attribute '__class__' is not allowed"),
        ("x\n{{ headline.nope }}", 2, "has no attribute 'nope'"),
        ("{% include 'secrets.txt' %}", 1, "cannot include, import or extend"),
        ("{{ organisation * 1000000 }}", 1, "repetition too large"),
        ("{{ '%999999999s' % headline }}", 1, "%-formatting of text is not allowed"),
        ("{{ headline|center(999999999) }}", 1, "No filter named 'center'"),
        (
            "{% for a in headline %}\n{% for b in byline %}x{% endfor %}{% endfor %}",
            2,
            "loops inside loops",
        ),
    ],
)
def test_invalid_template_is_rejected_with_line_and_reason(
    source: str, line: int, reason: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        validate_template(source)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"line {line}: ")


def test_overlong_template_is_rejected() -> None:
    with pytest.raises(TemplateError, match="at most 5000 characters"):
        validate_template("x" * 5_001)


def test_a_single_loop_and_filters_are_fine() -> None:
    validate_template("{% for word in headline.split() %}{{ word|upper }} {% endfor %}")


def test_sandbox_blocks_attribute_access_that_static_checks_cannot_see() -> None:
    # The attr filter builds the name at run time; only the sandbox can stop it.
    with pytest.raises(TemplateError, match="not allowed"):
        validate_template("{{ headline|attr('__cla' ~ 'ss__') }}")


def test_sandbox_blocks_at_render_time_too() -> None:
    # A Rule built in code skips rule_from_dict validation; rendering is still safe.
    with pytest.raises(TemplateError, match="not allowed"):
        render_text("{{ headline|attr('__cla' ~ 'ss__') }}", VARS, "text")


def test_unknown_variable_in_values_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown template variable 'secret'"):
        render_text("x", {"secret": "1"}, "text")


def test_missing_values_render_empty() -> None:
    assert render_text("By {{ byline }}.", {}, "text") == "By ."


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "Kuleba & Lavrov <meet> — write to licensing@dailycallernewsfoundation.org."),
        ("ninjs", "Kuleba & Lavrov <meet> — write to licensing@dailycallernewsfoundation.org."),
        (
            "html",
            "Kuleba &amp; Lavrov &lt;meet&gt; — write to "
            '<a href="mailto:licensing@dailycallernewsfoundation.org">'
            "licensing@dailycallernewsfoundation.org</a>.",
        ),
        (
            "markdown",
            "Kuleba \\& Lavrov \\<meet\\> — write to <licensing@dailycallernewsfoundation.org>.",
        ),
    ],
)
def test_each_format_gets_its_variant(fmt: str, expected: str) -> None:
    source = "{{ headline }} — write to {{ licensing_email }}."
    assert render_text(source, VARS, fmt) == expected


def test_html_variant_is_markup_and_escapes_literal_text_too() -> None:
    rendered = render_text("<b>{{ partner_name }}</b>", VARS, "page_html")
    assert isinstance(rendered, Markup)
    assert rendered == "&lt;b&gt;The Gazette&lt;/b&gt;"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "Read it at https://example.org/a_(b)?x=1&y=2."),
        (
            "html",
            'Read it at <a href="https://example.org/a_(b)?x=1&amp;y=2">https://example.org/a_(b)?x=1&amp;y=2</a>.',
        ),
        (
            "markdown",
            "Read it at [https://example.org/a\\_(b)?x=1\\&y=2](<https://example.org/a_(b)?x=1&y=2>).",
        ),
    ],
)
def test_urls_become_links_without_the_closing_full_stop(fmt: str, expected: str) -> None:
    assert format_text("Read it at https://example.org/a_(b)?x=1&y=2.", fmt) == expected


def test_url_in_parentheses_keeps_the_parenthesis_outside() -> None:
    assert format_text("(see https://example.org/x)", "html") == (
        '(see <a href="https://example.org/x">https://example.org/x</a>)'
    )


def test_javascript_urls_are_not_linked() -> None:
    assert format_text("javascript:alert(1)", "html") == "javascript:alert(1)"


def test_markdown_escapes_line_start_markers() -> None:
    assert format_text("# not a heading\n- not a list\n1. not a list", "markdown") == (
        "\\# not a heading\n\\- not a list\n1\\. not a list"
    )


def test_templates_are_compiled_once_per_source() -> None:
    source = "cache probe {{ headline }}"
    before = templates_module._compiled.cache_info()
    for _ in range(5):
        render_text(source, VARS, "text")
    after = templates_module._compiled.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 4


def test_render_terms_renders_texts_and_flags_for_the_format() -> None:
    rule = Rule(
        id=1,
        name="all",
        actions=Actions(
            footer="Contact {{ licensing_email }}",
            credit_line="By {{ byline }}, {{ organisation }}",
            originally_appeared="",
            tracking_pixel=True,
        ),
    )
    article = ArticleFacts(origin="original", policy="free_eligible")
    resolution = resolve([rule], article, Context(None, "html", datetime(2024, 1, 1, tzinfo=UTC)))
    terms = render_terms(resolution, VARS)
    assert terms.format == "html"
    assert terms.footer == (
        'Contact <a href="mailto:licensing@dailycallernewsfoundation.org">'
        "licensing@dailycallernewsfoundation.org</a>"
    )
    assert terms.credit_line == "By Jane Doe, The Daily Caller News Foundation"
    assert terms.originally_appeared is None  # "" is "no text"
    assert terms.tracking_pixel is True
    assert terms.strip_third_party_assets is True  # default
    assert render_terms(resolution, VARS, "text").footer == (
        "Contact licensing@dailycallernewsfoundation.org"
    )


def test_render_terms_refuses_an_unknown_format() -> None:
    resolution = resolve(
        [],
        ArticleFacts(origin="original", policy="licensed"),
        (None, "text", datetime(2024, 1, 1, tzinfo=UTC)),
    )
    with pytest.raises(ValueError, match="unknown output format 'pdf'"):
        render_terms(resolution, VARS, "pdf")
