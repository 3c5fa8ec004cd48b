"""Rule texts are bounded in output, work and time, checked once when a rule is saved."""

from __future__ import annotations

import itertools

import pytest

from syndication.rules import templates
from syndication.rules.templates import (
    EXAMPLE_VARIABLES,
    RenderLimits,
    TemplateError,
    render_text,
    validate_template,
)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # The probe's own payloads: 12 s of CPU and 190 MB each, before.
        ("{{ organisation*10000*300 }}", "repetition too large"),
        ("{% for c in organisation*300 %}{{ organisation*300 }}{% endfor %}", "renders more than"),
        ("{{ headline|replace('', organisation*300) }}", "builds more than"),
        (
            "{% for c in headline %}{{ headline|replace('', organisation) }}{% endfor %}",
            "more than",
        ),
        ("{{ [organisation*300] * 20000 }}", "lists and dicts are not allowed"),
        ("{{ headline ~ headline }}", "joining with ~ is not allowed"),
        ("{% set x %}{{ headline }}{% endset %}{{ x }}", "blocks that capture text"),
        ("{% macro m(x) %}{{ m(x) }}{% endmacro %}{{ m(headline) }}", "macros"),
        ("{{ headline.center(99999999) }}", "the text method 'center' is not allowed"),
        ("{{ headline|batch(99999999, 'x')|list }}", "more than 1000 pieces"),
        ("{{ headline|tojson }}", "No filter named 'tojson'"),
    ],
)
def test_expensive_texts_are_refused_with_a_reason(source: str, reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        validate_template(source)
    assert reason in caught.value.reason


def test_a_text_that_grows_only_with_long_values_is_refused_at_save() -> None:
    # Fine with the example headline; not with a headline at the longest a value may be.
    source = "{% for c in headline %}{{ organisation }}{% endfor %}"
    assert len(render_text(source, EXAMPLE_VARIABLES, "text")) < 10_000
    with pytest.raises(TemplateError, match="renders more than 10,000 characters"):
        validate_template(source)


def test_real_values_are_cut_to_the_length_the_trial_render_used() -> None:
    long = {**EXAMPLE_VARIABLES, "headline": "x" * 50_000}
    assert render_text("{{ headline }}", long, "text") == "x" * templates.MAX_VARIABLE_CHARS


def test_a_loop_that_runs_past_its_time_is_stopped_at_the_deadline() -> None:
    # The clock is the test's: every reading is a second later, so the first line of
    # the loop is past a 250 ms deadline, however fast this machine is.
    ticks = itertools.count()
    limits = RenderLimits(clock=lambda: float(next(ticks)))
    source = "{% for c in organisation %}{% if c == 'z' %}{% endif %}{% endfor %}"
    with pytest.raises(TemplateError, match="too slow: it takes longer than 250 ms"):
        templates._render_plain(source, templates._prepare(EXAMPLE_VARIABLES), limits)


def test_a_loop_within_its_time_renders() -> None:
    limits = RenderLimits(clock=lambda: 0.0)
    source = "{% for w in headline.split() %}{{ w|upper }} {% endfor %}"
    out = templates._render_plain(source, templates._prepare(EXAMPLE_VARIABLES), limits)
    assert out.startswith("UKRAINE'S FOREIGN")


def test_ordinary_footers_pass() -> None:
    validate_template(
        "Content created by {{ organisation }} is available without charge to any eligible "
        "news publisher. For licensing, contact {{ licensing_email }}."
    )
    validate_template("{% for word in headline.split() %}{{ word|title }} {% endfor %}")
    validate_template("{{ headline|replace('Ukraine', 'UA')|truncate(40) }}")


def test_rendering_leaves_no_trace_function_behind() -> None:
    import sys

    before = sys.gettrace()
    render_text("{% for c in headline %}{{ c }}{% endfor %}", EXAMPLE_VARIABLES, "text")
    assert sys.gettrace() is before
