"""article.md: the article as Markdown (CommonMark), credit and footer in Markdown form.

A small walk rather than an HTML-to-Markdown library: the body is our own
sanitised HTML with a dozen tags, and the walk shares its block logic with the
plain-text format (:class:`~syndication.packaging.text.TextWriter`).
"""

from __future__ import annotations

import re
from html import escape as html_escape

from syndication.packaging.inputs import PackageInput
from syndication.packaging.markup import Element, text_content
from syndication.packaging.text import TextWriter

# Punctuation that is Markdown syntax anywhere in a line; backslash-escaped.
_SPECIAL_CHARS = "\\`*_[]<>&~|"
_SPECIAL = re.compile(f"[{re.escape(_SPECIAL_CHARS)}]")
# Line starts that would turn a paragraph into a heading, list or rule.
_LINE_START = re.compile(r"(?m)^([ \t]*)([#+=-]|\d+(?=[.)]))")
_EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**", "s": "~~"}


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


def _destination(url: str) -> str:
    # Angle brackets let a URL hold spaces and parentheses; < > themselves are encoded.
    url = url.replace("<", "%3C").replace(">", "%3E").replace("\n", "")
    return f"<{url}>" if any(c in url for c in " ()") else url


class MarkdownWriter(TextWriter):
    """The text walk with Markdown decoration."""

    rule = "---"

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
        return f"{'#' * min(level, 6)} {text}"

    def inline_element(self, element: Element, inner: str) -> str:
        """Links, emphasis and code in Markdown syntax; other inline tags keep their content."""
        tag = element[0]
        if not inner.strip():
            return inner
        if tag == "a":
            href = element[1].get("href")
            return f"[{inner}]({_destination(href)})" if href else inner
        mark = _EMPHASIS.get(tag)
        if mark:
            # Emphasis markers must touch the text; spaces stay outside.
            core = inner.strip()
            lead = inner[: len(inner) - len(inner.lstrip())]
            trail = inner[len(inner.rstrip()) :]
            return f"{lead}{mark}{core}{mark}{trail}"
        if tag == "code":
            return f"`{text_content(element[2])}`"
        if tag in ("sub", "sup"):
            return f"<{tag}>{inner}</{tag}>"
        return inner

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


_WRITER = MarkdownWriter()


def body_markdown(inp: PackageInput) -> str:
    """The prepared body as Markdown, blocks separated by blank lines."""
    return "\n\n".join(_WRITER.blocks(inp.body("markdown").nodes))


def build(inp: PackageInput) -> bytes:
    """Title, dek, credit, dateline, body, originally-appeared line and footer in Markdown."""
    article = inp.article
    terms = inp.format_terms("markdown")
    parts = [f"# {escape(article.headline)}"]
    if article.dek:
        parts.append(f"*{escape(article.dek)}*")
    if terms["credit_line"]:
        parts.append(terms["credit_line"])
    if article.dateline:
        parts.append(_WRITER.finish_block(escape(article.dateline)))
    body = body_markdown(inp)
    if body:
        parts.append(body)
    if terms["originally_appeared"]:
        parts.append(terms["originally_appeared"])
    elif terms["canonical_link"] and article.canonical_url:
        parts.append(f"<{html_escape(article.canonical_url)}>")
    if terms["footer"]:
        parts.append(terms["footer"])
    return ("\n\n".join(parts) + "\n").encode()
