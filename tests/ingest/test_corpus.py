"""Every real feed, WordPress export and article page imports, or is refused with a reason."""

from __future__ import annotations

from datetime import UTC
from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.detect import (
    ImportFormatError,
    Reading,
    detect_format,
    parse_any,
    read_file,
)
from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.sanitise import sanitise_html

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ARTICLES = CORPUS / "articles"
FILES = sorted(
    [*(CORPUS / "feeds").iterdir(), *(CORPUS / "wxr").iterdir()]
    + [p for p in ARTICLES.glob("*.html") if not p.name.endswith(".expected.html")]
)
# Genuinely broken files, with the reason they must be refused.
REFUSED = {
    "importer-malformed.xml": "<notachanneltag> stands where <channel> must be: no posts to find",
}
# Exports whose every post is unpublished: nothing to import, each skip said why.
NOTHING_PUBLISHED = {
    "importer-serialized-postmeta-cdata.xml": "its one post is a draft",
}
# Well-formed files whose items carry no text at all: they import as headlines only.
HEADLINES_ONLY = {
    "science-twis-rss1.rdf": "every item's <description> is an empty CDATA block",
}


@cache
def _reading(path: Path) -> Reading | ImportFormatError:
    """Import once per test session: the corpus test and the hit rates share the work."""
    try:
        return read_file(path.read_bytes(), path.name)
    except ImportFormatError as error:
        return error


def _import(path: Path) -> list[ArticleDraft] | ImportFormatError:
    reading = _reading(path)
    return reading if isinstance(reading, ImportFormatError) else reading.drafts


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_imports_or_is_refused_with_a_reason(path: Path) -> None:
    result = _import(path)
    if path.name in REFUSED:
        assert isinstance(result, ImportFormatError), REFUSED[path.name]
        assert str(result)
        return
    assert not isinstance(result, ImportFormatError), str(result)
    if path.name in NOTHING_PUBLISHED:
        reading = _reading(path)
        assert not result and reading.notes.skipped, NOTHING_PUBLISHED[path.name]
        assert all(s.reason for s in reading.notes.skipped)
        return
    assert result, "no drafts"
    assert all(d.headline for d in result)
    if path.name not in HEADLINES_ONLY:
        assert any(d.body_html.strip() for d in result)
    for draft in result:
        assert "<script" not in draft.body_html and "<!--" not in draft.body_html
        # Bodies are in the sanitiser's canonical form: rules may sanitise them again.
        assert sanitise_html(draft.body_html) == draft.body_html
        for moment in (draft.published_at, draft.updated_at):
            assert moment is None or moment.utcoffset() == UTC.utcoffset(None)


def test_the_refused_wxr_names_what_is_wrong() -> None:
    result = _import(CORPUS / "wxr" / "importer-malformed.xml")
    assert isinstance(result, ImportFormatError)
    assert "<channel>" in str(result)


# The article pages' titles, bylines, dates and snippets: tests/ingest/test_corpus_quality.py


# --- choosing the importer ------------------------------------------------------------------


def test_content_decides_before_the_file_name() -> None:
    wxr = (CORPUS / "wxr" / "importer-valid-wxr-1.1.xml").read_bytes()
    atom = (CORPUS / "feeds" / "atom-xml-base.atom").read_bytes()
    page = (ARTICLES / "readability-aclu.html").read_bytes()
    assert detect_format(wxr, "export.rss") == "wxr"
    assert detect_format(atom, "upload.bin") == "feed"
    assert detect_format(page, "article.xml") == "page"
    assert detect_format(b'{"uri": "urn:x", "headline": "Hi"}', "item.txt") == "ninjs"


def test_file_name_decides_when_the_content_says_nothing() -> None:
    assert detect_format(b"Just some words.", "story.txt") == "seed"
    assert detect_format(b"Just some words.", "story.bin") is None


def test_seed_text_goes_to_the_seed_parser_with_a_headline() -> None:
    data = (CORPUS / "seed" / "dcnf-2022-03-10-kuleba-lavrov.txt").read_bytes()
    [draft] = parse_any(data, "kuleba.txt", headline="Kuleba and Lavrov meet")
    assert draft.headline == "Kuleba and Lavrov meet"
    assert draft.source_id == "kuleba.txt"


def test_broken_seed_text_is_an_import_format_error() -> None:
    with pytest.raises(ImportFormatError, match="date header"):
        parse_any(b"no header here", "story.txt")


def test_unknown_format_is_refused_with_the_file_name() -> None:
    with pytest.raises(ImportFormatError, match=r"notes\.bin is not a format we can import"):
        parse_any(b"\x00\x01 binary", "notes.bin")
