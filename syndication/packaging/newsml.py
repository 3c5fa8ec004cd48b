"""article.newsml.xml: an IPTC NewsML-G2 2.35 newsItem, valid against the official XSD.

Built with lxml elements, never string templates, so every value is escaped by
the serialiser. ``rightsInfo`` carries the credit, the copyright holder, the
footer as usage terms, a link to the licence and the ODRL Agreement as
``rightsExpressionData``; the body is XHTML in ``inlineXML``.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from lxml import etree

from syndication.packaging.inputs import PackageInput, xml_clean
from syndication.rules.odrl import licence_uri

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_VERSION = "2.35"
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
ODRL_LANGID = "http://www.w3.org/ns/odrl/2/"
_NSMAP = {None: NAR}


def _tag(name: str) -> str:
    return f"{{{NAR}}}{name}"


def _sub(parent: Any, name: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, _tag(name), attrs)
    if text:
        element.text = xml_clean(text)
    return element


def _named(parent: Any, name: str, label: str, **attrs: str) -> Any:
    element = _sub(parent, name, **attrs)
    _sub(element, "name", label)
    return element


def _xhtml(inp: PackageInput) -> Any:
    """The prepared body as an XHTML document (a copy: the shared tree stays HTML)."""
    body = copy.deepcopy(inp.body("newsml").tree)
    for element in body.iter():
        tag = element.tag
        if isinstance(tag, str):
            element.tag = f"{{{XHTML}}}{tag}"
    body.tag = f"{{{XHTML}}}body"
    html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML})
    head = etree.SubElement(html, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = xml_clean(inp.article.headline)
    html.append(body)
    return html


def _rights(root: Any, inp: PackageInput) -> None:
    org, terms = inp.organisation, inp.format_terms("newsml")
    rights = _sub(root, "rightsInfo")
    _named(rights, "copyrightHolder", org.name, uri=org.url)
    year = inp.article.first_published.year
    _sub(rights, "copyrightNotice", f"Copyright {year} {org.name}")
    for text in (terms["footer"], terms["originally_appeared"]):
        if text:
            _sub(rights, "usageTerms", text)
    for restriction in inp.terms.get("restrictions", ()):
        _sub(rights, "usageTerms", restriction)
    _sub(
        rights,
        "link",
        href=licence_uri(org.url, inp.grant.licence_id),
        rel="irel:seeAlso",
        title=f"Licence {inp.grant.licence_id}",
    )
    if inp.odrl:
        _sub(
            rights,
            "rightsExpressionData",
            orjson.dumps(inp.odrl, option=orjson.OPT_SORT_KEYS).decode(),
            langid=ODRL_LANGID,
            enctype="application/ld+json",
        )


def build(inp: PackageInput) -> bytes:
    """The newsItem as UTF-8 XML with a declaration."""
    article, org = inp.article, inp.organisation
    terms = inp.format_terms("newsml")
    guid = article.canonical_url or f"{org.url.rstrip('/')}/articles/{article.article_id}"
    root = etree.Element(
        _tag("newsItem"),
        {
            "guid": guid,
            "version": str(max(1, article.revision)),
            "standard": "NewsML-G2",
            "standardversion": STANDARD_VERSION,
            "conformance": "power",
            XML_LANG: article.language or "en",
        },
        nsmap=_NSMAP,
    )
    _sub(root, "catalogRef", href=CATALOG)
    _rights(root, inp)

    meta = _sub(root, "itemMeta")
    _sub(meta, "itemClass", qcode="ninat:text")
    _named(meta, "provider", org.name, uri=org.url)
    _sub(meta, "versionCreated", article.updated_at.isoformat())
    _sub(meta, "firstCreated", article.first_published.isoformat())
    _sub(meta, "pubStatus", qcode="stat:usable")
    _sub(meta, "edNote", f"Licence {inp.grant.licence_id}, grant {inp.grant.grant_id}")

    content = _sub(root, "contentMeta")
    _sub(content, "contentCreated", article.first_published.isoformat())
    _sub(content, "contentModified", article.updated_at.isoformat())
    for byline in article.bylines:
        _named(content, "creator", byline)
    _sub(content, "altId", str(article.article_id), type="idtype:articleId")
    _sub(content, "language", tag=article.language or "en")
    for tag in article.tags:
        _sub(content, "keyword", tag)
    _sub(content, "headline", article.headline)
    if article.dek:
        _sub(content, "headline", article.dek, role="hlrole:sub")
    if article.dateline:
        _sub(content, "dateline", article.dateline)
    if article.bylines:
        _sub(content, "by", ", ".join(article.bylines))
    if terms["credit_line"]:
        _sub(content, "creditline", terms["credit_line"])
    if article.summary:
        _sub(content, "description", article.summary, role="drol:summary")

    content_set = _sub(root, "contentSet")
    inline = _sub(
        content_set,
        "inlineXML",
        contenttype="application/xhtml+xml",
        wordcount=str(article.word_count),
    )
    inline.append(_xhtml(inp))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
