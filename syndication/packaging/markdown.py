"""article.md: the article as Markdown (CommonMark), credit and footer in Markdown form.

A small walk rather than an HTML-to-Markdown library: the body is our own
sanitised HTML with a dozen tags, and the walk shares its block logic with the
plain-text format (:class:`~syndication.packaging.text.TextWriter`).

The output is CommonMark plus two GFM extensions, tables and ~~strikethrough~~,
and it reads back as the body's own text (tests render it with markdown-it-py).
Where Markdown syntax cannot say a thing exactly, CommonMark's inline HTML does:
an emphasis whose delimiters would not be read as such next to its neighbours,
or that holds another, code holding a "|" in a table cell, a line break in a
cell, ``<sub>``/``<sup>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape as html_escape
from typing import Any, NamedTuple

from syndication.packaging import splice
from syndication.packaging.html import pixel_line
from syndication.packaging.inputs import (
    REVISIONS_KEPT,
    ArticleRevision,
    PackageInput,
    PreparedBody,
)
from syndication.packaging.markup import Element
from syndication.packaging.text import TextWriter

# Punctuation that is Markdown syntax anywhere in a line; backslash-escaped.
_SPECIAL_CHARS = "\\`*_[]<>&~|"
_SPECIAL = re.compile(f"[{re.escape(_SPECIAL_CHARS)}]")
# Line starts that would turn a paragraph into a heading, list or rule.
_LINE_START = re.compile(r"(?m)^([ \t]*)([#+=-]|\d+(?=[.)]))")
_EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**", "s": "~~"}
# Runs of unescaped "*" or "~" (an even number of backslashes before them): in a
# core, the delimiters of the emphasis nested inside.
_DELIMITER_RUN = re.compile(r"(?<!\\)(?:\\\\)*[*~]")
# A block that is a list: texts escape a marker at a line start, so only a list starts so.
_LIST_ITEM = re.compile(r"(?:- |\d+\. )")
# Between two code spans, their backtick fences would run together: an empty comment
# (inline HTML, which renders as nothing) keeps them apart.
_SPAN_SEPARATOR = "<!-- -->"
# The HTML element written instead where the Markdown delimiters would not read as emphasis.
_FALLBACK = {"em": "em", "i": "em", "strong": "strong", "b": "strong", "s": "s"}


def _run_of_all_but(chars: str) -> re.Pattern[str]:
    """A pattern for a run of any characters but ``chars``, written as the ranges between them."""
    ranges: list[str] = []
    start = 0
    for code in sorted(map(ord, chars)):
        if code > start:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
        start = code + 1
    ranges.append(f"{re.escape(chr(start))}-\U0010ffff")
    return re.compile(f"[{''.join(ranges)}]*+")


# Most texts hold no special character at all. One possessive run of ranges
# tells so about 1.5x faster than the search that sub() makes.
_PLAIN = _run_of_all_but(_SPECIAL_CHARS)


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match[0]


def escape(text: str) -> str:
    """Plain text as literal Markdown."""
    if _PLAIN.fullmatch(text):
        return text
    # A function, not r"\\\1": a template costs a Python-level expansion per call.
    return _SPECIAL.sub(_backslash, text)


def _line_start(match: re.Match[str]) -> str:
    lead, marker = match[1], match[2]
    # "1." at a line start is a list item: escape the dot that follows instead.
    return f"{lead}{marker}\\" if marker[0].isdigit() else f"{lead}\\{marker}"


def _is_space(char: str) -> bool:
    # The edges of a line count as white space for CommonMark's flanking rules.
    return not char or char.isspace()


def _is_punctuation(char: str) -> bool:
    # CommonMark 0.31: ASCII punctuation and Unicode P* and S* characters.
    return unicodedata.category(char)[0] in "PS"


def _can_open(before: str, first: str) -> bool:
    """Whether a delimiter run between ``before`` and ``first`` is left-flanking."""
    return not _is_space(first) and (
        not _is_punctuation(first) or _is_space(before) or _is_punctuation(before)
    )


def _can_close(last: str, after: str) -> bool:
    """Whether a delimiter run between ``last`` and ``after`` is right-flanking."""
    return not _is_space(last) and (
        not _is_punctuation(last) or _is_space(after) or _is_punctuation(after)
    )


@dataclass(slots=True)
class _Emphasis:
    """An emphasis element whose delimiters wait for its neighbours to be known."""

    mark: str  # "*", "**" or "~~"
    tag: str  # the HTML element to fall back on: "em", "strong" or "s"
    lead: str  # white space moved outside the delimiters
    core: str
    trail: str

    def render(self, before: str, after: str) -> str:
        """``*core*`` where CommonMark reads it as emphasis here, else ``<em>core</em>``."""
        core = self.core
        before = self.lead[-1:] or before
        after = self.trail[:1] or after
        char = self.mark[0]
        first, last = core[0], core[-1]
        # A letter or digit at an edge flanks whatever is outside: the usual case,
        # settled without looking up Unicode categories.
        fits = (
            before != char
            and after != char
            and (first.isalnum() or _can_open(before, first))
            and (last.isalnum() or _can_close(last, after))
            and (("*" not in core and "~" not in core) or _nests_cleanly(core))
        )
        if fits:
            return f"{self.lead}{self.mark}{self.core}{self.mark}{self.trail}"
        return f"{self.lead}<{self.tag}>{self.core}</{self.tag}>{self.trail}"


def _nests_cleanly(core: str) -> bool:
    """Whether ``core`` holds no emphasis delimiters of its own.

    Nested delimiter runs pair by their lengths and neighbours (``*a *b* c*``,
    ``***a** b*``, the rule of three), which is easy to get wrong: only the
    innermost emphasis of a nest is written with them, those around it as HTML.
    """
    return _DELIMITER_RUN.search(core) is None


def _code_lines(nodes: list[Any]) -> list[str]:
    """The text of inline code, split where it holds a <br>, white space collapsed."""
    lines = [""]

    def walk(children: list[Any]) -> None:
        for node in children:
            if isinstance(node, str):
                lines[-1] += node
            elif node[0] == "br":
                lines.append("")
            else:
                walk(node[2])

    walk(nodes)
    return [" ".join(line.split()) for line in lines]


def _code_span(code: str) -> str:
    """``code`` as a CommonMark code span that shows it exactly (none if it is empty)."""
    if not code:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
    # A backtick at an edge would join the fence; CommonMark strips one space each side.
    pad = " " if code[0] == "`" or code[-1] == "`" else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _first_char(parts: list[Any], start: int) -> str:
    """The first character that ``parts[start:]`` will write ("" at the end)."""
    for part in parts[start:]:
        if isinstance(part, _Emphasis):
            # Its delimiters are not settled yet: assume the Markdown ones.
            return (part.lead or part.mark)[0]
        if part:
            return part[0]
    return ""


def _ends_unescaped(text: str, char: str) -> bool:
    """Whether ``text`` ends in ``char`` and no backslash escapes it."""
    if not text.endswith(char):
        return False
    backslashes = len(text) - 1 - len(text[:-1].rstrip("\\"))
    return backslashes % 2 == 0


def _destination(url: str) -> str:
    # Angle brackets let a URL hold spaces and parentheses; < > themselves are encoded.
    url = url.replace("<", "%3C").replace(">", "%3E").replace("\n", "")
    return f"<{url}>" if any(c in url for c in " ()") else url


class MarkdownWriter(TextWriter):
    """The text walk with Markdown decoration."""

    # Not "---": "- ---" (a list item holding a rule) would read as one rule, and
    # "---" under a line of text underlines it as a heading.
    rule = "***"
    # Characters that make inline code be written as an HTML element (see below).
    code_breakers = ""

    def escape(self, text: str) -> str:
        """Body text as literal Markdown."""
        return text if _PLAIN.fullmatch(text) else _SPECIAL.sub(_backslash, text)

    def finish_block(self, text: str) -> str:
        """Escape markers at line starts; hard breaks for <br>."""
        if "\n" in text:
            return _LINE_START.sub(_line_start, text).replace("\n", "\\\n")
        # One line: only its start can hold a marker (a multiline sub tries every position).
        match = _LINE_START.match(text)
        return text if match is None else _line_start(match) + text[match.end() :]

    def heading(self, level: int, text: str) -> str:
        """An ATX heading, one level below the article's own title."""
        # A heading is one line: its line breaks become spaces.
        text = text.replace("\\\n", " ")
        if _ends_unescaped(text, "#"):
            # A closing run of "#" after a space would be read as the heading's end.
            text = text[:-1] + "\\#"
        return f"{'#' * min(level, 6)} {text}"

    def join_inline(self, parts: list[Any]) -> str:
        """Inline parts as Markdown, each emphasis's delimiters chosen with its neighbours.

        CommonMark reads ``*`` as emphasis only where the characters around it
        allow (its flanking rules): ``**Update:**now`` shows its asterisks. An
        emphasis that would not read as one is written as an HTML element.
        """
        if len(parts) == 1 and parts[0].__class__ is str:
            return parts[0]  # the text of a link or an emphasis, mostly: nothing to settle
        out: list[str] = []
        for i, part in enumerate(parts):
            if part.__class__ is not str:
                part = part.render(out[-1][-1] if out else "", _first_char(parts, i + 1))
            elif not part:
                continue
            elif part[0] == "[" and out and _ends_unescaped(out[-1], "!"):
                # Only a link starts with an unescaped "[": after a "!" it would be an image.
                out[-1] = out[-1][:-1] + "\\!"
            elif part[0] == "`" and out and out[-1][-1] == "`":
                # Backslashes escape nothing in a code span: any backtick before it counts.
                out.append(_SPAN_SEPARATOR)
            out.append(part)
        return "".join(out)

    def _emphasis(self, element: Element, inner: str) -> str | _Emphasis:
        if not inner.strip():
            return inner
        # Emphasis markers must touch the text; spaces stay outside.
        core = inner.strip()
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        return _Emphasis(_EMPHASIS[element[0]], _FALLBACK[element[0]], lead, core, trail)

    def inline_element(self, element: Element, inner: str) -> Any:
        """Links and code in Markdown syntax, emphasis to be settled; others keep their content."""
        tag = element[0]
        if tag in _EMPHASIS:
            return self._emphasis(element, inner)
        if tag == "code":
            lines = _code_lines(element[2])
            breakers = self.code_breakers
            if breakers and any(char in line for line in lines for char in breakers):
                # Between HTML tags is Markdown text again: escaped, so nothing breaks.
                return f"<code>{'<br>'.join(escape(line) for line in lines)}</code>"
            # Code keeps its line breaks as breaks between spans: a span holds one line.
            return "\n".join(_code_span(line) for line in lines)
        if not inner.strip():
            return inner
        if tag == "a":
            href = element[1].get("href")
            if not href:
                return inner
            if "`" in inner and "]" in inner and not self.code_breakers:
                # A "]" in a code span ends the link text for the block parser, which
                # reads "[text]:" as a link definition before it knows code spans.
                inner = _GUARDED_WRITER.inline(element[2])
            return f"[{inner}]({_destination(href)})"
        if tag in ("sub", "sup"):
            return f"<{tag}>{inner}</{tag}>"
        return inner

    def item_body(self, blocks: list[str]) -> str:
        """The blocks of a list item, a blank line between two (a nested list stays tight).

        Without the blank line a paragraph would run on into the next, and a
        rule under one would underline it as a heading.
        """
        out = blocks[0]
        for block in blocks[1:]:
            out += ("\n" if _LIST_ITEM.match(block) else "\n\n") + block
        return out

    def table_cell(self, cell: Element) -> str:
        """A GFM table cell: line breaks as <br>, the one way a cell can hold them."""
        return _GUARDED_WRITER.block_text(cell).replace("\\\n", "<br>").replace("\n", " ")

    def image(self, element: Element) -> str:
        """An image with its alt text."""
        attributes = element[1]
        src = attributes.get("src")
        alt = attributes.get("alt")
        return f"![{escape(alt or '')}]({_destination(src)})" if src else ""

    def preformatted(self, text: str) -> str:
        """A fenced code block longer than any backtick run inside it."""
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
        return f"{fence}\n{text}\n{fence}"

    def table(self, rows: list[list[str]]) -> str:
        """A GFM table, the first row as its header."""
        width = max(len(cells) for cells in rows)
        lines = ["| " + " | ".join(cells + [""] * (width - len(cells))) + " |" for cells in rows]
        lines.insert(1, "| " + " | ".join(["---"] * width) + " |")
        return "\n".join(lines)

    def list_marker(self, ordered: bool, index: int) -> str:
        """CommonMark list markers."""
        return f"{index}. " if ordered else "- "


