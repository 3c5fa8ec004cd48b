"""article.html (a paste-ready snippet) and article.page.html (a standalone page).

The snapshot's HTML texts are already escaped and linked by the rules engine,
and the body is HTML we sanitised on import: both go in as they are. Every
other value comes from the article or the grant and is escaped here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import NamedTuple

from syndication.packaging import fields, jsonld, splice
from syndication.packaging.inputs import ArticleRevision, PackageInput

# What each package fact is called here (packaging.fields): elements, classes, relations.
N = fields.names("html")
_ARTICLE_END = b"</article>\n"


class _Lines(NamedTuple):
    """The lines of the snippet and page that the revision alone decides (b"" = none),
    encoded once for every grant's files."""

    opening: bytes
    headline: bytes
    dek: bytes
    dateline: bytes
    note: bytes
    link_back: bytes  # the link to the original when the terms give no text for it
    html: bytes
    title: bytes
    canonical: bytes


@lru_cache(maxsize=fields.REVISIONS_KEPT)
def _lines(article: ArticleRevision) -> _Lines:
    """Each revision's lines escaped once, for every grant's snippet and page."""
    # The facts the snippet shows need no terms: read straight from the article
    # (the same values packaging.fields gives, without building them per format).
    language = article.language or "en"
    note = ""
    if article.public_note:
        kind = escape(article.public_note_kind or "update")
        line = escape(article.public_note_line)
        note = f'<p class="{N.editorial_note} {kind}-note"><em>{line}</em></p>'
    url = escape(article.canonical_url)
    lines = _Lines(
        opening=f'<article class="syndicated-article" {N.language}="{escape(language)}">',
        headline=f"<{N.headline}>{escape(article.headline)}</{N.headline}>",
        dek=f'<p class="dek">{escape(article.dek)}</p>' if article.dek else "",
        dateline=(
            f'<p class="dateline">{escape(article.dateline)}</p>' if article.dateline else ""
        ),
        note=note,
        link_back=f'<p class="originally-appeared"><a href="{url}">{url}</a></p>' if url else "",
        html=f'<html lang="{escape(article.language)}">',
        title=f"<title>{escape(article.headline)}</title>",
        canonical=f'<link rel="{N.canonical_link}" href="{url}">' if url else "",
    )
    return _Lines(*(line.encode() for line in lines))


def _snippet(inp: PackageInput, fmt: str) -> list[str | bytes]:
    """The snippet's lines; the revision's, and its body, encoded once (splice.encoded)."""
    lines = _lines(inp.article)
    terms = inp.format_terms(fmt)
    parts: list[str | bytes] = [lines.opening]
    if inp.hold_until:
        # First, where an editor looks before anything else: the copy is under embargo.
        parts.append(
            f'<p class="hold-for-release"><strong>{escape(inp.hold_notice())}</strong></p>'
        )
    parts.append(lines.headline)
    if lines.dek:
        parts.append(lines.dek)
    if terms["credit_line"]:
        parts.append(f'<p class="{N.credit_line}">{terms["credit_line"]}</p>')
    if lines.dateline:
        parts.append(lines.dateline)
    parts.append(splice.encoded(inp.body(fmt).html))
    if lines.note:
        parts.append(lines.note)
    if terms["originally_appeared"]:
        parts.append(f'<p class="originally-appeared">{terms["originally_appeared"]}</p>')
    elif terms["canonical_link"] and lines.link_back:
        # No rule text, but the link back is still owed.
        parts.append(lines.link_back)
    if terms["footer"]:
        parts.append(f'<p class="syndication-footer">{terms["footer"]}</p>')
    if terms["tracking_pixel"] and inp.tracking_pixel_url:
        parts.append(pixel_line(inp))
    parts.append(_ARTICLE_END)
    return parts


def pixel_tag(url: str) -> str:
    """The tracking pixel as HTML: also written into Markdown (CommonMark allows inline HTML).

    The referrer policy asks the browser to send the page's full URL: the copy's address.
    """
    return (
        f'<img src="{escape(url)}" width="1" height="1" alt=""'
        ' style="border:0;width:1px;height:1px" referrerpolicy="no-referrer-when-downgrade">'
    )


