"""Zips: one package, or a streamed bundle of many, reproducible to the byte.

Reproducible: entries sorted by name, every timestamp the revision's time (DOS
time, so to 2 seconds, in UTC), fixed permissions (0644, Unix), no extra fields,
and entries *stored*, not deflated. Storing is a decision: the images are JPEG
or PNG (already compressed) and the texts are a few KB each, while deflate
costs about six times the whole rest of the build (see bench/packages.py).

Streamed: :func:`stream_bundle` drives ``zipfile`` over a write-only sink that
it drains after every entry, so memory holds one package at a time however
many articles the bundle has.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache

import orjson

import syndication.packaging as packaging
from syndication.packaging import manifest
from syndication.packaging.inputs import REVISIONS_KEPT, AssetInput, PackageInput

BUNDLE_VERSION = 1
_PERMISSIONS = 0o100644 << 16  # a regular file, rw-r--r--
_UNIX = 3
_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


class _Sink:
    """A write-only, non-seekable file: zipfile writes into it, the generator drains it.

    It answers ``tell()`` itself: without it zipfile wraps the sink in a
    position-counting proxy, an extra Python call on each of its many writes.
    Having no ``seek()`` keeps zipfile writing data descriptors, as before.
    """

    def __init__(self) -> None:
        # One growing buffer, not a list of pieces: zipfile writes many tiny
        # headers, and a bytes object per piece would cost more than the piece.
        self._buffer = bytearray()
        self._drained = 0  # bytes that have left through drain()

    def write(self, data: bytes) -> int:
        """Keep the data until the next drain."""
        self._buffer += data
        return len(data)

    def tell(self) -> int:
        """How many bytes have been written so far, drained or not."""
        return self._drained + len(self._buffer)

    def flush(self) -> None:
        """Nothing to flush: chunks leave through drain()."""

    def drain(self) -> bytes:
        """Everything written since the last drain."""
        out = bytes(self._buffer)
        self._drained += len(out)
        self._buffer.clear()
        return out


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """A zip (DOS) timestamp for ``moment`` in UTC, clamped to what the format can hold."""
    utc = moment.astimezone(UTC)
    if utc.year < 1980:
        return _EPOCH
    if utc.year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def _write(archive: zipfile.ZipFile, name: str, data: bytes, date_time: tuple[int, ...]) -> None:
    info = zipfile.ZipInfo(name, date_time)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = _UNIX
    info.external_attr = _PERMISSIONS
    archive.writestr(info, data)


def credits_text(inp: PackageInput) -> bytes:
    """images/CREDITS.txt: each shipped image with its caption, credit and rights holder."""
    return _credits(inp.article.headline, inp.image_refs())


@lru_cache(maxsize=REVISIONS_KEPT)
def _credits(headline: str, images: tuple[tuple[str, AssetInput, int], ...]) -> bytes:
    # The same for every grant of the revision: written once (the images' facts, not bytes).
    lines = [f"Image credits for: {headline}", ""]
    for name, asset, _ in images:
        lines.append(name)
        if asset.caption:
            lines.append(f"  Caption: {asset.caption}")
        if asset.credit:
            lines.append(f"  Credit: {asset.credit}")
        if asset.rights_holder:
            lines.append(f"  Rights holder: {asset.rights_holder}")
        lines.append("")
    lines.append("Publish each image only with its credit, and only with this article.")
    return ("\n".join(lines) + "\n").encode()


def package_files(inp: PackageInput, formats: Iterable[str] | None = None) -> dict[str, bytes]:
    """Every file of the package except the manifest: formats, then images/ (syndicatable only)."""
    names = packaging.FILE_NAMES if formats is None else tuple(formats)
    registry = packaging.FILES
    files = {name: registry[name].build(inp) for name in names}
    images = inp.images()
    if images:
        for name, asset in images:
            files[f"images/{name}"] = asset.data or b""
        files["images/CREDITS.txt"] = credits_text(inp)
    return files


def package_with_manifest(
    inp: PackageInput, formats: Iterable[str] | None = None
) -> dict[str, bytes]:
    """The package's files plus manifest.json, which lists all the others."""
    files = package_files(inp, formats)
    files["manifest.json"] = manifest.build(inp, files)
    return files


def _entries(
    archive: zipfile.ZipFile,
    sink: _Sink,
    files: Mapping[str, bytes],
    date_time: tuple[int, ...],
    prefix: str = "",
) -> Iterator[bytes]:
    for name in sorted(files):
        _write(archive, prefix + name, files[name], date_time)
        chunk = sink.drain()
        if chunk:
            yield chunk


def zip_files(files: Mapping[str, bytes], moment: datetime) -> bytes:
    """Zip ``files`` into bytes exactly as a package zip does (the benchmark's floor)."""
    # Drained once at the end: a zip wanted whole has no use for a chunk per
    # entry, each a copy and a trip through the generator.
    sink = _Sink()
    date_time = zip_time(moment)
    with zipfile.ZipFile(sink, "w") as archive:  # type: ignore[arg-type]
        for name in sorted(files):
            _write(archive, name, files[name], date_time)
    return sink.drain()


def build_zip(inp: PackageInput, formats: Iterable[str] | None = None) -> bytes:
    """One package as a zip: the formats, images/ and manifest.json at the top level."""
    return zip_files(package_with_manifest(inp, formats), inp.article.updated_at)


def _folder(inp: PackageInput, used: set[str]) -> str:
    base = _UNSAFE.sub("-", f"{inp.article.article_id}-r{inp.article.revision}").strip(".-")
    name, n = base or "article", 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def stream_bundle(
    inputs: Iterable[PackageInput], formats: Iterable[str] | None = None
) -> Iterator[bytes]:
    """A zip of many packages, one folder each plus a top manifest.json, yielded in chunks.

    Packages are built one at a time as the zip is read, so memory does not grow
    with the number of articles. Folders follow the order of ``inputs``: pass
    them sorted (by article id) for a reproducible bundle.
    """
    names = None if formats is None else tuple(formats)
    sink = _Sink()
    used: set[str] = set()
    articles: list[dict[str, object]] = []
    latest: datetime | None = None
    with zipfile.ZipFile(sink, "w") as archive:  # type: ignore[arg-type]
        for inp in inputs:
            folder = _folder(inp, used)
            files = package_with_manifest(inp, names)
            yield from _entries(
                archive, sink, files, zip_time(inp.article.updated_at), prefix=f"{folder}/"
            )
            package_manifest = manifest.file_entries({"manifest.json": files["manifest.json"]})
            articles.append(
                {
                    "folder": folder,
                    "article_id": str(inp.article.article_id),
                    "revision": inp.article.revision,
                    "grant_id": str(inp.grant.grant_id),
                    "licence_id": inp.grant.licence_id,
                    "manifest_sha256": package_manifest[0]["sha256"],
                    "files": len(files),
                    "size": sum(len(data) for data in files.values()),
                }
            )
            if latest is None or inp.article.updated_at > latest:
                latest = inp.article.updated_at
            del files  # one package at a time
        top = {
            "bundle_version": BUNDLE_VERSION,
            # The newest revision's time: a rebuild of the same articles is byte-identical.
            "built_at": latest.isoformat() if latest else None,
            "articles": articles,
        }
        stamp = zip_time(latest) if latest else _EPOCH
        _write(archive, "manifest.json", orjson.dumps(top, option=_OPTIONS), stamp)
    yield sink.drain()
