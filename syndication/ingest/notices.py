"""Where a republished page says it first ran, when the notice sits outside the article text.

Pure. A page that republishes someone else's piece says so ("This post
originally appeared on Grist."), and not always inside the text the extractor
keeps: Salon prints it between the headline and the ``<article>``. Such a
notice is read wherever it is, as long as it is about this article: inside
the part of the page that holds both the headline and the article's text, and
not in what surrounds it there (a related or most-read list, another story's
teaser, navigation, a form, a link), nor in the site's own header or footer.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from syndication.ingest.drafts import Finding
from syndication.ingest.findings import origin_notice

# The words a notice holds, for finding its text quickly; origin_notice decides.
_NOTICE_WORDS = re.compile(r"originally|first (?:appeared|published|posted|ran)|republished", re.I)
# Ancestors that make a notice another story's or the site's, not this article's.
_ELSEWHERE_TAGS = frozenset({"nav", "menu", "form", "a", "button", "li", "select", "template"})
_ELSEWHERE_CLASS = re.compile(
    r"related|recirc|recommend|popular|most-?read|trending|sidebar|teaser|promo|newsletter"
    r"|subscribe|comment|breadcrumb|menu|\bnav|share|social|widget|more-from|read-next",
    re.IGNORECASE,
)
_SITE_FURNITURE_TAGS = frozenset({"header", "footer", "aside"})
_SITE_FURNITURE_CLASS = re.compile(r"header|footer|masthead", re.IGNORECASE)
# How far up from the text a notice's element may be ("<p>This post … <a>Grist</a>.</p>").
_NOTICE_DEPTH = 3
# The article's text is found by a piece of its first long paragraph.
_ANCHOR_WORDS = 8
_ANCHOR_CHARS = 40


def _marks(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _text(element: HtmlElement) -> str:
    return " ".join("".join(element.itertext()).split())


def _body_anchor(tree: HtmlElement, paragraphs: list[str]) -> HtmlElement | None:
    """The page's element holding the start of the article's first long paragraph."""
    first = next((p for p in paragraphs if len(p.split()) >= _ANCHOR_WORDS), "")
    key = " ".join(first.split())[:_ANCHOR_CHARS]
    if not key:
        return None
    for path in (
        "//p[contains(normalize-space(.), $key)]",
        "//*[contains(normalize-space(.), $key)]",
    ):
        found = tree.xpath(path, key=key)
        if found:
            return found[-1]  # the innermost: ancestors come first in document order
    return None


def _region(headline: HtmlElement | None, anchor: HtmlElement) -> HtmlElement:
    """The smallest part of the page holding both the headline and the article's text."""
    if headline is None:
        article = next((a for a in anchor.iterancestors() if a.tag in {"article", "main"}), None)
        parent = anchor.getparent()
        return article if article is not None else parent if parent is not None else anchor
    # The list holds the element proxies: an id() is only an element's while it lives.
    around_headline = list(headline.iterancestors())
    kept = {id(a) for a in around_headline}
    page = anchor.getroottree().getroot()
    return next((a for a in anchor.iterancestors() if id(a) in kept), page)


def _holds(element: HtmlElement, inner: HtmlElement) -> bool:
    return element is inner or any(a is element for a in inner.iterancestors())


def _about_this_article(notice: HtmlElement, region: HtmlElement, anchor: HtmlElement) -> bool:
    """True when nothing between the notice and the article's region makes it another's."""
    page_wide = region.tag in {"html", "body"}
    for ancestor in notice.iterancestors():
        if ancestor is region:
            return True
        marks = _marks(ancestor)
        if ancestor.tag in _ELSEWHERE_TAGS or _ELSEWHERE_CLASS.search(marks):
            return False
        if ancestor.tag == "article" and not _holds(ancestor, anchor):
            return False  # another story's teaser
        furniture = ancestor.tag in _SITE_FURNITURE_TAGS or _SITE_FURNITURE_CLASS.search(marks)
        if page_wide and furniture and not _holds(ancestor, anchor):
            return False  # the site's own header, footer or sidebar
    return False


def _notices(tree: HtmlElement) -> list[tuple[HtmlElement, Finding]]:
    """Each element of the page whose whole text is an origin notice, the innermost one."""
    found: list[tuple[HtmlElement, Finding]] = []
    seen: set[int] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in {"script", "style"}:
            continue
        if not any(_NOTICE_WORDS.search(t or "") for t in (element.text, element.tail)):
            continue
        # The text may be the element's own or, as a tail, its parent's.
        start = element if _NOTICE_WORDS.search(element.text or "") else element.getparent()
        candidate = start
        for _ in range(_NOTICE_DEPTH):
            if candidate is None or id(candidate) in seen:
                break
            finding = origin_notice(_text(candidate))
            if finding is not None:
                seen.add(id(candidate))
                found.append((candidate, finding))
                break
            candidate = candidate.getparent()
    return found


def find_origin_notices(
    tree: HtmlElement, headline: HtmlElement | None, paragraphs: list[str]
) -> list[Finding]:
    """The origin notices about this article anywhere on the page, as footer findings.

    ``tree`` is the whole page, ``headline`` the headline's element (if found),
    ``paragraphs`` the article's text as the extractor read it: together they
    tell which part of the page is the article's.
    """
    notices = _notices(tree)
    if not notices:
        return []
    anchor = _body_anchor(tree, paragraphs)
    if anchor is None:
        return []
    region = _region(headline, anchor)
    findings: list[Finding] = []
    for element, finding in notices:
        if _about_this_article(element, region, anchor) and finding not in findings:
            findings.append(finding)
    return findings
