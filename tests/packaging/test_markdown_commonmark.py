"""article.md read back by a real CommonMark parser says what the article says.

markdown-it-py (CommonMark, with GFM tables and strikethrough) renders each Markdown body; its
text must be the body's own text: no markup read as literal characters, no
literal characters read as markup, nothing dropped. The text format is held
to the same body: every text of the body appears in article.txt.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from syndication.ingest.sanitise import sanitise_html
from syndication.packaging import markdown, text
from syndication.packaging.inputs import parse_fragment
from tests.packaging import CORPUS_FILES, CORPUS_REFUSED, corpus_drafts, make_input, seed_article

# CommonMark plus the two GFM extensions the writer uses: tables and ~~strikethrough~~.
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_WHITE = re.compile(r"\s+")


def _text_of(html: str) -> str:
    """The text a reader sees in ``html``, white space removed (layout differs by format)."""
    return _WHITE.sub("", "".join(parse_fragment(html).itertext()))


def _readings(body_html: str) -> tuple[str, str, str]:
    """The body's own text, its Markdown rendered by CommonMark, and its plain text."""
    inp = make_input(seed_article(body_html=body_html), assets=())
    rendered = COMMONMARK.render(markdown.body_markdown(inp))
    return _text_of(_prepared(body_html)), _text_of(rendered), text.body_text(inp)


def _prepared(body_html: str) -> str:
    """The body as the formats read it (promos stripped, as the default rules say)."""
    return make_input(seed_article(body_html=body_html), assets=()).body("markdown").html


@pytest.mark.parametrize(
    ("body_html", "shows"),
    [
        # Emphasis whose edge is punctuation next to a letter: "**Update:**now" is
        # not emphasis in CommonMark, and shows its asterisks.
        ("<p><strong>Update:</strong>now</p>", "Update:now"),
        ("<p>x<em>(a)</em>y</p>", "x(a)y"),
        ("<p><em>a</em><em>b</em></p>", "ab"),
        ("<p><strong><strong>deep</strong></strong></p>", "deep"),
        # "!" before a link would make it an image.
        ('<p>Wow!<a href="https://x.example/">read</a></p>', "Wow!read"),
        # Code with backticks and line breaks.
        ("<p><code>a `b` c</code></p>", "a `b` c"),
        ("<p><code>`edge`</code></p>", "`edge`"),
        ("<p><code>one<br>two</code></p>", "onetwo"),
        # A heading ending in "#" would lose it as a closing sequence.
        ("<h2>Issue #</h2>", "Issue #"),
        # Line breaks in a table cell.
        ("<table><tr><th>a<br>b</th><th>c</th></tr><tr><td>d</td><td>e</td></tr></table>", "abcde"),
    ],
)
def test_markdown_reads_back_as_the_same_text(body_html: str, shows: str) -> None:
    own, rendered, _ = _readings(body_html)
    assert own == _WHITE.sub("", shows)
    assert rendered == own


@pytest.mark.parametrize(
    "body_html",
    [
        # WordPress blocks: a table, a pull quote, an embed and a gallery are figures.
        "<figure><table><tr><td>Cell 1</td><td>Cell 2</td></tr></table>"
        "<figcaption>Caption</figcaption></figure>",
        "<figure><blockquote><p>Pulled quote</p><cite>Someone</cite></blockquote></figure>",
        '<figure><p><a href="https://x.example/v">Watch the video</a></p></figure>',
        '<figure><ul><li><figure><img src="https://x.example/a.jpg" alt="">'
        "<figcaption>First photo</figcaption></figure></li></ul><figcaption>Gallery</figcaption>"
        "</figure>",
    ],
)
def test_figures_keep_what_they_hold_in_text_and_markdown(body_html: str) -> None:
    own, rendered, plain = _readings(body_html)
    assert rendered == own
    _assert_every_text_in(plain, body_html)


_PIECES = [*"abc XYZ 12 *_`[]()#+-!<>&\\|~.:'\"", "  ", "1.", "- ", "# ", "> ", "**"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=8).map(lambda p: escape("".join(p), False))
_LINK = 'href="https://x.example/a?b=1&amp;c=(2)"'


def _inline(depth: int = 0) -> st.SearchStrategy[str]:
    if depth > 2:
        return _TEXT
    inner = st.deferred(lambda: _inline(depth + 1))
    node = st.one_of(
        _TEXT,
        _TEXT,
        inner.map(lambda s: f"<em>{s}</em>"),
        inner.map(lambda s: f"<strong>{s}</strong>"),
        inner.map(lambda s: f"<s>{s}</s>"),
        inner.map(lambda s: f"<a {_LINK}>{s}</a>"),
        _TEXT.map(lambda s: f"<code>{s}</code>"),
        st.just("<br>"),
    )
    return st.lists(node, min_size=1, max_size=4).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=_inline(),
    block=st.sampled_from(
        [
            "<p>{}</p>",
            "<h3>{}</h3>",
            "<ul><li>{}</li><li>x</li></ul>",
            "<table><tr><td>{}</td><td>y</td></tr></table>",
        ]
    ),
)
def test_any_inline_markup_reads_back_from_markdown(content: str, block: str) -> None:
    own, rendered, _ = _readings(sanitise_html(block.format(content)))
    assert rendered == own


def _blocks(inline: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Bodies of nested blocks: lists in lists, quotes, rules, code, figures."""
    paragraph = inline.map(lambda s: f"<p>{s}</p>")
    leaf = st.one_of(
        paragraph,
        inline.map(lambda s: f"<h2>{s}</h2>"),
        st.just("<hr>"),
        st.tuples(_TEXT, _TEXT).map(lambda pair: f"<pre>{pair[0]}\n{pair[1]}</pre>"),
    )

    def nest(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        many = st.lists(children, min_size=1, max_size=3).map("".join)
        item = st.one_of(inline, many).map(lambda s: f"<li>{s}</li>")
        return st.one_of(
            st.lists(item, min_size=1, max_size=3).map(lambda s: f"<ul>{''.join(s)}</ul>"),
            st.lists(item, min_size=1, max_size=3).map(lambda s: f"<ol>{''.join(s)}</ol>"),
            many.map(lambda s: f"<blockquote>{s}</blockquote>"),
            st.tuples(many, inline).map(
                lambda pair: f"<figure>{pair[0]}<figcaption>{pair[1]}</figcaption></figure>"
            ),
        )

    return st.lists(st.recursive(leaf, nest, max_leaves=6), min_size=1, max_size=3).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_blocks(_inline(2)))
def test_any_nesting_of_blocks_reads_back_from_markdown(body: str) -> None:
    own, rendered, _ = _readings(sanitise_html(body))
    assert rendered == own


def _corpus_bodies(path: Path) -> list[str]:
    if path.name in CORPUS_REFUSED:
        return []
    return [draft.body_html for draft in corpus_drafts(path)]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_every_corpus_article_reads_back_from_markdown_and_text(path: Path) -> None:
    for n, body_html in enumerate(_corpus_bodies(path)):
        own, rendered, plain = _readings(body_html)
        assert rendered == own, f"{path.name} #{n}"
        _assert_every_text_in(plain, body_html, f"{path.name} #{n}")


def _assert_every_text_in(plain: str, body_html: str, where: str = "") -> None:
    # The text format marks lists, quotes and tables; every text is still there.
    flat = _WHITE.sub("", plain)
    for piece in parse_fragment(_prepared(body_html)).itertext():
        assert _WHITE.sub("", piece) in flat, f"{where}: {piece!r} is missing"
