"""Zips: the manifest matches the files, rebuilds are byte-identical, bundles stream."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Iterator
from dataclasses import replace

from syndication.packaging import FILE_NAMES
from syndication.packaging.bundle import build_zip, stream_bundle
from syndication.packaging.inputs import PackageInput
from syndication.packaging.manifest import terms_hash
from syndication.rules.snapshot import snapshot_hash
from tests.packaging import GRANT, make_input, numbered_input, sha256, unzip


def test_package_zip_holds_every_format_images_and_manifest() -> None:
    files = unzip(build_zip(make_input()))
    assert set(files) == {
        *FILE_NAMES,
        "images/kyiv-street.png",
        "images/CREDITS.txt",
        "manifest.json",
    }
    credits = files["images/CREDITS.txt"].decode()
    assert "kyiv-street.png" in credits and "Credit: DCNF/Staff" in credits


def test_manifest_hashes_and_sizes_match_the_unzipped_files() -> None:
    files = unzip(build_zip(make_input()))
    manifest = json.loads(files.pop("manifest.json"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files)
    for path, data in files.items():
        assert listed[path]["sha256"] == sha256(data), path
        assert listed[path]["size"] == len(data), path
    assert manifest["article"] == {
        "id": "1042",
        "revision": 2,
        "headline": manifest["article"]["headline"],
        "canonical_url": manifest["article"]["canonical_url"],
        "updated_at": "2022-03-10T16:45:00+00:00",
    }
    assert manifest["grant"]["id"] == GRANT.grant_id
    assert manifest["licence_id"] == GRANT.licence_id
    assert manifest["rule_set_version"] == 4
    assert manifest["odrl"]["type"] == "Agreement"
    # The build time is the revision's, never the clock's.
    assert manifest["built_at"] == "2022-03-10T16:45:00+00:00"


def test_two_builds_give_byte_identical_zips() -> None:
    assert sha256(build_zip(make_input())) == sha256(build_zip(make_input()))


def test_zip_entries_are_sorted_stored_and_stamped_with_the_revision_time() -> None:
    import io

    with zipfile.ZipFile(io.BytesIO(build_zip(make_input()))) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(2022, 3, 10, 16, 45, 0)}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_streamed_bundle_has_one_folder_per_article_and_a_top_manifest() -> None:
    chunks = list(stream_bundle(numbered_input(n) for n in range(3)))
    assert len(chunks) > 3  # yielded as it goes, not as one blob
    files = unzip(b"".join(chunks))
    folders = {name.split("/")[0] for name in files if "/" in name}
    assert folders == {"1000-r2", "1001-r2", "1002-r2"}
    assert {name for name in files if "/" not in name} == {"manifest.json"}
    top = json.loads(files["manifest.json"])
    assert [a["folder"] for a in top["articles"]] == ["1000-r2", "1001-r2", "1002-r2"]
    for entry in top["articles"]:
        assert entry["manifest_sha256"] == sha256(files[f"{entry['folder']}/manifest.json"])
    assert top["built_at"] == "2022-03-10T16:45:00+00:00"
    again = b"".join(stream_bundle(numbered_input(n) for n in range(3)))
    assert sha256(again) == sha256(b"".join(chunks))


PHOTO = bytes(range(256)) * 160  # 40 KB, the size of a small web JPEG


def _inputs(count: int) -> Iterator[PackageInput]:
    # Built lazily, as the app would load them from a query, each with a photo.
    for n in range(count):
        inp = numbered_input(n)
        own, wire = inp.assets
        yield replace(inp, assets=(replace(own, data=PHOTO, sha256=""), wire))


def test_200_article_bundle_streams_with_bounded_memory() -> None:
    numbered_input(0)  # warm caches (templates, parsers) outside the measurement
    total = 0
    tracemalloc.start()
    try:
        for chunk in stream_bundle(_inputs(200)):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 10_000_000
    # What remains is zipfile's per-entry record for the central directory
    # (about 600 bytes an entry), not the packages.
    assert peak < total / 8, (peak, total)


def test_manifest_terms_hash_equals_the_snapshot_hash_the_grant_stores() -> None:
    terms = make_input().terms
    odd = {**terms, "variables": {**terms["variables"], "headline": 'Tab\t"é" \x01 😀 </x>'}}
    for snapshot in (terms, odd):
        assert terms_hash(snapshot) == snapshot_hash(snapshot)


def test_a_remembered_terms_hash_is_named_and_a_copy_with_other_terms_works_its_own_out() -> None:
    inp = make_input()
    inp.remember_terms_hash(terms_hash(inp.terms))
    assert json.loads(unzip(build_zip(inp))["manifest.json"])["terms_sha256"] == terms_hash(
        inp.terms
    )
    other = replace(inp, terms={**inp.terms, "licence_id": "SD-OTHER"})
    manifest = json.loads(unzip(build_zip(other))["manifest.json"])
    assert manifest["terms_sha256"] == snapshot_hash(other.terms) != terms_hash(inp.terms)


def test_equal_revisions_hash_alike_and_a_changed_copy_hashes_anew() -> None:
    article = make_input().article
    twin = replace(article)
    changed = replace(article, headline="Another headline")
    assert twin == article and hash(twin) == hash(article)
    assert changed != article and hash(changed) != hash(article)
    assert hash(article) == hash(article)  # worked out once, then kept


def test_pictures_are_named_once_per_tuple_of_assets_and_never_for_an_equal_one() -> None:
    first = make_input()
    shared = replace(first)  # another grant's input of the revision: the same assets
    equal = replace(first, assets=tuple(replace(asset) for asset in first.assets))
    assert shared.images() is first.images()
    assert equal.images() == first.images() and equal.images() is not first.images()
    # Each names its own assets, which preparing its body matches by identity.
    for inp in (first, equal):
        assert {id(asset) for _, asset in inp.images()} <= {id(asset) for asset in inp.assets}
    assert build_zip(equal) == build_zip(first)