def pixel_line(inp: PackageInput) -> bytes:
    """The package's pixel tag (:func:`pixel_tag`) as UTF-8, made once for its three files."""
    url = inp.tracking_pixel_url or ""
    return inp.cached("pixel_tag", lambda: pixel_tag(url).encode())


def build(inp: PackageInput) -> bytes:
    """The snippet a partner pastes into its CMS: headline, credit, body, footer, pixel."""
    return splice.joined(b"\n", _snippet(inp, "html"))


def build_page(inp: PackageInput) -> bytes:
    """A standalone HTML page: canonical link, robots hint and JSON-LD in the head."""
    lines = _lines(inp.article)
    terms = inp.format_terms("page_html")
    head: list[str | bytes] = [_DOCTYPE, lines.html, _HEAD_OPEN, lines.title]
    if terms["canonical_link"] and lines.canonical:
        head.append(lines.canonical)
    if terms["noindex"]:
        head.append(_NOINDEX)
    head.append(b'<script type="application/ld+json">' + jsonld.script_json(inp) + b"</script>")
    head.append(_STYLE_TO_MAIN)
    grant = inp.grant
    snippet = _snippet(inp, "page_html")
    head += snippet[:-1]  # the snippet without its last line, _ARTICLE_END
    head += [
        _MAIN_END,
        '<footer class="page-footer">'
        f"<p>Republished by {escape(grant.partner_name)} under licence "
        f"{escape(grant.licence_id)}.</p></footer>",
        _PAGE_END,
    ]
    return splice.joined(b"\n", head)


# The standalone page's whole style, inline so that opening the file makes no request:
# a readable column, the credit and footer set apart, every text pair at least 4.5:1,
# and a print style that drops the note and prints link addresses.
PAGE_CSS = re.sub(
    r"\s+",
    " ",
    """
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d2330;
  font: 18px/1.6 Georgia, "Times New Roman", serif; }
main { max-width: 42rem; margin: 0 auto; padding: 1.5rem 1.25rem 2rem; background: #fff; }
.page-note { max-width: 42rem; margin: 0 auto; padding: .6rem 1.25rem; color: #3b424d;
  font: 14px/1.4 system-ui, sans-serif; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .5rem; }
.dek { font-size: 1.2rem; color: #3b424d; margin-top: 0; }
.credit, .dateline { font: 15px/1.4 system-ui, sans-serif; color: #3b424d; }
.credit { font-weight: 600; }
img { max-width: 100%; height: auto; }
figure { margin: 1.25rem 0; } figcaption { font-size: .85rem; color: #3b424d; }
a { color: #1a56b0; overflow-wrap: anywhere; }
blockquote { margin: 1rem 0; padding-left: 1rem; border-left: 3px solid #d5dae2; }
.originally-appeared, .syndication-footer { font: 15px/1.5 system-ui, sans-serif;
  border-top: 1px solid #d5dae2; padding-top: .75rem; margin-top: 1.5rem; }
.syndication-footer { color: #3b424d; white-space: pre-line; }
.page-footer { max-width: 42rem; margin: 0 auto; padding: .75rem 1.25rem 2rem; color: #3b424d;
  font: 14px/1.4 system-ui, sans-serif; }
@media print {
  body { background: #fff; font-size: 12pt; }
  main { max-width: none; padding: 0; }
  .page-note { display: none; }
  .originally-appeared a[href]::after { content: " (" attr(href) ")"; }
  h1, .credit { break-after: avoid; }
  p { orphans: 3; widows: 3; }
}
""",
).strip()

# The page's lines that never change, encoded once: the style alone is 1.5 KB.
_DOCTYPE = b"<!DOCTYPE html>"
_HEAD_OPEN = (
    b'<head>\n<meta charset="utf-8">\n'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">'
)
_NOINDEX = b'<meta name="robots" content="noindex">'
_STYLE_TO_MAIN = (
    f"<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
    '<p class="page-note">Ready to republish: copy the article below as it is, with its '
    "credit line, footer and link.</p>\n<main>"
).encode()
_MAIN_END = _ARTICLE_END + b"</main>"
_PAGE_END = b"</body>\n</html>\n"
