"""Every article of the real corpus, imported as staff would, packages into valid standards.

The corpus holds feeds, WordPress exports and article pages nobody here wrote:
bodies with tables, embeds, odd entities, right-to-left scripts and broken
markup that the importers repaired. Whatever the importer kept, each package
must build, its ninjs must pass the IPTC JSON Schema of every profile (1.6,
2.2, 3.1) and come back whole through an independent ninjs reader, its
NewsML-G2 must pass the IPTC XSD, and its manifest must describe the zip it sits in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.ingest.detect import ImportFormatError, parse_any
from syndication.ingest.drafts import ArticleDraft
from syndication.packaging import ArticleRevision, AssetInput, ninjs
from syndication.packaging.bundle import build_zip
from syndication.services.articles import word_count
from tests.packaging import (
    CORPUS_FILES,
    CORPUS_NOTHING_PUBLISHED,
    CORPUS_REFUSED,
    corpus_drafts,
    make_input,
    newsml_errors,
    ninjs_errors,
    round_trip,
    snapshot,
    unzip,
)

# When a source gives no time: any fixed moment keeps the build deterministic.
FALLBACK_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.utcoffset() is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _revision(n: int, draft: ArticleDraft) -> ArticleRevision:
    """The draft as the revision the import would store (ids made up)."""
    published = _aware(draft.published_at)
    return ArticleRevision(
        article_id=str(n),
        revision=1,
        headline=draft.headline or "Untitled",
        body_html=draft.body_html,
        updated_at=_aware(draft.updated_at) or published or FALLBACK_TIME,
        canonical_url=draft.canonical_url or f"https://news.example.org/{n}",
        dek=draft.dek,
        bylines=tuple(draft.bylines),
        dateline=draft.dateline,
        section=draft.section,
        tags=tuple(draft.tags),
        language=draft.language or "en",
        published_at=published,
        summary=draft.summary,
        word_count=word_count(draft.body_html),
    )


def _assets(draft: ArticleDraft) -> tuple[AssetInput, ...]:
    return tuple(
        AssetInput(
            filename=Path(asset.url.split("?")[0]).name or f"image-{i}",
            data=asset.url.encode(),  # stand-in bytes, distinct per image
            mime_type=asset.mime_type or "image/jpeg",
            caption=asset.caption,
            credit=asset.credit,
            rights_holder=asset.rights_holder,
            syndicatable=asset.syndicatable,
            source_url=asset.url,
        )
        for i, asset in enumerate(draft.assets)
    )


def test_the_corpus_is_all_here() -> None:
    # A missing folder would quietly shrink the parametrised test below to nothing.
    assert len(CORPUS_FILES) >= 40


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_every_corpus_article_packages_into_valid_ninjs_of_every_profile_and_newsml(
    path: Path,
) -> None:
    if path.name in CORPUS_REFUSED:
        with pytest.raises(ImportFormatError):
            parse_any(path.read_bytes(), path.name)
        return
    drafts = corpus_drafts(path)
    assert bool(drafts) is (path.name not in CORPUS_NOTHING_PUBLISHED)
    for n, draft in enumerate(drafts):
        article = _revision(n, draft)
        terms = snapshot(article)
        for version in ninjs.VERSIONS:
            inp = make_input(article, terms=terms, assets=_assets(draft), profile=version)
            files = unzip(build_zip(inp))
            where = f"{path.name} #{n} ninjs {version} {article.headline[:40]!r}"
            assert ninjs_errors(files["article.ninjs.json"], version, files) == [], where
            # Read back by a reader written from the spec: nothing lost, nothing changed.
            assert round_trip.problems(inp, files) == [], where
        assert newsml_errors(files["article.newsml.xml"]) == [], where
        listed = json.loads(files.pop("manifest.json"))["files"]
        assert {entry["path"]: entry["sha256"] for entry in listed} == {
            name: hashlib.sha256(data).hexdigest() for name, data in files.items()
        }, where
        # Only images the importer judged ours ship; a wire photo never does.
        ours = {asset.data for asset in inp.assets if asset.syndicatable}
        images = {name: data for name, data in files.items() if name.startswith("images/")}
        images.pop("images/CREDITS.txt", None)
        assert set(images.values()) <= ours, where
