"""What every import of the shared corpus produces, down to the byte, as one digest per file.

A guard for work on the importers' speed: a change that must not change what is
imported is checked against ``draft_digests.json``, which holds, for each file
of the shared corpus and for the large feed and WordPress export that
``bench/ingest.py`` builds from corpus items, a digest of everything
``read_file`` returns (every field of every draft, its findings and assets, the
file's notes and skipped items, or the refusal) and of what the import service
computes from each draft before it touches the database (its identity keys and
content hash). The text fingerprint is kept apart, so that a change of its
definition shows as that and nothing else.

``python -m tests.ingest.draft_digests`` writes the file again: only for a
change whose new output has been checked and is meant.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from syndication.ingest.detect import ImportFormatError, read_file
from syndication.ingest.identity import identify
from syndication.services.articles import content_hash

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
DIGESTS = Path(__file__).with_name("draft_digests.json")
KNOWN_FOOTERS = (
    "Content created by The Bench Desk is available without charge to any eligible news "
    "publisher that can provide a large audience. For licensing opportunities of our "
    "original content, please contact licensing@bench.example.org.",
)
# Enough copies to take every item of the bench's sources at least once.
BUILT_ITEMS = 400


@cache
def bench_module() -> ModuleType:
    """``bench/ingest.py``, for the feed and export it builds (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved  # the script puts the project root first
    return module


def inputs() -> list[tuple[str, bytes]]:
    """Every file of the shared corpus, then the bench's built RSS feed and WordPress export."""
    files = [
        (str(path.relative_to(CORPUS)), path.read_bytes())
        for path in sorted(CORPUS.rglob("*"))
        if path.is_file() and path.suffix != ".md"
    ]
    bench = bench_module()
    files.append(("built/bench.rss", bench.build_feed(BUILT_ITEMS)))
    files.append(("built/bench-wxr.xml", bench.build_wxr(BUILT_ITEMS)))
    return files


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)  # datetimes: their repr holds the zone


def _digest(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def digest(name: str, data: bytes) -> dict[str, str]:
    """The digests of one file's import: the drafts and notes, and the text fingerprints."""
    try:
        reading = read_file(data, Path(name).name, known_footers=KNOWN_FOOTERS)
    except ImportFormatError as error:
        return {"refused": _digest(str(error))}
    identities = [identify(d.source_id, d.canonical_url, d.body_html) for d in reading.drafts]
    return {
        "drafts": _digest(
            [
                [_plain(draft), identity.source_id, identity.url_key, content_hash(draft)]
                for draft, identity in zip(reading.drafts, identities, strict=True)
            ]
            + [reading.importer, _plain(reading.notes)]
        ),
        "fingerprints": _digest([identity.fingerprint for identity in identities]),
    }


def digests() -> dict[str, dict[str, str]]:
    logging.disable(logging.WARNING)  # the corpus's broken files say so on every import
    try:
        return {name: digest(name, data) for name, data in inputs()}
    finally:
        logging.disable(logging.NOTSET)


if __name__ == "__main__":
    DIGESTS.write_text(json.dumps(digests(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS}")