class _GuardedWriter(MarkdownWriter):
    """The walk where a "|" or "]" that is not escaped would be misread: GFM table cells
    (every such "|" ends the cell) and link texts holding code (see ``inline_element``).

    Texts escape theirs already; a code span cannot (backslashes are literal in
    it), so code holding either is written as an HTML element around escaped
    text, and a link's or image's address holding a "|" has it percent-encoded.
    """

    code_breakers = "|]"

    def inline_element(self, element: Element, inner: str) -> Any:
        """As in Markdown, with bars kept out of addresses."""
        if element[0] == "a" and "|" in element[1].get("href", ""):
            href = element[1]["href"].replace("|", "%7C")
            element = (element[0], {**element[1], "href": href}, element[2])
        return super().inline_element(element, inner)

    def image(self, element: Element) -> str:
        """As in Markdown, with a "|" in the address percent-encoded."""
        src = element[1].get("src", "")
        if "|" in src:
            element = (element[0], {**element[1], "src": src.replace("|", "%7C")}, element[2])
        return super().image(element)


_WRITER = MarkdownWriter()
_GUARDED_WRITER = _GuardedWriter()


def body_markdown(inp: PackageInput) -> str:
    """The prepared body as Markdown, blocks separated by blank lines."""
    prepared = inp.body("markdown")
    return prepared.stored.markdown if prepared.stored is not None else prepared_markdown(prepared)


