"""Factories and validators shared by the packaging tests.

Inputs come from the real seed article (parsed by the seed importer) and a
terms snapshot rendered from the default rules, as a grant would freeze them.
The official schemas are loaded once per test session (cached here).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from syndication.ingest.detect import parse_any
from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.seed import parse_seed_text
from syndication.packaging import (
    ArticleRevision,
    AssetInput,
    GrantFacts,
    Organisation,
    PackageInput,
)
from syndication.rules import ArticleFacts, default_rules, odrl_policy
from syndication.rules.snapshot import terms_snapshot

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED_FILE = next((SHARED / "corpus" / "seed").glob("*.txt"))
STANDARDS = SHARED / "standards"
CORPUS = SHARED / "corpus"
# Every importable file of the corpus: feeds, WordPress exports, article pages, the seed.
CORPUS_FILES = sorted(
    path
    for folder in ("feeds", "wxr", "articles", "seed")
    for path in (CORPUS / folder).iterdir()
    if path.suffix in {".xml", ".rss", ".atom", ".rdf", ".html", ".txt"}
    and ".expected." not in path.name
)
# Files the importer refuses with a message (its own tests say why); nothing to package.
CORPUS_REFUSED = frozenset({"importer-malformed.xml"})
# Exports whose every post is unpublished: imported, they hold nothing to package.
CORPUS_NOTHING_PUBLISHED = frozenset({"importer-serialized-postmeta-cdata.xml"})

ORGANISATION = Organisation(
    name="The Daily Caller News Foundation",
    url="https://dailycallernewsfoundation.org",
    licensing_email="licensing@dailycallernewsfoundation.org",
)
GRANT = GrantFacts(
    grant_id="G-17",
    licence_id="LIC-2026-0017",
    partner_name="The Riverside Courier",
    partner_id="P-3",
)
GRANTED_AT = datetime(2026, 1, 5, 9, tzinfo=UTC)
REVISED_AT = datetime(2022, 3, 10, 16, 45, tzinfo=UTC)
CANONICAL = "https://dailycallernewsfoundation.org/2022/03/10/kuleba-lavrov-talks/"
PIXEL = "https://desk.example.org/p/G-17.gif"
OWN_IMAGE = "https://dailycallernewsfoundation.org/media/kyiv-street.jpg"
WIRE_IMAGE = "https://cdn.example.org/ap/lavrov-antalya.jpg"
# Bytes that never occur in text output, so a search for them is conclusive.
WIRE_BYTES = b"\xff\xd8WIRE-PHOTO-AP-DO-NOT-SHIP\xff\xd9"
OWN_BYTES = b"\x89PNG\r\n\x1a\nDCNF-OWN-PHOTO"


def seed_text() -> str:
    """The seed file as text."""
    return SEED_FILE.read_text("utf-8")


def seed_footer() -> str:
    """The seed file's last paragraph: the footer every copy must end with."""
    return seed_text().split("\n\n")[-1]


def _figure(src: str, caption: str) -> str:
    return f'<figure><img src="{src}" alt=""><figcaption>{caption}</figcaption></figure>'


def seed_article(**changes: Any) -> ArticleRevision:
    """The seed article as a revision, with one own photo and one AP photo in the body."""
    draft = parse_seed_text(SEED_FILE.read_bytes())
    body = (
        draft.body_html
        + _figure(OWN_IMAGE, "Kyiv on March 9. (DCNF/Staff)")
        + _figure(WIRE_IMAGE, "Sergei Lavrov in Antalya. (AP Photo/Burhan Ozbilici)")
    )
    fields: dict[str, Any] = {
        "article_id": "1042",
        "revision": 2,
        "headline": draft.headline,
        "body_html": body,
        "updated_at": REVISED_AT,
        "canonical_url": CANONICAL,
        "dek": "Talks in Turkey ended without a ceasefire",
        "bylines": ("Staff Reporter",),
        "section": "World",
        "tags": ("Ukraine", "Russia"),
        "published_at": draft.published_at,
        "summary": draft.summary,
        "word_count": len(" ".join(draft.body_html.split()).split(" ")),
    }
    fields.update(changes)
    return ArticleRevision(**fields)


def seed_assets() -> tuple[AssetInput, ...]:
    """Our own photo (syndicatable) and an AP photo (third-party, never shipped)."""
    return (
        AssetInput(
            filename="kyiv-street.png",
            data=OWN_BYTES,
            mime_type="image/png",
            caption="Kyiv on March 9.",
            credit="DCNF/Staff",
            rights_holder="The Daily Caller News Foundation",
            syndicatable=True,
            source_url=OWN_IMAGE,
        ),
        AssetInput(
            filename="lavrov-antalya.jpg",
            data=WIRE_BYTES,
            mime_type="image/jpeg",
            caption="Sergei Lavrov in Antalya.",
            credit="AP Photo/Burhan Ozbilici",
            rights_holder="The Associated Press",
            syndicatable=False,
            source_url=WIRE_IMAGE,
        ),
    )


