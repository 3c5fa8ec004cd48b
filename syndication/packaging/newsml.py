"""article.newsml.xml: an IPTC NewsML-G2 2.35 newsItem, valid against the official XSD.

Built with lxml elements, never string templates, so every value is escaped by
the serialiser. ``rightsInfo`` carries the credit, the copyright holder, the
footer as usage terms, a link to the licence and the ODRL Agreement as
``rightsExpressionData``; the body is XHTML in ``inlineXML``.

Speed: the elements every item has are built once, at import, and each build
deep-copies them (one C call) and fills in the values; only the elements whose
number varies are created per build. A body of the simple shape
(:func:`~syndication.packaging.markup.parse`) is read straight into XHTML by
lxml's XML parser; any other body goes through the HTML tree.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from lxml import etree

from syndication.packaging import fields, splice
from syndication.packaging.inputs import (
    ArticleRevision,
    AssetInput,
    Organisation,
    PackageInput,
    PreparedBody,
    xml_clean,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_VERSION = "2.35"
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
ODRL_LANGID = "http://www.w3.org/ns/odrl/2/"
_NSMAP = {None: NAR}
_XHTML_BODY = f"{{{XHTML}}}body"
# What each package fact is called here (packaging.fields): the only source of these names.
N = fields.names("newsml")
_GUID, _VERSION = N.identifier.lstrip("@"), N.version.lstrip("@")

# What turns a simple-shape body (HTML syntax) into XML syntax: void elements
# closed, the one named entity XML lacks as a number. Attribute values holding a
# tab or newline go the HTML way: XML would normalise them to spaces. All of it
# on the UTF-8 bytes, which the str caches once lxml or orjson has read it.
_VOID = re.compile(rb'<(br|hr|img)((?:[ \t\n]+[a-z][a-z0-9-]*="[^"]*")*)[ \t\n]*>')
_SPACED_ATTRIBUTE = re.compile(rb'="[^"<>]*[\t\n]')
_XHTML_OPEN = f'<body xmlns="{XHTML}">'.encode()
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, collect_ids=False)


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


def _text(element: Any, text: str) -> None:
    # As _sub: an empty value leaves the element empty (<x/>), not <x></x>.
    if text:
        element.text = xml_clean(text)


def _skeleton() -> Any:
    """The elements and fixed attributes every newsItem has, in schema order, values empty."""
    root = etree.Element(
        _tag("newsItem"),
        {
            _GUID: "",
            _VERSION: "",
            "standard": "NewsML-G2",
            "standardversion": STANDARD_VERSION,
            "conformance": "power",
            XML_LANG: "",
        },
        nsmap=_NSMAP,
    )
    _sub(root, "catalogRef", href=CATALOG)
    rights = _sub(root, "rightsInfo")
    _named(rights, N.copyright_holder, "", uri="")
    _sub(rights, N.copyright_notice)
    _sub(rights, N.usage_terms)
    _sub(rights, "link", href="", rel=N.licence, title="")
    _sub(rights, "rightsExpressionData", langid=ODRL_LANGID, enctype="application/ld+json")
    meta = _sub(root, "itemMeta")
    _sub(meta, "itemClass", qcode="ninat:text")
    _named(meta, "provider", "", uri="")
    _sub(meta, N.updated)
    _sub(meta, N.published)
    _sub(meta, N.status, qcode="stat:usable")
    # The original's web address: the one link every item has (removed when there is none).
    _sub(meta, "link", rel=N.canonical_link, href="", contenttype="text/html")
    content = _sub(root, "contentMeta")
    _sub(content, "contentCreated")
    _sub(content, "contentModified")
    # Creators go before altId, keywords before the headline: inserted per build.
    _sub(content, "altId", type="idtype:articleId")
    _sub(content, "altId", type=N.revision_identifier)
    _sub(content, N.language, tag="")
    _sub(content, N.headline)
    inline = _sub(
        _sub(root, "contentSet"), "inlineXML", contenttype="application/xhtml+xml", wordcount=""
    )
    html = etree.SubElement(inline, f"{{{XHTML}}}html", nsmap={None: XHTML})
    etree.SubElement(etree.SubElement(html, f"{{{XHTML}}}head"), f"{{{XHTML}}}title")
    return root


_SKELETON = _skeleton()


def xhtml_from_tree(tree: Any) -> Any:
    """An HTML tree (a <div>) as an XHTML <body>; a copy, so the shared tree stays HTML."""
    body = copy.deepcopy(tree)
    for element in body.iter():
        tag = element.tag
        if isinstance(tag, str):
            element.tag = f"{{{XHTML}}}{tag}"
    body.tag = _XHTML_BODY
    return body


def xhtml_from_simple(html: str) -> Any | None:
    """A simple-shape body read by the XML parser as an XHTML <body>, or None if it cannot be."""
    data = html.encode()
    # One-byte tests are memchr scans; a multi-byte "in" would cost as much as the sub.
    if (b"\t" in data or b"\n" in data) and _SPACED_ATTRIBUTE.search(data):
        return None
    data = _VOID.sub(rb"<\1\2/>", data)
    if b"&" in data:
        data = data.replace(b"&nbsp;", b"&#160;")
    try:
        return etree.fromstring(b"".join((_XHTML_OPEN, data, b"</body>")), _XML_PARSER)
    except etree.XMLSyntaxError:
        return None  # "]]>" in a text, say: legal HTML, not XML


def xhtml_body(inp: PackageInput) -> Any:
    """The prepared body as an XHTML <body> element, new for each call."""
    return _xhtml_element(inp.body("newsml"))


def _xhtml_element(prepared: PreparedBody) -> Any:
    if prepared.simple is not None:
        body = xhtml_from_simple(prepared.html)
        if body is not None:
            return body
    return xhtml_from_tree(prepared.tree)


_XHTML_HTML = f"{{{XHTML}}}html"
_HTML_OPEN = f'<html xmlns="{XHTML}">'.encode()
_HTML_CLOSE = b"</html>"


def prepared_xhtml(prepared: PreparedBody) -> bytes:
    """A prepared body's XHTML <body>, serialised as it sits in the item's <html>.

    Made once per revision (packaging.forms) and spliced into each item, where
    building and serialising the body's elements would be most of an item's cost.
    """
    # Inside an <html> declaring the XHTML namespace, as in the item: the body
    # then serialises with no declaration of its own, byte for byte as there.
    html = etree.Element(_XHTML_HTML, nsmap={None: XHTML})
    html.append(_xhtml_element(prepared))
    data = etree.tostring(html, encoding="UTF-8")
    return data[len(_HTML_OPEN) : -len(_HTML_CLOSE)]


def body_xhtml(inp: PackageInput) -> bytes:
    """The NewsML-G2 body of the package: stored with the revision, else made here."""
    prepared = inp.body("newsml")
    return prepared.stored.xhtml if prepared.stored is not None else prepared_xhtml(prepared)


def _links(meta: Any, images: tuple[tuple[str, AssetInput, int], ...]) -> None:
    """Each shipped picture, as links at the end of itemMeta."""
    for name, asset, _ in images:
        hrefs = [f"images/{name}"]
        if asset.source_url.startswith(("http://", "https://")):
            hrefs.append(asset.source_url)
        for href in hrefs:
            link = _sub(meta, "link", rel="irel:seeAlso", href=href, contenttype=asset.mime_type)
            _sub(link, "itemClass", qcode="ninat:picture")
            if asset.caption:
                _sub(link, "title", asset.caption)


def _odrl_json(odrl: Mapping[str, Any]) -> bytes:
    """The ODRL terms as compact, key-sorted JSON that XML can carry, as UTF-8."""
    data = orjson.dumps(odrl, option=orjson.OPT_SORT_KEYS)
    # JSON escapes every control character, so ASCII JSON holds nothing XML
    # refuses: skip xml_clean's scan of the longest text in the item.
    return data if data.isascii() else xml_clean(data.decode()).encode()


@lru_cache(maxsize=fields.REVISIONS_KEPT)
def _revision_item(
    article: ArticleRevision, org: Organisation, images: tuple[tuple[str, AssetInput, int], ...]
) -> tuple[Any, int]:
    """The item with everything the revision, its pictures and the organisation say filled in.

    The same for every grant of the revision, so made once: each package copies
    it and adds its grant's terms. Also returns where in contentMeta the grant's
    credit line goes (after the byline, before the pictures' credits).
    """
    (
        identifier,
        version,
        revision_identifier,
        canonical_link,
        headline_text,
        byline,
        published,
        updated,
        language,
        holder_name,
        notice,
    ) = fields.revision_facts(article, org)
    root = copy.deepcopy(_SKELETON)
    _, rights, meta, content, content_set = root
    root.set(_GUID, identifier)
    root.set(_VERSION, version)
    root.set(XML_LANG, language)
    holder = rights[0]
    if article.rights_holder:
        # Someone else's work: no URI of ours on their name.
        del holder.attrib["uri"]
    else:
        holder.set("uri", org.url)
    _text(holder[0], holder_name)
    _text(rights[1], notice)

    _, provider, version_created, first_created, pub_status, canonical = meta
    if canonical_link:
        canonical.set("href", canonical_link)
    else:
        meta.remove(canonical)
    provider.set("uri", org.url)
    _text(provider[0], org.name)
    version_created.text = updated
    first_created.text = published
    if article.public_note:
        # Before the links, as the schema orders them; with the IPTC signal saying
        # what kind of change this version is.
        note = _sub(meta, N.editorial_note, article.public_note_line)
        pub_status.addnext(note)
        note.addnext(_sub(meta, "signal", qcode=f"sig:{article.public_note_kind or 'update'}"))
    _links(meta, images)

    created, modified, alt_id, revision_id, language_element, headline = content
    created.text = published
    modified.text = updated
    for name in article.bylines:
        alt_id.addprevious(_named(content, "creator", name))
    _text(alt_id, str(article.article_id))
    _text(revision_id, revision_identifier)
    language_element.set("tag", language)
    for tag in article.tags:
        headline.addprevious(_sub(content, "keyword", tag))
    _text(headline, headline_text)
    if article.dek:
        _sub(content, N.headline, article.dek, role="hlrole:sub")
    if article.dateline:
        _sub(content, "dateline", article.dateline)
    if byline:
        _sub(content, N.byline, byline)
    credit_at = len(content)
    # Each image that ships in images/ keeps its own credit (creditline repeats).
    for name, asset, _ in images:
        if asset.credit:
            _sub(content, N.credit_line, f"images/{name}: {asset.credit}")
    if article.summary:
        _sub(content, "description", article.summary, role="drol:summary")

    inline = content_set[0]
    inline.set("wordcount", str(article.word_count))
    inline[0][0][0].text = xml_clean(headline_text)
    return root, credit_at


# The grant's values, by mark number, and whether lxml writes each as text or attribute.
_USAGE, _HREF, _TITLE, _ODRL, _STATUS, _EMBARGO, _CREDIT = range(7)
_IN_ATTRIBUTE = frozenset({_HREF, _TITLE, _STATUS})


def escape_text(value: str | bytes) -> bytes:
    """A text node's value as lxml serialises it, as UTF-8 (tested against lxml)."""
    # Replaced in the UTF-8 bytes, where every ASCII character is its own byte: a
    # bytes.replace finds a character with memchr, while str.replace counts it a
    # character at a time (the ODRL JSON's four passes took 2.3 us as str, 0.3 as bytes).
    # The ampersand first, so the entities written after it stay as they are.
    data = value.encode() if isinstance(value, str) else value
    return (
        data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
        .replace(b"\r", b"&#13;")
    )  # fmt: skip


def escape_attribute(value: str | bytes) -> bytes:
    """An attribute's value as lxml serialises it between double quotes, as UTF-8 (tested
    against lxml)."""
    return (
        escape_text(value).replace(b'"', b"&quot;").replace(b"\n", b"&#10;")
        .replace(b"\t", b"&#9;")
    )  # fmt: skip


def _fill(
    item: Any,
    credit_at: int,
    values: Mapping[int, str | bytes],
    *,
    odrl: bool,
    usable: bool,
    embargo: bool,
    credit: bool,
) -> bytes:
    """The item with the grant's values in place, serialised, the body not yet in."""
    root = copy.deepcopy(item)
    _, rights, meta, content, _ = root
    _, _, usage, link, expression = rights
    _text(usage, values[_USAGE])
    link.set("href", values[_HREF])
    link.set("title", values[_TITLE])
    if odrl:
        odrl_json = values[_ODRL]
        expression.text = odrl_json.decode() if isinstance(odrl_json, bytes) else odrl_json
    else:
        rights.remove(expression)
    first_created, pub_status = meta[3], meta[4]
    if not usable:
        pub_status.set("qcode", values[_STATUS])
    if embargo:
        # Hold for release: the schema puts embargoed right after firstCreated.
        first_created.addnext(_sub(meta, N.embargo, values[_EMBARGO]))
    if credit:
        content.insert(credit_at, _sub(content, N.credit_line, values[_CREDIT]))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


# A notice's revision needs one per shape of grant: a few. Kept for few revisions: a
# streamed bundle's articles each make one, used once.
@lru_cache(maxsize=fields.REVISIONS_KEPT)
def _template(item: Any, credit_at: int, shape: tuple[bool, ...]) -> splice.Template | None:
    """The serialised item of one shape of grant, split where each grant value goes (None
    when a mark is not found exactly once: a value of the revision holding one)."""
    usage, odrl, usable, embargo, credit = shape
    marks = {n: splice.mark(n) for n in range(7)}
    if not usage:
        marks[_USAGE] = ""
    data = _fill(item, credit_at, marks, odrl=odrl, usable=usable, embargo=embargo, credit=credit)
    return splice.split(data)


def grant_values(inp: PackageInput) -> tuple[dict[int, str | bytes], tuple[bool, ...]]:
    """The grant's values by mark number (cleaned, not yet escaped; the ODRL JSON as UTF-8)
    and the grant's shape: whether it has usage terms, ODRL, is usable, is held, has a
    credit line."""
    facts = fields.facts(inp, "newsml")
    # One usageTerms, the same text as ninjs usageterms: consumers keep only the first.
    values = {
        _USAGE: xml_clean(facts.usage_terms) if facts.usage_terms else "",
        _HREF: facts.licence,
        _TITLE: f"Licence {inp.grant.licence_id}",
        _ODRL: _odrl_json(inp.odrl) if inp.odrl else "",
        _STATUS: f"stat:{inp.status}",
        _EMBARGO: xml_clean(facts.embargo) if facts.embargo else "",
        _CREDIT: xml_clean(facts.credit_line) if facts.credit_line else "",
    }
    shape = (
        bool(facts.usage_terms),
        bool(inp.odrl),
        inp.status == "usable",
        bool(facts.embargo),
        bool(facts.credit_line),
    )
    return values, shape


def build(inp: PackageInput) -> bytes:
    """The newsItem as UTF-8 XML with a declaration.

    Every grant of a revision shares the item but for a few values (its terms,
    licence, status, embargo and credit): the item of each shape of grant is
    serialised once with marks where they go, and each grant's is joined from
    its pieces and the values escaped as lxml would.
    """
    item, credit_at = _revision_item(inp.article, inp.organisation, inp.image_refs())
    values, shape = grant_values(inp)
    template = _template(item, credit_at, shape)
    if template is None:
        _, odrl, usable, embargo, credit = shape
        data = _fill(
            item, credit_at, values, odrl=odrl, usable=usable, embargo=embargo, credit=credit
        )
    else:
        data = template.join(
            [
                escape_attribute(value) if n in _IN_ATTRIBUTE else escape_text(value)
                for n, value in sorted(values.items())
            ]
        )
    # The <html> is the item's last element, so its end tag is the last one in the
    # output (every "<" in a value is escaped): the body goes in just before it.
    end = data.rindex(_HTML_CLOSE)
    return b"".join((data[:end], body_xhtml(inp), data[end:], b"\n"))
