"""article.txt: the article as readable plain text, credit and footer in text form.

The body walk (:class:`TextWriter`) turns the sanitised body's nodes
(:mod:`syndication.packaging.markup`) into blocks:
paragraphs, headings, list items, quotes, captions, table rows. The Markdown
format subclasses it and changes only the decoration, so both read the body
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from syndication.packaging import splice
from syndication.packaging.inputs import PackageInput, PreparedBody
from syndication.packaging.markup import Element, text_content

_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PARAGRAPHS = frozenset({"p", "caption", "figcaption"})
_LISTS = frozenset({"ul", "ol"})
_SKIP = frozenset({"thead", "tbody", "tfoot", "tr", "td", "th", "li"})


def _collapse(text: str) -> str:
    """HTML whitespace rules: runs become one space, kept (as one) at either edge."""
    if text.isprintable() and "  " not in text:
        return text  # single spaces are all the white space it has: nothing to collapse
    # split/join is several times faster than re.sub on prose, where every gap matches.
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    if text[0].isspace():
        inner = " " + inner
    if text[-1].isspace():
        inner += " "
    return inner


def _squeeze(text: str) -> str:
    """White space runs as one space, none at the edges."""
    if text.isprintable() and "  " not in text:
        return text.strip(" ")  # every white space character is a lone space: cheaper
    return " ".join(text.split())


class TextWriter:
    """Turns a body's nodes into blocks of plain text; subclasses change the decoration.

    The nodes are :mod:`~syndication.packaging.markup`'s plain tree: texts and
    ``(tag, attributes, children)`` tuples.
    """

    rule = "* * *"
    quote_prefix = "> "

    def escape(self, text: str) -> str:
        """Text as this format shows it (plain text: unchanged)."""
        return text

    def finish_block(self, text: str) -> str:
        """Last touch on a block's text (Markdown escapes line-start markers here)."""
        return text

    def heading(self, level: int, text: str) -> str:
        """A heading line."""
        return text

    def inline_element(self, element: Element, inner: str) -> str:
        """An inline element around its rendered content (plain text: links show their text)."""
        return inner

    def image(self, element: Element) -> str:
        """An image (plain text cannot show one)."""
        return ""

    def preformatted(self, text: str) -> str:
        """A <pre> block, kept verbatim."""
        return text

    def table(self, rows: list[list[str]]) -> str:
        """Table rows as lines of cells."""
        return "\n".join(" | ".join(cells) for cells in rows)

    def table_cell(self, cell: Element) -> str:
        """A table cell on one line (a cell's line breaks become spaces)."""
        return self.block_text(cell).replace("\n", " ")

    def list_marker(self, ordered: bool, index: int) -> str:
        """The marker in front of a list item."""
        return f"{index}. " if ordered else "- "

    # --- the walk --------------------------------------------------------------------------

    def inline(self, nodes: list[Any]) -> str:
        """The inline content of ``nodes``: texts collapsed and escaped, elements decorated."""
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(self.escape(_collapse(node)))
                continue
            tag = node[0]
            if tag == "br":
                parts.append("\n")
            elif tag == "img":
                parts.append(self.image(node))
            else:
                parts.append(self.inline_element(node, self.inline(node[2])))
        return self.join_inline(parts)

    def join_inline(self, parts: list[Any]) -> str:
        """Inline parts as one text (Markdown settles its emphasis delimiters here)."""
        return "".join(parts)

    def _trimmed(self, text: str) -> str:
        if "\n" in text:  # only a <br> puts one here; the regex is slow on long lines
            text = _LINE_EDGES.sub("\n", text)
        text = text.strip()
        return self.finish_block(text) if text else ""

    def block_text(self, element: Element) -> str:
        """The inline content of a block element, trimmed, line breaks kept."""
        children = element[2]
        if not children or (len(children) == 1 and isinstance(children[0], str)):
            # Most paragraphs are bare text: skip the general walk.
            text = _squeeze(children[0]) if children else ""
            return self.finish_block(self.escape(text)) if text else ""
        return self._trimmed(self.inline(children))

    def _run(self, run: list[Any], out: list[str]) -> None:
        # Inline content between blocks becomes a paragraph, unless it is only white space.
        if len(run) == 1 and isinstance(run[0], str) and run[0].isspace():
            return
        text = self._trimmed(self.inline(run))
        if text:
            out.append(text)

    def blocks(self, nodes: list[Any]) -> list[str]:
        """The blocks of ``nodes``, in order; inline runs become paragraphs."""
        out: list[str] = []
        run: list[Any] = []  # inline nodes waiting to become a paragraph
        for node in nodes:
            if isinstance(node, str):
                run.append(node)
                continue
            tag = node[0]
            block = tag in _PARAGRAPHS or tag in _HEADINGS or tag in _LISTS or tag in _BLOCKS
            if not block and tag not in _SKIP:
                run.append(node)
                continue
            if run:
                self._run(run, out)
                run = []
            if block:
                self._block(node, tag, out)
            else:
                out.extend(self.blocks(node[2]))
        if run:
            self._run(run, out)
        return out

    def _block(self, element: Element, tag: str, out: list[str]) -> None:
        if tag in _PARAGRAPHS:
            text = self.block_text(element)
            if text:
                out.append(text)
        elif tag in _HEADINGS:
            text = self.block_text(element)
            if text:
                out.append(self.heading(_HEADINGS[tag], text))
        elif tag in _LISTS:
            lines = self.list_lines(element)
            if lines:
                out.append("\n".join(lines))
        elif tag == "blockquote":
            inner = "\n\n".join(self.blocks(element[2]))
            if inner:
                out.append(
                    "\n".join(f"{self.quote_prefix}{line}".rstrip() for line in inner.split("\n"))
                )
        elif tag == "figure":
            out.extend(self.figure(element))
        elif tag == "pre":
            text = text_content(element[2]).strip("\n")
            if text:
                out.append(self.preformatted(text))
        elif tag == "hr":
            out.append(self.rule)
        elif tag == "table":
            rows = [
                [
                    self.table_cell(cell)
                    for cell in row[2]
                    if not isinstance(cell, str) and cell[0] in ("td", "th")
                ]
                for row in _descendants(element[2], "tr")
            ]
            rows = [cells for cells in rows if any(cells)]
            if rows:
                out.append(self.table(rows))
        elif tag == "img":
            text = self.image(element)
            if text:
                out.append(text)

    def figure(self, element: Element) -> list[str]:
        """A figure: everything it holds, read as blocks.

        Mostly an image and its caption, but WordPress wraps tables, pull quotes,
        embeds and galleries in figures too, and their content is the article's.
        """
        return self.blocks(element[2])

    def item_body(self, blocks: list[str]) -> str:
        """The blocks of one list item as one text (plain text: a line each)."""
        return "\n".join(blocks)

    def list_lines(self, element: Element) -> list[str]:
        """One line per item (continuation lines indented under the marker)."""
        lines: list[str] = []
        ordered = element[0] == "ol"
        index = 0
        for item in element[2]:
            if isinstance(item, str) or item[0] != "li":
                continue
            blocks = self.blocks(item[2])
            if not blocks:
                continue  # an empty item says nothing (and Markdown could not hold it)
            index += 1
            marker = self.list_marker(ordered, index)
            body = self.item_body(blocks).split("\n")
            lines.append(marker + body[0])
            lines.extend((" " * len(marker) + line) if line else "" for line in body[1:])
        return lines


