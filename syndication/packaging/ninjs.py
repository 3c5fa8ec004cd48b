"""article.ninjs.json: IPTC ninjs 2.2 (News in JSON), valid against the official schema.

Field choices: ``uri`` is the original's canonical URL (the news object's
identity; ``version`` is the revision); the licence, grant and article ids are
``altids``; the terms' credit, footer and restrictions fill ``copyrightnotice``,
``usageterms`` and ``ednote``; ``rightsinfo.linkedrights`` points at the licence.
Only the images that ship in images/ become ``associations``.
"""

from __future__ import annotations

from typing import Any

import orjson

from syndication.packaging.inputs import PackageInput

NINJS_VERSION = "2.2"
SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#"
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def _item_uri(inp: PackageInput) -> str:
    article = inp.article
    if article.canonical_url:
        return article.canonical_url
    return f"{inp.organisation.url.rstrip('/')}/articles/{article.article_id}"


def _associations(inp: PackageInput) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, (name, asset) in enumerate(inp.images(), start=1):
        association: dict[str, Any] = {
            "name": f"image{index}",
            "uri": asset.source_url or f"urn:sha256:{asset.sha256}",
            "type": "picture",
            "representationtype": "partial",
            "renditions": [
                {
                    # The file in the package's images/ folder; ninjs hrefs must be
                    # absolute, so the package path is the rendition's title.
                    "name": "package",
                    "title": f"images/{name}",
                    "contenttype": asset.mime_type,
                    "sizeinbytes": len(asset.data or b""),
                }
            ],
        }
        if asset.caption:
            association["descriptions"] = [{"role": "caption", "value": asset.caption}]
        if asset.credit:
            association["by"] = asset.credit
        if asset.rights_holder:
            association["copyrightholder"] = asset.rights_holder
        out.append(association)
    return out


def document(inp: PackageInput) -> dict[str, Any]:
    """The ninjs object as a dict."""
    article, org = inp.article, inp.organisation
    terms = inp.format_terms("ninjs")
    body = inp.body("ninjs").html
    usage = [text for text in (terms["footer"], terms["originally_appeared"]) if text]
    doc: dict[str, Any] = {
        "uri": _item_uri(inp),
        "type": "text",
        "representationtype": "full",
        "version": str(article.revision),
        "firstcreated": article.first_published.isoformat(),
        "versioncreated": article.updated_at.isoformat(),
        "pubstatus": inp.status,
        "language": article.language,
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": SCHEMA_URI},
        "headlines": [{"role": "main", "value": article.headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "wordcount": article.word_count,
                "value": body,
            }
        ],
        "copyrightholder": article.rights_holder or org.name,
        "copyrightnotice": terms["credit_line"]
        or f"© {article.first_published.year} {article.rights_holder or org.name}",
        # The correction or update note first: a receiving editor reads it before the terms.
        "ednote": " ".join(
            [
                *([article.public_note_line] if article.public_note else []),
                *inp.terms.get("restrictions", ()),
            ]
        ),
        "altids": [
            {"role": "article", "value": str(article.article_id)},
            {"role": "licence", "value": inp.grant.licence_id},
            {"role": "grant", "value": str(inp.grant.grant_id)},
        ],
        "rightsinfo": {"linkedrights": inp.licence_uri},
        "infosources": [{"name": org.name, "uri": org.url, "role": "originator"}],
    }
    if usage:
        doc["usageterms"] = " ".join(usage)
    if inp.hold_until:
        doc["embargoed"] = inp.hold_until.isoformat()
    if article.dek:
        doc["headlines"].append({"role": "sub", "value": article.dek})
    if article.summary:
        doc["descriptions"] = [{"role": "summary", "value": article.summary}]
    if article.bylines:
        doc["by"] = ", ".join(article.bylines)
    if article.tags:
        doc["subjects"] = [{"name": tag, "rel": "about", "literal": tag} for tag in article.tags]
    associations = _associations(inp)
    if associations:
        doc["associations"] = associations
    return doc


def build(inp: PackageInput) -> bytes:
    """The ninjs document as pretty, key-sorted JSON."""
    return orjson.dumps(document(inp), option=_OPTIONS)
