"""Compressed uploads: gzip, bzip2, xz and single-file zip are opened, others are named.

Pure. An export saved as ``.xml.gz`` is still an export: it is decompressed,
up to a size limit (a small bomb must not fill memory), and the import goes
on. A compressed format we do not open, or a zip of many files, is refused
with a message that says what the file is, never "not XML".
"""

from __future__ import annotations

import bz2
import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass

from syndication.ingest.errors import ImportFormatError

# What a decompressed file may grow to: well above any real feed or export.
MAX_EXPANDED_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024

# Magic numbers of the formats we only name.
_NAMED_ONLY = (
    (b"\x28\xb5\x2f\xfd", "Zstandard-compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x1f\x9d", "compress (.Z)-compressed"),
)


@dataclass(frozen=True, slots=True)
class Opened:
    """The bytes to import, and what was done to get them ("" when they were plain)."""

    data: bytes
    note: str = ""
    # The name of the file inside an archive, when the archive says it.
    name: str = ""


def _too_large(kind: str, limit: int) -> ImportFormatError:
    return ImportFormatError(
        f"is {kind}; decompressed it would be larger than {limit:,} bytes, "
        "more than an import accepts."
    )


def _stream(decompressor, data: bytes, kind: str, limit: int) -> bytes:
    """Run a bz2 or lzma decompressor over ``data``, never past ``limit`` bytes."""
    out = bytearray()
    pending = data
    while not decompressor.eof:
        out += decompressor.decompress(pending, max_length=_CHUNK)
        pending = b""
        if len(out) > limit:
            raise _too_large(kind, limit)
        if decompressor.needs_input and not decompressor.eof:
            raise ImportFormatError(f"is {kind} but truncated: it ends too early.")
    return bytes(out)


def _gunzip(data: bytes, limit: int) -> bytes:
    # wbits 16 + MAX_WBITS: a gzip header and trailer around deflate data.
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while not decompressor.eof:
            out += decompressor.decompress(pending, _CHUNK)
            pending = decompressor.unconsumed_tail
            if len(out) > limit:
                raise _too_large("gzip-compressed", limit)
            if not pending and not decompressor.eof:
                raise ImportFormatError("is gzip-compressed but truncated: it ends too early.")
    except zlib.error as error:
        raise ImportFormatError(f"is gzip-compressed but damaged ({error}).") from None
    return bytes(out)


def _unzip(data: bytes, limit: int) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportFormatError(
            "is not a format we can import: it starts like a zip archive but is not a "
            f"readable one ({error})."
        ) from None
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir()
        and not m.filename.startswith("__MACOSX/")
        and not m.filename.rsplit("/", 1)[-1].startswith(".")
    ]
    if len(members) != 1:
        names = ", ".join(m.filename for m in members[:5]) + (" …" if len(members) > 5 else "")
        raise ImportFormatError(
            f"is a zip archive of {len(members)} files ({names or 'none'}): "
            "import one file at a time."
        )
    member = members[0]
    if member.file_size > limit:
        raise _too_large("a zip archive", limit)
    try:
        with archive.open(member) as handle:
            content = handle.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as error:
        raise ImportFormatError(f"is a zip archive that cannot be opened ({error}).") from None
    if len(content) > limit:
        raise _too_large("a zip archive", limit)
    return content, member.filename


def open_compressed(data: bytes, *, limit: int = MAX_EXPANDED_BYTES) -> Opened:
    """``data`` decompressed if it is gzip, bzip2, xz or a one-file zip; else as it is.

    Raises ImportFormatError, naming the format in words that follow the file's
    name ("feed.xml.gz is gzip-compressed but damaged"), for damaged or oversized
    compressed files, for archives of several files, and for compressed
    formats that are not opened here.
    """
    if data.startswith(b"\x1f\x8b"):
        expanded = _gunzip(data, limit)
        return Opened(expanded, f"gzip-compressed; decompressed to {len(expanded):,} bytes")
    if data.startswith(b"BZh"):
        try:
            expanded = _stream(bz2.BZ2Decompressor(), data, "bzip2-compressed", limit)
        except OSError as error:
            raise ImportFormatError(f"is bzip2-compressed but damaged ({error}).") from None
        return Opened(expanded, f"bzip2-compressed; decompressed to {len(expanded):,} bytes")
    if data.startswith(b"\xfd7zXZ\x00"):
        try:
            expanded = _stream(lzma.LZMADecompressor(), data, "xz-compressed", limit)
        except lzma.LZMAError as error:
            raise ImportFormatError(f"is xz-compressed but damaged ({error}).") from None
        return Opened(expanded, f"xz-compressed; decompressed to {len(expanded):,} bytes")
    if data.startswith(b"PK\x03\x04"):
        expanded, name = _unzip(data, limit)
        return Opened(expanded, f"a zip archive; imported its one file, {name}", name=name)
    for magic, kind in _NAMED_ONLY:
        if data.startswith(magic):
            raise ImportFormatError(
                f"is {kind}, which cannot be imported: decompress it and import the "
                "file inside (gzip, bzip2, xz and zip are opened automatically)."
            )
    return Opened(data)
