"""Imports of the shared corpus and of the bench's built files are exactly what they were.

``draft_digests.json`` was written from the importers before they were made
faster (``tests/ingest/draft_digests.py`` says what each digest covers): a
speed-up that changes any field of any draft, a finding, a note, an identity
key or a content hash shows up here, file by file.
"""

from __future__ import annotations

import json

from tests.ingest.draft_digests import CORPUS, DIGESTS, digests


def test_every_file_imports_exactly_as_before() -> None:
    # Missing corpus is a failure, as everywhere in the suite (conftest's shared_dir): never a skip.
    assert CORPUS.is_dir(), f"the shared corpus is expected at {CORPUS}"
    expected = json.loads(DIGESTS.read_text())
    found = digests()
    assert sorted(found) == sorted(expected)
    changed = [name for name in expected if found[name] != expected[name]]
    assert changed == []
