"""article.jsonld: schema.org NewsArticle for the republished page, pointing at the original."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

from syndication.packaging import fields, ninjs, splice
from syndication.packaging.inputs import ArticleRevision, AssetInput, Organisation, PackageInput

# What each package fact is called here (packaging.fields).
N = fields.names("jsonld")

# Sorted keys and a trailing newline: equal inputs, equal bytes.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def document(inp: PackageInput) -> dict[str, Any]:
    """The NewsArticle as a dict (also embedded in article.page.html)."""
    return inp.cached("jsonld", lambda: _document(inp))


def _document(inp: PackageInput) -> dict[str, Any]:
    facts = fields.facts(inp, "jsonld")
    return _grant_document(
        inp.article, inp.organisation, inp.image_refs(), facts.licence, facts.credit_line
    )


def _grant_document(
    article: ArticleRevision,
    org: Organisation,
    images: tuple[tuple[str, AssetInput, int], ...],
    licence: str,
    credit_line: str,
) -> dict[str, Any]:
    doc = dict(_revision_document(article, org, images))
    doc[N.licence] = licence
    if credit_line:
        doc[N.credit_line] = credit_line
    return doc


def _make_template(
    article: ArticleRevision,
    org: Organisation,
    images: tuple[tuple[str, AssetInput, int], ...],
    credit: bool,
    script: bool,
) -> splice.Template | None:
    """The file's (or the script's) template of a revision; marks: the licence, the credit."""
    doc = _grant_document(article, org, images, splice.mark(0), splice.mark(1) if credit else "")
    if not script:
        return splice.split(orjson.dumps(doc, option=_OPTIONS), quoted=True)
    template = splice.split(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), quoted=True)
    return None if template is None else template.map(_script_safe)


# Kept for few revisions, made when reused: a streamed bundle's articles come once each.
_template: splice.OnReuse[splice.Template] = splice.OnReuse(_make_template, fields.REVISIONS_KEPT)


def _grant_template(inp: PackageInput, script: bool) -> tuple[splice.Template | None, list[bytes]]:
    """The revision's template for this grant (None: none) and the grant's values as JSON."""
    facts = fields.facts(inp, "jsonld")
    credit = bool(facts.credit_line)
    template = _template(inp.article, inp.organisation, inp.image_refs(), credit, script)
    return template, [orjson.dumps(facts.licence), orjson.dumps(facts.credit_line)]


@lru_cache(maxsize=fields.REVISIONS_KEPT)
def _revision_document(
    article: ArticleRevision, org: Organisation, images: tuple[tuple[str, AssetInput, int], ...]
) -> dict[str, Any]:
    """What the NewsArticle says that is the same for every grant of the revision (read-only)."""
    (
        identifier,
        version,
        _,
        canonical_link,
        headline,
        _,
        published,
        updated,
        language,
        _,
        notice,
    ) = fields.revision_facts(article, org)
    publisher = {"@type": "NewsMediaOrganization", "name": org.name, "url": org.url}
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        N.identifier: identifier,
        N.version: version,
        N.headline: headline,
        N.published: published,
        N.updated: updated,
        N.language: language,
        N.byline: [{"@type": "Person", "name": name} for name in article.bylines],
        "publisher": publisher,
        N.copyright_holder: (
            {"@type": "Organization", "name": article.rights_holder}
            if article.rights_holder
            else publisher
        ),
        N.copyright_notice: notice,
        "copyrightYear": article.first_published.year,
        N.canonical_link: canonical_link,
        "wordCount": article.word_count,
    }
    optional = {
        "alternativeHeadline": article.dek,
        "description": article.summary,
        "articleSection": article.section,
        "keywords": list(article.tags),
    }
    doc.update((key, value) for key, value in optional.items() if value)
    pictures = [
        {
            "@type": "ImageObject",
            "contentUrl": f"images/{name}",
            "encodingFormat": asset.mime_type,
            "caption": asset.caption,
            "creditText": asset.credit,
            "copyrightHolder": {"@type": "Organization", "name": asset.rights_holder},
        }
        for name, asset, _ in images
    ]
    if pictures:
        doc["image"] = pictures
    return doc


def build_whole(inp: PackageInput) -> bytes:
    """The NewsArticle as pretty, key-sorted JSON-LD (ASCII-safe where the profile says so)."""
    data = orjson.dumps(document(inp), option=_OPTIONS)
    return ninjs.ascii_safe(data) if inp.profile in ninjs.ASCII_VERSIONS else data


def build(inp: PackageInput) -> bytes:
    """:func:`build_whole`'s bytes, joined from the revision's template and the grant's values
    (:mod:`~syndication.packaging.splice`)."""
    template, values = _grant_template(inp, script=False)
    if template is None:
        return build_whole(inp)
    data = template.join(values)
    return ninjs.ascii_safe(data) if inp.profile in ninjs.ASCII_VERSIONS else data


def _script_safe(raw: bytes) -> bytes:
    # <, > and & occur only inside JSON strings, where \u escapes mean the same.
    return raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def script_whole(inp: PackageInput) -> bytes:
    """The JSON-LD safe to place inside <script>, as UTF-8: no "</script>" or "<!--" can
    form."""
    return _script_safe(orjson.dumps(document(inp), option=orjson.OPT_SORT_KEYS))


def script_json(inp: PackageInput) -> bytes:
    """:func:`script_whole`'s bytes, joined from the revision's template and the grant's
    values."""
    template, values = _grant_template(inp, script=True)
    if template is None:
        return script_whole(inp)
    return template.join([_script_safe(value) for value in values])
