"""article.ninjs.json: IPTC ninjs (News in JSON) in the version the partner's system reads.

Three profiles, each valid against its official schema: ninjs 1.6 (what most
deployed newsroom systems still ingest: ``headline``, ``body_html``,
``byline``, object-shaped ``associations`` and ``renditions``; written
ASCII-safe, ``\\u`` escapes, for consumers that read with the platform's
default encoding), 2.2 and 3.1 (camelCase names). The facts and the names
they go by come from :mod:`~syndication.packaging.fields`, so every version,
and the NewsML-G2 beside it, says the same thing.

Field choices: ``uri`` is our own tag: URI for the article (``version`` is
the revision; the revision's own URI is an alternative id), never the web
address, which is the ``canonical`` rendition of the text. Each image that
ships in images/ is an association of type picture, with its caption,
credit and rights, and two renditions: the file in the package (a relative
reference, resolved against the package) and, where the organisation
publishes it, its absolute URL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import orjson

from syndication.packaging import fields, splice
from syndication.packaging.inputs import ArticleRevision, AssetInput, Organisation, PackageInput

VERSIONS = ("1.6", "2.2", "3.1")
DEFAULT_VERSION = "2.2"
# The versions whose JSON is written ASCII-safe.
ASCII_VERSIONS = frozenset({"1.6"})
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def schema_uri(version: str) -> str:
    """The official schema's URI for a ninjs version."""
    return f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json#"


def _absolute(url: str) -> bool:
    # Ingest keeps http(s) URLs only (ingest.urls), so the scheme says it all.
    return url.startswith(("http://", "https://"))


