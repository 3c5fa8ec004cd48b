"""Page furniture trafilatura keeps, removed by rules before the body is finished.

Pure. Each rule names a kind of furniture seen on real news pages, in the
languages they are written in, and removes only blocks that are nothing else:

- **related and most-read lists**: a short heading ("Related Coverage", "Siehe
  auch", "Lire aussi", "Most viewed") and the run of links, pictures and short
  lines after it, up to the next real paragraph;
- **label-and-link lines**: "Our Standards: The Thomson Reuters Trust
  Principles", "Thema: …" (inline promos stay: they are marked, not removed);
- **subscription and follow boxes**: a paragraph of links to sign-up pages, or
  one that asks the reader to subscribe or follow the site on social networks;
- **caption credits**: "(Credit: Clayton Aldern / Grist)", "Photo: …" lines.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from syndication.ingest.findings import find_promos

_RELATED_HEADING = re.compile(
    r"^(?:related(?: coverage| stories| articles| content| links| posts)?|more (?:on|from|about)"
    r"\b.*|more stories|read (?:more|next|also)|see also|also read|recommended(?: for you)?"
    r"|you (?:may|might) (?:also )?like|most (?:read|viewed|popular|shared)|trending(?: now)?"
    r"|popular(?: now)?|top stories|latest(?: news)?|videos?(?: zum thema)?|interessante links"
    r"|siehe auch|mehr zum thema|das könnte sie auch interessieren|weitere artikel|meistgelesen"
    r"|beiträge aus dem forum|thema|lire aussi|à lire aussi|a lire aussi|sur le même sujet"
    r"|les plus lus|voir aussi|lee también|leer también|te puede interesar|lo más leído"
    r"|más información|leia também|veja também|mais lidas|leggi anche|i più letti"
    r"|lees ook|meest gelezen|läs också|mest läst|相关新闻|相关阅读|热点推荐|関連記事|関連ニュース)"
    r"\s*[:：»›>]?$",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(
    r"sign up|subscribe|subscription|newsletter|daily edition|by email|free trial|log in"
    r"|sign in|already a member|free articles? left|abonnieren|abonnement|abonnez|s'abonner"
    r"|suscr[ií]b|assine|assinatura|abbonati|iscriviti|prenumerera|registrieren",
    re.IGNORECASE,
)
_FOLLOW = re.compile(
    r"follow (?:us|me)|síguenos|seguir a|suivez|folgen sie|siga|seguici|escribirnos|write to us"
    r"|contact us|suscribirse|newsletter",
    re.IGNORECASE,
)
_SIGNUP_PATH = re.compile(r"/(?:signup|sign-up|subscribe|subscription|newsletters?|abo|register)\b")
_SOCIAL_HOSTS = (
    "facebook.com", "twitter.com", "x.com", "instagram.com", "linkedin.com", "youtube.com",
    "tiktok.com", "t.me", "whatsapp.com", "pinterest.com", "threads.net",
)  # fmt: skip
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:photo|photograph|image|picture|credit|credits|illustration|graphic|video"
    r"|foto|fotos|bild|crédit|crédito|créditos|fotografía)s?\s*(?:credit)?\s*[:：]\s*\S.{0,150}$",
    re.IGNORECASE,
)
_LABEL_LINK = re.compile(r"^(?P<label>[^:：]{2,40})[:：]\s*(?P<rest>.+)$")
_BLOCKS = ("p", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "table", "div")
# A paragraph of prose: enough words that are not link text.
_PROSE_WORDS = 20


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _link_text(element: lxml_html.HtmlElement) -> str:
    return " ".join(" ".join(a.text_content() for a in element.iter("a")).split())


def _is_prose(element: lxml_html.HtmlElement) -> bool:
    text, links = _text(element), _link_text(element)
    return len(text.split()) - len(links.split()) >= _PROSE_WORDS


def _is_subscription_box(element: lxml_html.HtmlElement) -> bool:
    text = _text(element)
    if not text or len(text) > 400:
        return False
    hrefs = [a.get("href") or "" for a in element.iter("a")]
    paths = [urlsplit(h).path.lower() for h in hrefs]
    if hrefs and all(_SIGNUP_PATH.search(p) for p in paths):
        return True
    if hrefs and _link_text(element) == text and _SUBSCRIBE.search(text):
        return True
    hosts = [(urlsplit(h).hostname or "").removeprefix("www.") for h in hrefs]
    social = sum(1 for host in hosts if host in _SOCIAL_HOSTS)
    return social >= 2 and bool(_FOLLOW.search(text) or _SUBSCRIBE.search(text))


def _is_label_and_link(element: lxml_html.HtmlElement) -> bool:
    """ "Our Standards: The Thomson Reuters Trust Principles." — a label, then only a link."""
    text = _text(element)
    match = _LABEL_LINK.match(text)
    if match is None or len(match["label"].split()) > 4 or find_promos(text):
        return False
    rest = " ".join(match["rest"].split()).rstrip(".")
    return bool(rest) and _link_text(element).rstrip(".") == rest


def _drop_credit_lines(element: lxml_html.HtmlElement) -> None:
    """Remove caption credits inside a block: "(Credit: …)" in italics beside a picture."""
    for inline in list(element.iter("i", "em", "small", "span", "figcaption")):
        if inline is element:
            continue
        if _CREDIT_LINE.match(_text(inline)):
            inline.drop_tree()


def _remove(element: lxml_html.HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # drop_tree keeps the tail: the text after a removed block is not furniture.
    element.drop_tree()


def strip_boilerplate(html: str) -> str:
    """The extracted body (trafilatura's HTML) without the furniture the module doc lists."""
    if not html or not html.strip():
        return html
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    body = root.find("body")
    container = body if body is not None else root
    blocks = [e for e in container.iter(*_BLOCKS) if e.getparent() is not None]
    skipping = False
    removed: set[int] = set()
    for element in blocks:
        if any(id(a) in removed for a in element.iterancestors()):
            continue
        text = _text(element)
        if element.tag in ("ul", "ol", "div", "table") and not skipping:
            continue  # a list or wrapper is judged by its heading, not alone
        if skipping:
            if _is_prose(element):
                skipping = False
            else:
                removed.add(id(element))
                _remove(element)
                continue
        if len(text) <= 60 and _RELATED_HEADING.match(text.strip(" *")):
            skipping = True
            removed.add(id(element))
            _remove(element)
            continue
        if element.tag == "p" and (
            _is_subscription_box(element)
            or _is_label_and_link(element)
            or (_CREDIT_LINE.match(text) and not element.findall(".//img"))
        ):
            removed.add(id(element))
            _remove(element)
            continue
        _drop_credit_lines(element)
    return etree.tostring(container, encoding="unicode", method="html")