def prepared_markdown(prepared: PreparedBody) -> str:
    """A prepared body as Markdown (what :func:`body_markdown` gives when nothing is stored)."""
    return "\n\n".join(_WRITER.blocks(prepared.nodes))


class _Lines(NamedTuple):
    """The lines that the revision alone decides, escaped and encoded once for every
    grant's file (b"" = none)."""

    headline: bytes
    dek: bytes
    dateline: bytes
    note: bytes
    canonical: bytes  # the link to the original when the terms give no text for it


@lru_cache(maxsize=REVISIONS_KEPT)
def _lines(article: ArticleRevision) -> _Lines:
    return _Lines(
        f"# {escape(article.headline)}".encode(),
        f"*{escape(article.dek)}*".encode() if article.dek else b"",
        _WRITER.finish_block(escape(article.dateline)).encode() if article.dateline else b"",
        f"*{escape(article.public_note_line)}*".encode() if article.public_note else b"",
        f"<{html_escape(article.canonical_url)}>".encode() if article.canonical_url else b"",
    )


def build(inp: PackageInput) -> bytes:
    """Title, dek, credit, dateline, body, originally-appeared line and footer in Markdown."""
    lines = _lines(inp.article)
    terms = inp.format_terms("markdown")
    # The body's bytes come encoded once per revision (splice.encoded), the rest per grant.
    parts: list[str | bytes] = [lines.headline]
    if inp.hold_until:
        parts.insert(0, f"**{escape(inp.hold_notice())}**")
    if lines.dek:
        parts.append(lines.dek)
    if terms["credit_line"]:
        parts.append(terms["credit_line"])
    if lines.dateline:
        parts.append(lines.dateline)
    body = body_markdown(inp)
    if body:
        parts.append(splice.encoded(body))
    if lines.note:
        parts.append(lines.note)
    if terms["originally_appeared"]:
        parts.append(terms["originally_appeared"])
    elif terms["canonical_link"] and lines.canonical:
        parts.append(lines.canonical)
    if terms["footer"]:
        parts.append(terms["footer"])
    if terms["tracking_pixel"] and inp.tracking_pixel_url:
        # Inline HTML in a paragraph of its own: CommonMark passes it through as it is.
        parts.append(pixel_line(inp))
    return splice.joined(b"\n\n", parts) + b"\n"
