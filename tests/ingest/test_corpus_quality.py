"""Ingest you can credit: the figures over the whole shared corpus, held to their bars.

The figures are computed by ``tests/ingest/corpus_figures.py`` from each
source's own expectations (see its docstring for how each comparison is made)
and printed, so a run shows them: ``pytest -s -k corpus_quality``.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest

from syndication.ingest.errors import ImportFormatError
from syndication.services import importing
from tests.ingest.corpus_figures import all_figures, check_corrections, corpus_files, report


def test_every_correction_of_an_upstream_expectation_is_what_its_page_states() -> None:
    assert check_corrections() == []


def test_ingest_quality_over_the_shared_corpus() -> None:
    pages, feeds, wxr, chars = all_figures()
    print("\n" + report(pages, feeds, wxr, chars))
    assert pages.bylines_exact / pages.bylines_expected >= 0.90
    assert pages.titles_exact / pages.pages >= 0.95
    assert pages.snippets_passed / pages.snippet_checks >= 0.95
    assert pages.dates_equal == pages.dated
    assert feeds.items_found == feeds.items
    assert feeds.headlines_equal == feeds.headlines
    assert feeds.dates_equal == feeds.dates
    assert wxr.files_equal == wxr.files, wxr.misses
    assert chars.mojibake == 0 and chars.replacement == 0, chars.misses


@cache
def _reading(path: Path) -> importing.Reading | None:
    try:
        return importing.read(path.read_bytes(), path.name)
    except ImportFormatError:
        return None  # refused files are the corpus test's business


def _import(path: Path) -> importing.ImportReport | None:
    """``importing.import_file`` of the file, its reading shared by every pass (it is pure)."""
    reading = _reading(path)
    return importing.store(copy.deepcopy(reading), path.name) if reading is not None else None


@pytest.mark.usefixtures("app")
def test_a_second_import_of_every_corpus_file_creates_nothing() -> None:
    """Each file imported twice running changes nothing; all of them again creates nothing.

    Several WordPress test exports hold the same post of the same site ("Hello
    world!" at http://localhost/?p=1) in different words: importing one after
    the other revises that article, which is what a newer copy should do.
    """
    created = revised = 0
    not_idempotent = []
    for path in corpus_files():
        first = _import(path)
        if first is None:
            continue
        created, revised = created + first.created, revised + first.revised
        again = _import(path)
        if again.created or again.revised:
            not_idempotent.append(f"{path.name}: {again.summary()}")
    second = [r for r in map(_import, corpus_files()) if r is not None]
    print(
        f"\nfirst import: {created} created, {revised} revised; each file again at once: "
        f"{len(not_idempotent)} changed anything; all files again: "
        f"{sum(r.created for r in second)} created, {sum(r.revised for r in second)} revised"
    )
    assert created > 500
    assert not_idempotent == []
    assert sum(r.created for r in second) == 0
