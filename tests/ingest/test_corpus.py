"""Every real feed, WordPress export and article page imports, or is refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.detect import ImportFormatError, detect_format, parse_any
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
# Well-formed files whose items carry no text at all: they import as headlines only.
HEADLINES_ONLY = {
    "science-twis-rss1.rdf": "every item's <description> is an empty CDATA block",
}


@cache
def _import(path: Path) -> list[ArticleDraft] | ImportFormatError:
    """Import once per test session: the corpus test and the hit rates share the work."""
    try:
        return parse_any(path.read_bytes(), path.name)
    except ImportFormatError as error:
        return error


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_imports_or_is_refused_with_a_reason(path: Path) -> None:
    result = _import(path)
    if path.name in REFUSED:
        assert isinstance(result, ImportFormatError), REFUSED[path.name]
        assert str(result)
        return
    assert not isinstance(result, ImportFormatError), str(result)
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


# --- article pages against upstream expectations ------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_SEPARATORS = set("-|–—:·")


def _norm(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).casefold()


def _same_title(expected: str, found: str) -> bool:
    """Equal, or equal but for a site name or kicker set off by a separator."""
    a, b = sorted((_norm(expected), _norm(found)), key=len)
    if a == b:
        return True
    return bool(a) and (
        (b.startswith(a) and b[len(a) :].lstrip()[:1] in _SEPARATORS)
        or (b.endswith(a) and b[: -len(a)].rstrip()[-1:] in _SEPARATORS)
    )


def _names(value: str | list[str]) -> list[str]:
    raw = value if isinstance(value, list) else [value]
    names = []
    for entry in raw:
        for name in entry.replace(" and ", ",").replace("/", ",").replace(";", ",").split(","):
            name = _norm(name).replace(".", "")
            name = name.removeprefix("by ").removeprefix("par ").removeprefix("von ")
            if name:
                names.append(name)
    return names


def _expected_day(value: str) -> str:
    moment = datetime.fromisoformat(value.replace(" ", "T"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def test_article_pages_title_date_and_author_hit_rates() -> None:
    expected = json.loads((ARTICLES / "expected.json").read_text(encoding="utf-8"))
    titles = dates = authors = 0
    dated = authored = 0
    misses = []
    for name, want in sorted(expected.items()):
        result = _import(ARTICLES / name)
        assert not isinstance(result, ImportFormatError), name
        draft = result[0]
        if _same_title(want["title"], draft.headline):
            titles += 1
        else:
            misses.append(f"title  {name}: {draft.headline!r} != {want['title']!r}")
        day = want.get("date") or want.get("published_time") or want.get("publish_date")
        if day:
            dated += 1
            found = draft.published_at.date().isoformat() if draft.published_at else None
            if found == _expected_day(day):
                dates += 1
            else:
                misses.append(f"date   {name}: {found} != {day}")
        author = want.get("author") or want.get("byline") or want.get("authors")
        if author:
            authored += 1
            got = [n for b in draft.bylines for n in _names(b)]
            # Containment: "Martin Untersinger (avec Damien Leloup ...)" names him too.
            if any(g in e or e in g for g in got for e in _names(author)):
                authors += 1
            else:
                misses.append(f"author {name}: {draft.bylines} != {author!r}")
    print(
        f"\narticle pages: titles {titles}/{len(expected)} ({titles / len(expected):.0%}), "
        f"dates {dates}/{dated} ({dates / dated:.0%}), "
        f"authors {authors}/{authored} ({authors / authored:.0%})"
    )
    print("\n".join(misses))
    assert titles / len(expected) >= 0.9
    assert dates / dated >= 0.8
    # Upstream author expectations are noisy (Readability keeps "By ...", a dateline,
    # newspaper4k lists page chrome): a floor against regressions, not a quality bar.
    assert authors / authored >= 0.5


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
