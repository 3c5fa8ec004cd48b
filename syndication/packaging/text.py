"""article.txt: the article as readable plain text, credit and footer in text form.

The body walk (:class:`TextWriter`) turns the sanitised body into blocks:
paragraphs, headings, list items, quotes, captions, table rows. The Markdown
format subclasses it and changes only the decoration, so both read the body
the same way.
"""

from __future__ import annotations

import re
from typing import Any

from syndication.packaging.inputs import PackageInput

_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PARAGRAPHS = frozenset({"p", "caption", "figcaption"})
_LISTS = frozenset({"ul", "ol"})
_SKIP = frozenset({"thead", "tbody", "tfoot", "tr", "td", "th", "li"})


def _collapse(text: str) -> str:
    """HTML whitespace rules: runs become one space, kept (as one) at either edge."""
    # split/join is several times faster than re.sub on prose, where every gap matches.
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    if text[0].isspace():
        inner = " " + inner
    if text[-1].isspace():
        inner += " "
    return inner


class TextWriter:
    """Turns a parsed body into blocks of plain text; subclasses change the decoration."""

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

    def inline_element(self, element: Any, inner: str) -> str:
        """An inline element around its rendered content (plain text: links show their text)."""
        return inner

    def image(self, element: Any) -> str:
        """An image (plain text cannot show one)."""
        return ""

    def preformatted(self, text: str) -> str:
        """A <pre> block, kept verbatim."""
        return text

    def table(self, rows: list[list[str]]) -> str:
        """Table rows as lines of cells."""
        return "\n".join(" | ".join(cells) for cells in rows)

    def list_marker(self, ordered: bool, index: int) -> str:
        """The marker in front of a list item."""
        return f"{index}. " if ordered else "- "

    # --- the walk --------------------------------------------------------------------------

    def inline(self, element: Any) -> str:
        """The inline content of ``element`` (its text and children, not its tail)."""
        return self._inline(element.text, element)

    def _inline(self, text: str | None, children: Any) -> str:
        parts: list[str] = []
        if text:
            parts.append(self.escape(_collapse(text)))
        for child in children:
            tag = child.tag
            if tag == "br":
                parts.append("\n")
            elif tag == "img":
                parts.append(self.image(child))
            elif isinstance(tag, str):
                parts.append(self.inline_element(child, self.inline(child)))
            if child.tail:
                parts.append(self.escape(_collapse(child.tail)))
        return "".join(parts)

    def _trimmed(self, text: str) -> str:
        text = _LINE_EDGES.sub("\n", text).strip()
        return self.finish_block(text) if text else ""

    def block_text(self, element: Any) -> str:
        """The inline content of a block element, trimmed, line breaks kept."""
        if len(element) == 0:
            # Most paragraphs are bare text: skip the general walk.
            text = " ".join((element.text or "").split())
            return self.finish_block(self.escape(text)) if text else ""
        return self._trimmed(self.inline(element))

    def blocks(self, root: Any) -> list[str]:
        """The blocks of ``root``'s content, in order; inline runs become paragraphs."""
        out: list[str] = []
        lead: str | None = root.text
        run: list[Any] = []  # inline children waiting to become a paragraph
        for child in root:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            block = tag in _PARAGRAPHS or tag in _HEADINGS or tag in _LISTS or tag in _BLOCKS
            if not block and tag not in _SKIP:
                run.append(child)
                continue
            if run or (lead and not lead.isspace()):
                text = self._trimmed(self._inline(lead, run))
                if text:
                    out.append(text)
            run = []
            if block:
                self._block(child, tag, out)
            else:
                out.extend(self.blocks(child))
            lead = child.tail
        if run or (lead and not lead.isspace()):
            text = self._trimmed(self._inline(lead, run))
            if text:
                out.append(text)
        return out

    def _block(self, element: Any, tag: str, out: list[str]) -> None:
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
            inner = "\n\n".join(self.blocks(element))
            if inner:
                out.append(
                    "\n".join(f"{self.quote_prefix}{line}".rstrip() for line in inner.split("\n"))
                )
        elif tag == "figure":
            out.extend(self.figure(element))
        elif tag == "pre":
            text = element.text_content().strip("\n")
            if text:
                out.append(self.preformatted(text))
        elif tag == "hr":
            out.append(self.rule)
        elif tag == "table":
            rows = [
                [
                    self.block_text(cell).replace("\n", " ")
                    for cell in row
                    if cell.tag in ("td", "th")
                ]
                for row in element.iter("tr")
            ]
            rows = [cells for cells in rows if any(cells)]
            if rows:
                out.append(self.table(rows))
        elif tag == "img":
            text = self.image(element)
            if text:
                out.append(text)

    def figure(self, element: Any) -> list[str]:
        """A figure: its images (where the format can show them) and its caption."""
        out: list[str] = []
        for child in element:
            if child.tag == "img":
                text = self.image(child)
                if text:
                    out.append(text)
            elif child.tag == "figcaption":
                text = self.block_text(child)
                if text:
                    out.append(text)
        return out

    def list_lines(self, element: Any) -> list[str]:
        """One line per item (continuation lines indented under the marker)."""
        lines: list[str] = []
        ordered = element.tag == "ol"
        index = 0
        for item in element:
            if item.tag != "li":
                continue
            index += 1
            marker = self.list_marker(ordered, index)
            body = "\n".join(self.blocks(item)).split("\n")
            lines.append(marker + body[0])
            lines.extend((" " * len(marker) + line) if line else "" for line in body[1:])
        return lines


_BLOCKS = frozenset({"blockquote", "figure", "pre", "hr", "table", "img"})


_WRITER = TextWriter()


def body_text(inp: PackageInput, fmt: str = "text") -> str:
    """The prepared body as plain text, blocks separated by blank lines."""
    return "\n\n".join(_WRITER.blocks(inp.body(fmt).tree))


def build(inp: PackageInput) -> bytes:
    """Headline, credit, dateline, body, originally-appeared line, footer (the very end)."""
    article = inp.article
    terms = inp.format_terms("text")
    parts = [article.headline]
    if article.dek:
        parts.append(article.dek)
    if terms["credit_line"]:
        parts.append(terms["credit_line"])
    if article.dateline:
        parts.append(article.dateline)
    body = body_text(inp)
    if body:
        parts.append(body)
    if terms["originally_appeared"]:
        parts.append(terms["originally_appeared"])
    elif terms["canonical_link"] and article.canonical_url:
        parts.append(article.canonical_url)
    if terms["footer"]:
        # The footer is the file's last paragraph, byte for byte, as in the seed.
        parts.append(terms["footer"])
    return "\n\n".join(parts).encode()
