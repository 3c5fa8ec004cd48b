"""The prepared body as a small tree of plain Python values, read by the text formats.

A node is a text (``str``, entities decoded) or an :data:`Element`, a tuple
``(tag, attributes, children)``. Two readers give the same tree:

* :func:`parse` reads the shape nearly every body has, with one regex split and
  a loop over the tags: paragraphs, headings, flat lists, figures, rules and
  images, holding inline markup. Bodies are our own sanitised HTML (the
  allow-list of syndication/ingest/sanitise.py, serialised by nh3 or lxml), so
  that shape is known; anything outside it (tables, quotes, nested lists, stray
  text, other entities or attribute syntax) gives None.
* :func:`from_tree` converts the lxml tree of any body, for the rest.

Walking these tuples from Python costs a fraction of walking lxml proxies, and
the regex read skips the HTML parse altogether. Tests hold the two readers to
each other. (NewsML-G2 is still built and serialised by lxml.)
"""

from __future__ import annotations

import re
from typing import Any

Element = tuple[str, dict[str, str], list[Any]]

# A tag as our sanitisers write it: lower-case name, double-quoted attributes.
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:[ \t\n]+[a-z][a-z0-9-]*="[^"]*")*)[ \t\n]*>')
_ATTRIBUTE = re.compile(r'([a-z][a-z0-9-]*)="([^"]*)"')
# The only references the fast read decodes; any other "&" sends the body to lxml.
_OTHER_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp|#39);)")
_VOID = frozenset({"br", "img", "hr"})
_INLINE = frozenset(
    {"a", "em", "strong", "b", "i", "s", "u", "sub", "sup", "span", "code", "br", "img"}
)
_ROOT = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "figure", "hr", "img"})
# Which elements each container may hold in the simple shape; inline ones hold text too.
_HOLDS: dict[str | None, frozenset[str]] = {
    None: _ROOT,
    "ul": frozenset({"li"}),
    "ol": frozenset({"li"}),
    "figure": frozenset({"img", "figcaption"}),
}
_HOLDS_TEXT = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption"} | _INLINE)


def _decode(text: str) -> str:
    if "&" not in text:
        return text
    for reference, char in (
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&nbsp;", "\xa0"),
        ("&#39;", "'"),
        ("&amp;", "&"),  # last: "&amp;lt;" is the text "&lt;"
    ):
        text = text.replace(reference, char)
    return text


def _attributes(raw: str) -> dict[str, str] | None:
    pairs = _ATTRIBUTE.findall(raw)
    attributes = {name: _decode(value) for name, value in pairs}
    return attributes if len(attributes) == len(pairs) else None  # a repeated name: lxml's call


def parse(html: str) -> list[Any] | None:
    """The body's nodes when it has the simple shape, else None (use :func:`from_tree`)."""
    if "\r" in html or ("&" in html and _OTHER_REFERENCE.search(html)):
        return None
    parts = _TAG.split(html)
    if html.count("<") * 4 != len(parts) - 1:
        return None  # a "<" that is not one of our tags: a comment, another syntax
    root: list[Any] = []
    # Open elements: (tag, children, allowed child tags or None for inline content).
    stack: list[tuple[str | None, list[Any], frozenset[str] | None]] = [(None, root, _ROOT)]
    tag: str | None = None
    children = root
    holds: frozenset[str] | None = _ROOT
    for i in range(0, len(parts) - 1, 4):
        text = parts[i]
        if text:
            text = _decode(text)
            if holds is not None and not text.isspace():
                return None  # text loose in the body, a list or a figure
            children.append(text)
        closing, name, raw = parts[i + 1], parts[i + 2], parts[i + 3]
        if closing:
            if name != tag:
                return None  # misnested or stray: lxml would repair it its own way
            stack.pop()
            tag, children, holds = stack[-1]
            continue
        if (name not in _INLINE) if holds is None else (name not in holds):
            return None
        if name == "a" and any(open_tag == "a" for open_tag, _, _ in stack):
            return None  # nested links: lxml closes the outer one
        attributes = _attributes(raw) if raw else {}
        if attributes is None:
            return None
        element: Element = (name, attributes, [])
        children.append(element)
        if name not in _VOID:
            tag, children = name, element[2]
            holds = None if name in _HOLDS_TEXT else _HOLDS[name]
            stack.append((tag, children, holds))
    if len(stack) != 1:
        return None  # unclosed elements
    last = parts[-1]
    if last:
        last = _decode(last)
        if not last.isspace():
            return None
        root.append(last)
    return root


def from_tree(root: Any) -> list[Any]:
    """The nodes under an lxml element (its text and children, not its tail)."""
    out: list[Any] = []
    if root.text:
        out.append(root.text)
    for child in root:
        tag = child.tag
        if isinstance(tag, str):
            out.append((tag, dict(child.attrib), from_tree(child)))
        if child.tail:
            out.append(child.tail)
    return out


def text_content(nodes: list[Any]) -> str:
    """All the text under ``nodes``, as it is (lxml's ``text_content``)."""
    return "".join(node if isinstance(node, str) else text_content(node[2]) for node in nodes)