class _Shape:
    """How one ninjs version spells the structures around the facts (lists or objects)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.names = fields.names(f"ninjs-{version}")
        self.camel = version.startswith("3")
        self.objects = version.startswith("1")  # 1.x: associations and renditions are objects

    def key(self, lower: str, camel: str) -> str:
        return camel if self.camel else lower

    def complete(self) -> dict[str, str]:
        """The representation type of a whole item (1.x spells "full" "complete")."""
        if self.objects:
            return {"representationtype": "complete"}
        return {self.key("representationtype", "representationType"): "full"}

    def named(self, items: list[tuple[str, dict[str, Any]]]) -> Any:
        """A list of named objects (2.x, 3.x) or an object keyed by name (1.x)."""
        if self.objects:
            return dict(items)
        return [{"name": name, **item} for name, item in items]

    def rendition(self, href: str, content_type: str, title: str, size: int | None) -> dict:
        out: dict[str, Any] = {"href": href, "title": title}
        out[self.key("mimetype" if self.objects else "contenttype", "contentType")] = content_type
        if size is not None:
            out[self.key("sizeinbytes", "sizeInBytes")] = size
        return out

    def text(self, doc: dict[str, Any], kind: str, role: str, value: str, **extra: Any) -> None:
        """A headline, body or description: ``headline``/``body_html`` (1.x), else a list."""
        if not value:
            return
        if self.objects:
            # 1.x has one headline, one body and one description: the names its
            # consumers read; the dek keeps a pattern property of its own.
            doc.setdefault(_ONE_X[kind, role], value)
            return
        entry: dict[str, Any] = {"role": role, "value": value}
        for lower, camel, item in extra.get("attrs", ()):
            entry[self.key(lower, camel)] = item
        doc.setdefault(kind, []).append(entry)

    def alt_ids(self, pairs: list[tuple[str, str]]) -> tuple[str, Any]:
        if self.objects:
            return "altids", dict(pairs)
        return self.key("altids", "altIds"), [{"role": r, "value": v} for r, v in pairs]


# ninjs 1.x's names for (list, role); body_text is a picture's alternative text there.
_ONE_X = {
    ("headlines", "main"): "headline",
    ("headlines", "sub"): "headline_sub",
    ("bodies", "main"): "body_html",
    ("descriptions", "summary"): "description_text",
    ("descriptions", "caption"): "description_text",
    ("descriptions", "alt"): "body_text",
}

_SHAPES = {version: _Shape(version) for version in VERSIONS}


def _picture(
    shape: _Shape, identifier: str, name: str, asset: AssetInput, size: int, holder: str
) -> dict[str, Any]:
    n = shape.names
    item: dict[str, Any] = {
        n.identifier: f"{identifier}:image:{asset.sha256[:16]}",
        "type": "picture",
        **shape.complete(),
        n.copyright_holder: asset.rights_holder or holder,
        n.usage_terms: "Publish only with its credit, and only with this article.",
    }
    if asset.caption:
        shape.text(item, "descriptions", "caption", asset.caption)
    if asset.alt:
        shape.text(item, "descriptions", "alt", asset.alt)
    if asset.credit:
        item[n.byline] = asset.credit
    path = f"images/{name}"
    renditions = [("package", shape.rendition(path, asset.mime_type, path, size))]
    if asset.source_url and _absolute(asset.source_url):
        renditions.append(
            ("original", shape.rendition(asset.source_url, asset.mime_type, path, None))
        )
    item["renditions"] = shape.named(renditions)
    return item


def document(inp: PackageInput, version: str | None = None) -> dict[str, Any]:
    """The ninjs object of ``version`` (the package's profile by default) as a dict.

    What the revision, its pictures and the organisation say is made once per
    revision (:func:`_revision_document`, shared: its values are read-only);
    the grant's terms, licence and status and the body its flags prepare are
    added here.
    """
    return _document(
        _SHAPES[version or inp.profile],
        inp.article,
        inp.organisation,
        inp.image_refs(),
        _grant_values(inp),
    )


# The values of the grant, by number: the item's status, its usage terms, the licence
# URI, the licence id, the grant id, the embargo ("" when it is not held) and the body
# its flags prepare (a value, not in the template: templates stay small).
_STATUS, _USAGE, _LICENCE, _LICENCE_ID, _GRANT_ID, _EMBARGO, _BODY = range(7)


def _grant_values(inp: PackageInput) -> tuple[str, ...]:
    facts = fields.facts(inp, "ninjs")
    return (
        facts.status,
        facts.usage_terms,
        facts.licence,
        inp.grant.licence_id,
        str(inp.grant.grant_id),
        facts.embargo,
        inp.body("ninjs").html,
    )


def _document(
    shape: _Shape,
    article: ArticleRevision,
    org: Organisation,
    images: tuple[tuple[str, AssetInput, int], ...],
    values: tuple[str, ...],
) -> dict[str, Any]:
    n = shape.names
    doc = dict(_revision_document(shape.version, article, org, images))
    doc[n.status] = values[_STATUS]
    doc[n.usage_terms] = values[_USAGE]
    doc[shape.key("rightsinfo", "rightsInfo")] = {n.licence: values[_LICENCE]}
    shape.text(
        doc,
        "bodies",
        "main",
        values[_BODY],
        attrs=[
            ("contenttype", "contentType", "text/html"),
            ("wordcount", "wordCount", article.word_count),
        ],
    )
    if values[_EMBARGO]:
        doc[n.embargo] = values[_EMBARGO]
    key, alt_ids = shape.alt_ids(
        [
            (n.revision_identifier, fields.revision_facts(article, org)[2]),
            ("article", str(article.article_id)),
            ("licence", values[_LICENCE_ID]),
            ("grant", values[_GRANT_ID]),
        ]
    )
    doc[key] = alt_ids
    return doc


def _make_template(
    version: str,
    article: ArticleRevision,
    org: Organisation,
    images: tuple[tuple[str, AssetInput, int], ...],
    embargo: bool,
    body: bool,
) -> splice.Template | None:
    """The document of a revision in a version, split where each grant's values go."""
    marks = [splice.mark(n) for n in range(7)]
    if not embargo:
        marks[_EMBARGO] = ""
    if not body:
        marks[_BODY] = ""
    doc = _document(_SHAPES[version], article, org, images, tuple(marks))
    template = splice.split(orjson.dumps(doc, option=_OPTIONS), quoted=True)
    if template is not None and version in ASCII_VERSIONS:
        return template.map(ascii_safe)
    return template


# A notice's revision needs one per ninjs version and shape of grant: a few. Kept for
# few revisions, made when reused: a streamed bundle's articles come once each.
_template: splice.OnReuse[splice.Template] = splice.OnReuse(_make_template, fields.REVISIONS_KEPT)


@lru_cache(maxsize=fields.REVISIONS_KEPT)
def _revision_document(
    version: str,
    article: ArticleRevision,
    org: Organisation,
    images: tuple[tuple[str, AssetInput, int], ...],
) -> dict[str, Any]:
    """The part of the ninjs object that is the same for every grant of the revision."""
    shape = _SHAPES[version]
    n = shape.names
    (
        identifier,
        revision,
        _,
        canonical_link,
        headline,
        byline,
        published,
        updated,
        language,
        holder,
        notice,
    ) = fields.revision_facts(article, org)
    doc: dict[str, Any] = {
        n.identifier: identifier,
        "type": "text",
        **shape.complete(),
        n.version: revision,
        n.published: published,
        n.updated: updated,
        n.language: language,
        shape.key("$standard" if shape.objects else "standard", "standard"): {
            "name": "ninjs",
            "version": shape.version,
            "schema": schema_uri(shape.version),
        },
        n.copyright_holder: holder,
        n.copyright_notice: notice,
        shape.key("infosource" if shape.objects else "infosources", "infoSources"): [
            # 1.x's info sources have no uri.
            {"name": org.name, **({} if shape.objects else {"uri": org.url})}
        ],
    }
    shape.text(doc, "headlines", "main", headline)
    shape.text(doc, "headlines", "sub", article.dek)
    if shape.objects:
        doc["wordcount"] = article.word_count
    shape.text(doc, "descriptions", "summary", article.summary)
    if byline:
        doc[n.byline] = byline
    if article.public_note:
        doc[n.editorial_note] = article.public_note_line
    if canonical_link and _absolute(canonical_link):
        doc["renditions"] = shape.named(
            [
                (
                    n.canonical_link,
                    shape.rendition(canonical_link, "text/html", "The original article", None),
                )
            ]
        )
    if article.tags:
        subjects = [{"name": tag, "rel": "about"} for tag in article.tags]
        if not shape.objects:
            for subject in subjects:
                subject["literal"] = subject["name"]
        doc["subject" if shape.objects else "subjects"] = subjects
    if images:
        doc["associations"] = shape.named(
            [
                (f"image{index}", _picture(shape, identifier, name, asset, size, holder))
                for index, (name, asset, size) in enumerate(images, start=1)
            ]
        )
    return doc


def ascii_safe(data: bytes) -> bytes:
    """JSON with every non-ASCII character as a ``\\u`` escape (surrogate pairs above U+FFFF).

    Outside strings JSON is ASCII already, so escaping every such character is exact.
    """
    if data.isascii():
        return data

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NON_ASCII.sub(escape, data.decode()).encode()


def build_whole(inp: PackageInput) -> bytes:
    """The ninjs document of the package's profile as pretty, key-sorted JSON, written whole."""
    data = orjson.dumps(document(inp), option=_OPTIONS)
    return ascii_safe(data) if inp.profile in ASCII_VERSIONS else data


def build(inp: PackageInput) -> bytes:
    """The ninjs document of the package's profile: :func:`build_whole`'s bytes, joined from
    the template of its revision, body and version (:mod:`~syndication.packaging.splice`)
    and the grant's values, each written by orjson as it writes them inside the document."""
    values = _grant_values(inp)
    profile = inp.profile
    template = _template(
        profile,
        inp.article,
        inp.organisation,
        inp.image_refs(),
        bool(values[_EMBARGO]),
        bool(values[_BODY]),
    )
    if template is None:
        return build_whole(inp)
    ascii = profile in ASCII_VERSIONS
    escaped = [orjson.dumps(value) for value in values[:_BODY]]
    if ascii:
        escaped = [ascii_safe(value) for value in escaped]
    escaped.append(_json_text(values[_BODY], ascii))
    return template.join(escaped)


@lru_cache(maxsize=4)
def _json_text(text: str, ascii: bool) -> bytes:
    """A revision's body as a JSON string (ASCII-safe or not), written once for every grant."""
    data = orjson.dumps(text)
    return ascii_safe(data) if ascii else data