def _descendants(nodes: list[Any], tag: str) -> Iterator[Element]:
    """Elements named ``tag`` under ``nodes``, in document order (lxml's ``iter(tag)``)."""
    for node in nodes:
        if not isinstance(node, str):
            if node[0] == tag:
                yield node
            yield from _descendants(node[2], tag)


_BLOCKS = frozenset({"blockquote", "figure", "pre", "hr", "table", "img"})


_WRITER = TextWriter()


def body_text(inp: PackageInput, fmt: str = "text") -> str:
    """The prepared body as plain text, blocks separated by blank lines."""
    prepared = inp.body(fmt)
    return prepared.stored.text if prepared.stored is not None else prepared_text(prepared)


def prepared_text(prepared: PreparedBody) -> str:
    """A prepared body's plain text (what :func:`body_text` gives when nothing is stored)."""
    return "\n\n".join(_WRITER.blocks(prepared.nodes))


def build(inp: PackageInput) -> bytes:
    """Headline, credit, dateline, body, originally-appeared line, footer (the very end)."""
    article = inp.article
    terms = inp.format_terms("text")
    # The body's bytes come encoded once per revision (splice.encoded), the rest per grant.
    parts: list[str | bytes] = (
        [inp.hold_notice(), article.headline] if inp.hold_until else [article.headline]
    )
    if article.dek:
        parts.append(article.dek)
    if terms["credit_line"]:
        parts.append(terms["credit_line"])
    if article.dateline:
        parts.append(article.dateline)
    body = body_text(inp)
    if body:
        parts.append(splice.encoded(body))
    if article.public_note:
        parts.append(article.public_note_line)
    if terms["originally_appeared"]:
        parts.append(terms["originally_appeared"])
    elif terms["canonical_link"] and article.canonical_url:
        parts.append(article.canonical_url)
    if terms["footer"]:
        # The footer is the file's last paragraph, byte for byte, as in the seed.
        parts.append(terms["footer"])
    return splice.joined(b"\n\n", parts)
