"""article.txt and article.md read as a person expects, whatever markup the body holds."""

from __future__ import annotations

import pytest

from syndication.packaging import markdown, text
from tests.packaging import make_input, seed_article, seed_footer

OWN_IMAGE = "https://dailycallernewsfoundation.org/media/kyiv-street.jpg"

# body HTML -> (article.txt body, article.md body)
READINGS = {
    "lists": (
        "<p>Intro:</p><ul><li>one</li><li><em>two</em> &amp; more</li></ul>"
        "<ol><li>first</li><li>second<br>line</li></ol>",
        "Intro:\n\n- one\n- two & more\n\n1. first\n2. second\n   line",
        "Intro:\n\n- one\n- *two* \\& more\n\n1. first\n2. second\\\n   line",
    ),
    "nested lists": (
        "<ul><li>one</li><li>two<ul><li>deep</li></ul></li></ul>",
        "- one\n- two\n  - deep",
        "- one\n- two\n  - deep",
    ),
    "links": (
        '<p>See <a href="https://x.example/?a=1&amp;b=2" rel="noopener">the <strong>full'
        '</strong> report</a> and <a href="https://x.example/a (b)">this</a>.</p>',
        "See the full report and this.",
        "See [the **full** report](https://x.example/?a=1&b=2) and"
        " [this](<https://x.example/a (b)>).",
    ),
    "blockquotes": (
        "<blockquote><p>Quoted <em>words</em>.</p><p>Second.</p></blockquote><p>After.</p>",
        "> Quoted words.\n>\n> Second.\n\nAfter.",
        "> Quoted *words*.\n>\n> Second.\n\nAfter.",
    ),
    "tables": (
        "<table><thead><tr><th>City</th><th>Stops</th></tr></thead><tbody><tr><td>North</td>"
        "<td>12</td></tr><tr><td><em>South</em></td><td>9</td></tr></tbody></table>",
        "City | Stops\nNorth | 12\nSouth | 9",
        "| City | Stops |\n| --- | --- |\n| North | 12 |\n| *South* | 9 |",
    ),
    "figures": (
        f'<p>Before.</p>\n<figure>\n<img src="{OWN_IMAGE}" alt="A [street]">\n'
        "<figcaption>Kyiv, <em>March</em> 9.</figcaption>\n</figure>\n<p>After.</p>",
        "Before.\n\nKyiv, March 9.\n\nAfter.",
        "Before.\n\n![A \\[street\\]](images/kyiv-street.png)\n\nKyiv, *March* 9.\n\nAfter.",
    ),
    "nested inline markup": (
        "<p>A <strong>bold <em>and italic</em></strong> word, <s>struck</s>, H<sub>2</sub>O,"
        " x<sup>2</sup>, <code>a_b*c</code>, <u>under</u>, <b>spaced </b>out.</p>",
        "A bold and italic word, struck, H2O, x2, a_b*c, under, spaced out.",
        # Only the innermost emphasis of a nest takes delimiters (nested runs pair
        # by CommonMark's delimiter rules); the one around it is an HTML element.
        "A <strong>bold *and italic*</strong> word, ~~struck~~, H<sub>2</sub>O, x<sup>2</sup>,"
        " `a_b*c`, under, **spaced** out.",
    ),
    "entities and markers": (
        "<p>Fish &amp; chips &lt;b&gt; “quoted” 1 &gt; 0</p><h2># not a heading</h2>"
        "<p>- not a list</p><p>2021. A year</p><p>+ plus<br>3) three</p>",
        "Fish & chips <b> “quoted” 1 > 0\n\n# not a heading\n\n- not a list\n\n2021. A year"
        "\n\n+ plus\n3) three",
        "Fish \\& chips \\<b\\> “quoted” 1 \\> 0\n\n## \\# not a heading\n\n\\- not a list"
        "\n\n2021\\. A year\n\n\\+ plus\\\n3\\) three",
    ),
    "headings, rules and code": (
        "<h2>Sub</h2><h3>Subsub</h3><hr><pre>code ``` \n  block</pre>",
        "Sub\n\nSubsub\n\n* * *\n\ncode ``` \n  block",
        "## Sub\n\n### Subsub\n\n***\n\n````\ncode ``` \n  block\n````",
    ),
    "whitespace and breaks": (
        "\n<p>  lots   of\n  space </p>\n\n<p>line<br>break <br> again<br></p>\n<p> </p>",
        "lots of space\n\nline\nbreak\nagain",
        "lots of space\n\nline\\\nbreak\\\nagain",
    ),
}


def _bodies(body_html: str) -> tuple[str, str]:
    inp = make_input(seed_article(body_html=body_html))
    md = markdown.build(inp).decode()
    start = md.index("\n\n", md.index("By Staff Reporter")) + 2
    end = md.index("\n\nThis article originally appeared")
    # The file holds the body exactly as body_markdown gives it on its own.
    assert md[start:end] == markdown.body_markdown(inp)
    return text.body_text(inp), md[start:end]


@pytest.mark.parametrize("case", READINGS)
def test_text_and_markdown_read_as_a_person_expects(case: str) -> None:
    body_html, want_text, want_markdown = READINGS[case]
    assert _bodies(body_html) == (want_text, want_markdown)


def test_seed_text_and_markdown_keep_every_paragraph_and_end_with_the_footer() -> None:
    inp = make_input()
    out, md = text.build(inp).decode(), markdown.build(inp).decode()
    assert out.startswith("Ukrainian Minister of Foreign Affairs Dmytro Kuleba")
    assert "\n\nTalks in Turkey ended without a ceasefire\n\n" in out
    assert "Lavrov was “not in a position to commit” to establishing" in out
    assert "\n\nKyiv on March 9. (DCNF/Staff)\n\n" in out
    assert out.endswith(seed_footer())
    assert "\n\n![](images/kyiv-street.png)\n\nKyiv on March 9. (DCNF/Staff)\n\n" in md
    # The image is a block of its own, and so is the tracking pixel (inline HTML, last).
    assert md.count("\n\n") == out.count("\n\n") + 2
    assert md.rstrip("\n").rsplit("\n\n", 1)[1].startswith("<img src=")
    assert "<" not in out and "&amp;" not in out and "\\" not in out
