"""article.html (a paste-ready snippet) and article.page.html (a standalone page).

The snapshot's HTML texts are already escaped and linked by the rules engine,
and the body is HTML we sanitised on import: both go in as they are. Every
other value comes from the article or the grant and is escaped here.
"""

from __future__ import annotations

from html import escape

from syndication.packaging import jsonld
from syndication.packaging.inputs import PackageInput


def _snippet(inp: PackageInput, fmt: str) -> str:
    article = inp.article
    terms = inp.format_terms(fmt)
    parts = [
        f'<article class="syndicated-article" lang="{escape(article.language)}">',
    ]
    if inp.hold_until:
        # First, where an editor looks before anything else: the copy is under embargo.
        parts.append(
            f'<p class="hold-for-release"><strong>{escape(inp.hold_notice())}</strong></p>'
        )
    parts.append(f"<h1>{escape(article.headline)}</h1>")
    if article.dek:
        parts.append(f'<p class="dek">{escape(article.dek)}</p>')
    if terms["credit_line"]:
        parts.append(f'<p class="credit">{terms["credit_line"]}</p>')
    if article.dateline:
        parts.append(f'<p class="dateline">{escape(article.dateline)}</p>')
    parts.append(inp.body(fmt).html)
    if article.public_note:
        kind = escape(article.public_note_kind or "update")
        parts.append(f'<p class="{kind}-note"><em>{escape(article.public_note_line)}</em></p>')
    if terms["originally_appeared"]:
        parts.append(f'<p class="originally-appeared">{terms["originally_appeared"]}</p>')
    elif terms["canonical_link"] and article.canonical_url:
        # No rule text, but the link back is still owed.
        url = escape(article.canonical_url)
        parts.append(f'<p class="originally-appeared"><a href="{url}">{url}</a></p>')
    if terms["footer"]:
        parts.append(f'<p class="syndication-footer">{terms["footer"]}</p>')
    if terms["tracking_pixel"] and inp.tracking_pixel_url:
        parts.append(
            f'<img src="{escape(inp.tracking_pixel_url)}" width="1" height="1" alt=""'
            ' style="border:0;width:1px;height:1px" referrerpolicy="no-referrer-when-downgrade">'
        )
    parts.append("</article>\n")
    return "\n".join(parts)


def build(inp: PackageInput) -> bytes:
    """The snippet a partner pastes into its CMS: headline, credit, body, footer, pixel."""
    return _snippet(inp, "html").encode()


def build_page(inp: PackageInput) -> bytes:
    """A standalone HTML page: canonical link, robots hint and JSON-LD in the head."""
    article = inp.article
    terms = inp.format_terms("page_html")
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(article.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(article.headline)}</title>",
    ]
    if terms["canonical_link"] and article.canonical_url:
        head.append(f'<link rel="canonical" href="{escape(article.canonical_url)}">')
    if terms["noindex"]:
        head.append('<meta name="robots" content="noindex">')
    head.append(f'<script type="application/ld+json">{jsonld.script_json(inp)}</script>')
    head += ["</head>", "<body>", _snippet(inp, "page_html") + "</body>", "</html>\n"]
    return "\n".join(head).encode()
