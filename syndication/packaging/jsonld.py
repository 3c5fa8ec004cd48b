"""article.jsonld: schema.org NewsArticle for the republished page, pointing at the original."""

from __future__ import annotations

from typing import Any

import orjson

from syndication.packaging.inputs import PackageInput

# Sorted keys and a trailing newline: equal inputs, equal bytes.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def document(inp: PackageInput) -> dict[str, Any]:
    """The NewsArticle as a dict (also embedded in article.page.html)."""
    return inp.cached("jsonld", lambda: _document(inp))


def _document(inp: PackageInput) -> dict[str, Any]:
    article, org = inp.article, inp.organisation
    terms = inp.format_terms("jsonld")
    publisher = {"@type": "NewsMediaOrganization", "name": org.name, "url": org.url}
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": article.first_published.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "inLanguage": article.language,
        "author": [{"@type": "Person", "name": name} for name in article.bylines],
        "publisher": publisher,
        "copyrightHolder": (
            {"@type": "Organization", "name": article.rights_holder}
            if article.rights_holder
            else publisher
        ),
        "copyrightYear": article.first_published.year,
        "license": inp.licence_uri,
        "isBasedOn": article.canonical_url,
        "wordCount": article.word_count,
    }
    optional = {
        "alternativeHeadline": article.dek,
        "description": article.summary,
        "articleSection": article.section,
        "keywords": list(article.tags),
        "creditText": terms["credit_line"],
        "copyrightNotice": terms["footer"],
    }
    doc.update((key, value) for key, value in optional.items() if value)
    images = [
        {
            "@type": "ImageObject",
            "contentUrl": f"images/{name}",
            "encodingFormat": asset.mime_type,
            "caption": asset.caption,
            "creditText": asset.credit,
            "copyrightHolder": {"@type": "Organization", "name": asset.rights_holder},
        }
        for name, asset in inp.images()
    ]
    if images:
        doc["image"] = images
    return doc


def build(inp: PackageInput) -> bytes:
    """The NewsArticle as pretty, key-sorted JSON-LD."""
    return orjson.dumps(document(inp), option=_OPTIONS)


def script_json(inp: PackageInput) -> str:
    """The JSON-LD safe to place inside <script>: no "</script>" or "<!--" can form."""
    raw = orjson.dumps(document(inp), option=orjson.OPT_SORT_KEYS).decode()
    # <, > and & occur only inside JSON strings, where \\u escapes mean the same.
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