def snapshot(article: ArticleRevision, *, rules: list[Any] | None = None) -> dict[str, Any]:
    """The terms a grant of ``article`` to the Courier freezes, from the default rules."""
    variables = {
        "organisation": ORGANISATION.name,
        "organisation_url": ORGANISATION.url,
        "licensing_email": ORGANISATION.licensing_email,
        "headline": article.headline,
        "byline": ", ".join(article.bylines),
        "canonical_url": article.canonical_url,
        "published_date": article.first_published.date().isoformat(),
        "partner_name": GRANT.partner_name,
        "partner_tier": "standard",
        "licence_id": GRANT.licence_id,
    }
    return terms_snapshot(
        default_rules() if rules is None else rules,
        ArticleFacts(origin="original", policy="free_eligible", section=article.section),
        variables=variables,
        partner_tier="standard",
        now=GRANTED_AT,
        licence_id=GRANT.licence_id,
        rule_set_version=4,
        valid_from=GRANTED_AT,
    )


def odrl(article: ArticleRevision, terms: Mapping[str, Any]) -> dict[str, Any]:
    """The grant's ODRL Agreement."""
    return odrl_policy(
        uid=f"{ORGANISATION.url}/licences/{GRANT.licence_id}",
        organisation=ORGANISATION.name,
        organisation_uri=ORGANISATION.url,
        partner_name=GRANT.partner_name,
        partner_uri="https://riversidecourier.example",
        target=article.canonical_url,
        footer_text=terms["formats"]["text"]["footer"],
        valid_from=GRANTED_AT,
        licensing_email=ORGANISATION.licensing_email,
    )


def make_input(
    article: ArticleRevision | None = None,
    *,
    terms: dict[str, Any] | None = None,
    assets: tuple[AssetInput, ...] | None = None,
    profile: str = "2.2",
    **flag_overrides: bool,
) -> PackageInput:
    """A package input for the seed article; ``strip_promos=False`` etc. override every format."""
    article = article or seed_article()
    terms = terms or snapshot(article)
    if flag_overrides:
        terms = json.loads(json.dumps(terms))
        for fmt_terms in terms["formats"].values():
            fmt_terms.update(flag_overrides)
    return PackageInput(
        article=article,
        terms=terms,
        grant=GRANT,
        organisation=ORGANISATION,
        odrl=odrl(article, terms),
        tracking_pixel_url=PIXEL,
        assets=seed_assets() if assets is None else assets,
        profile=profile,
    )


def numbered_input(n: int) -> PackageInput:
    """The seed input as article number ``n`` (for multi-article bundles)."""
    base = make_input()
    return replace(base, article=replace(base.article, article_id=f"{1000 + n}"))


@cache
def ninjs_validator(version: str = "2.2") -> jsonschema.protocols.Validator:
    """The official ninjs schema of ``version``, its own $schema draft, GeoJSON resolved offline."""
    geo = json.loads((STANDARDS / "ninjs" / "GeoJSON-schema.json").read_text("utf-8"))
    registry = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json",
        Resource.from_contents(geo, default_specification=DRAFT7),
    )
    path = STANDARDS / "ninjs" / f"ninjs-schema_{version}.json"
    schema = json.loads(path.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _packaged_href(error: jsonschema.ValidationError, files: Collection[str]) -> bool:
    """A rendition's href that is the path of a file of the package (images/...).

    The official schemas declare ``"format": "uri"`` on href, and in both JSON
    Schema drafts they use a format is an annotation, not an assertion: a
    relative reference is valid against them. The checker used here asserts
    formats (dates, URIs) anyway; this one case it lets through, and only when
    the reference names a file that is really in the package.
    """
    path = list(error.absolute_path)
    return (
        error.validator == "format"
        and len(path) >= 2
        and path[-1] == "href"
        and "renditions" in path
        and error.instance in files
    )


def ninjs_errors(data: bytes, version: str = "2.2", files: Collection[str] = ()) -> list[str]:
    """Schema errors of a ninjs document (empty when valid); ``files`` are the package's."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in ninjs_validator(version).iter_errors(json.loads(data))
        if not _packaged_href(e, files)
    ]


def shipped(inp: PackageInput) -> tuple[str, ...]:
    """The package paths of the images ``inp`` ships."""
    return tuple(f"images/{name}" for name, _ in inp.images())


@cache
def newsml_schema() -> etree.XMLSchema:
    """The NewsML-G2 2.35 power XSD; it imports xml.xsd by a relative path, found beside it."""
    path = STANDARDS / "newsml-g2" / "NewsML-G2_2.35-spec-All-Power.xsd"
    # Parsing from the file path gives the document its base URL, so the relative
    # schemaLocation="xml.xsd" resolves to the folder's copy, never the network.
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(path), parser))


def newsml_errors(data: bytes) -> list[str]:
    """XSD errors of a NewsML-G2 document (empty when valid)."""
    schema = newsml_schema()
    if schema.validate(etree.fromstring(data)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def unzip(data: bytes) -> dict[str, bytes]:
    """Every entry of a zip, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sha256(data: bytes) -> str:
    """Hex sha256."""
    return hashlib.sha256(data).hexdigest()


@cache
def corpus_drafts(path: Path) -> tuple[ArticleDraft, ...]:
    """The drafts the importer makes of one corpus file, read once per run; treat as read-only."""
    return tuple(parse_any(path.read_bytes(), path.name))
