"""Decode a file's bytes to text the way a browser would, and say which encoding and why.

Pure. The order is the browser's: a byte order mark, then the file's own
declaration (the XML declaration, or a ``<meta>`` charset anywhere in the
head, since many pages put it past the 1,024 bytes a browser pre-scans), then
the bytes themselves. A declaration is checked against the bytes: a page or
feed that declares ISO-8859-1 or windows-1252 (or any other legacy encoding)
but whose bytes are valid UTF-8 with multi-byte sequences is UTF-8, because
legacy text almost never forms valid multi-byte UTF-8 by chance. Files that
declare nothing are UTF-8 when their bytes are, else charset-normalizer
chooses, guided by the language the file says it is in.

Decoding never invents U+FFFD: a byte that the chosen single-byte encoding
leaves undefined keeps its Latin-1 code point (as browsers do for
windows-1252), and stray windows-1252 bytes inside UTF-8 are read as
windows-1252.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECLARATION = re.compile(
    rb"""\A\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)\s*["']""",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_HEAD_END = re.compile(rb"</head\s*>|<body\b", re.IGNORECASE)
# Where a meta charset may still be found when there is no </head>: the start of the file.
_HEAD_LIMIT = 64 * 1024
_LANGUAGE = re.compile(
    rb"""<(?:dc:)?language>\s*(?:<!\[CDATA\[)?\s*([A-Za-z]{2,3})"""
    rb"""|\b(?:xml:)?lang\s*=\s*["']([A-Za-z]{2,3})""",
    re.IGNORECASE,
)

# Labels as the WHATWG Encoding standard maps them: browsers read "ISO-8859-1" and
# "US-ASCII" as windows-1252, "GB2312" as GBK (a subset of GB18030), and so on.
_LABELS = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "cp1252": "windows-1252",
    "iso-8859-9": "windows-1254",
    "latin5": "windows-1254",
    "iso-8859-11": "windows-874",
    "tis-620": "windows-874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    # A byte stream that says UTF-16 without a byte order mark is not UTF-16.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
# The encoding a browser falls back to for a document in this language.
_LANGUAGE_DEFAULTS = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "kk"), "windows-1251"),
    **dict.fromkeys(("cs", "sk", "pl", "hu", "sl", "hr", "ro", "bs"), "windows-1250"),
    **dict.fromkeys(("lt", "lv", "et"), "windows-1257"),
    "el": "windows-1253",
    "tr": "windows-1254",
    "az": "windows-1254",
    "he": "windows-1255",
    "iw": "windows-1255",
    "ar": "windows-1256",
    "fa": "windows-1256",
    "ur": "windows-1256",
    "vi": "windows-1258",
    "th": "windows-874",
    "zh": "gb18030",
    "ja": "cp932",
    "ko": "cp949",
}
_DEFAULT = "windows-1252"
# How much worse than the cleanest candidate the browsers' choice may score and still win.
_CLOSE = 0.05
# Single-byte code pages, in which every byte is a character (some left undefined).
_SINGLE_BYTE = re.compile(r"^(?:windows-125\d|windows-874|cp\d{3,4}|iso-?8859-\d+|koi8-[ru]|mac)")


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a file, the encoding it was read in, and why that one, for people."""

    text: str
    encoding: str
    reason: str
    # False when the encoding was simply the declared (or BOM's) one, confirmed by the bytes.
    notable: bool = False
    # True when ``text`` is the bytes read as UTF-8, unchanged: parsers may take the bytes.
    verbatim: bool = False


def _undefined_as_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    # windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; browsers give them
    # their Latin-1 code points (C1 controls) rather than U+FFFD.
    bad = error.object[error.start : error.end]
    return "".join(chr(b) for b in bad), error.end


def _stray_as_1252(error: UnicodeDecodeError) -> tuple[str, int]:
    # A stray byte in UTF-8: the windows-1252 character it is (a pasted curly quote).
    byte = error.object[error.start : error.start + 1]
    return byte.decode("windows-1252", errors="syndication-latin1"), error.start + 1


codecs.register_error("syndication-latin1", _undefined_as_latin1)
codecs.register_error("syndication-1252", _stray_as_1252)


def canonical_encoding(label: str) -> str | None:
    """The codec a browser uses for an encoding label, or None if the label names none."""
    name = label.strip().lower()
    name = _LABELS.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def declared_encoding(data: bytes, *, markup: str) -> str:
    """The encoding label the file declares (XML declaration or meta charset), or ""."""
    declaration = _XML_DECLARATION.match(data[:1024])
    if declaration:
        return declaration[1].decode("ascii")
    if markup == "html":
        end = _HEAD_END.search(data, 0, _HEAD_LIMIT)
        meta = _META_CHARSET.search(data, 0, end.start() if end else _HEAD_LIMIT)
        if meta:
            return meta[1].decode("ascii")
    return ""


def _utf8_text(data: bytes) -> str | None:
    """The bytes read as UTF-8, or None if they are not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode(data: bytes, encoding: str) -> str:
    handler = "syndication-latin1" if _SINGLE_BYTE.match(encoding) else "strict"
    return data.decode(encoding, errors=handler)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few stray windows-1252 bytes: the text and how many, else None."""
    strays = data.decode("utf-8", errors="replace").count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(1 for b in data if 0xC2 <= b <= 0xF4)
    if strays > 0 and multibyte >= 4 * strays:
        return data.decode("utf-8", errors="syndication-1252"), strays
    return None


def _language(data: bytes) -> str:
    found = _LANGUAGE.search(data[:_HEAD_LIMIT])
    if not found:
        return ""
    return (found[1] or found[2]).decode("ascii").lower()


def _guess(data: bytes) -> tuple[str, str]:
    """charset-normalizer's choice for undeclared bytes, and the reason to give."""
    from charset_normalizer import from_bytes

    language = _language(data)
    preferred = _LANGUAGE_DEFAULTS.get(language, _DEFAULT)
    results = list(from_bytes(data))
    if not results:
        return preferred, f"no encoding fits the bytes better; read as {preferred}"
    # Mostly-ASCII text leaves several code pages nearly as clean, and on short text
    # charset-normalizer's scores differ by noise: among those within _CLOSE of the
    # cleanest, the browsers' choice for the file's language (windows-1252 for most) wins.
    cleanest = min(r.chaos for r in results)
    close = []
    for result in results:
        if result.chaos <= cleanest + _CLOSE:
            for name in [result.encoding, *result.could_be_from_charset]:
                name = canonical_encoding(name) or name
                close.append(_DEFAULT if name in {"latin_1", "iso8859_1"} else name)
    if preferred in close:
        why = f"for text in {language!r}" if language in _LANGUAGE_DEFAULTS else "by default"
        return preferred, f"charset-normalizer allows {preferred}, the browsers' choice {why}"
    return close[0], f"charset-normalizer found {close[0]}"


def decode(data: bytes, *, markup: str = "xml") -> Decoded:
    """Decode ``data`` (``markup`` "xml" or "html") as a browser would; see the module doc."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="syndication-1252")
            name = encoding.removesuffix("-le").removesuffix("-be")
            return Decoded(text, name, f"the file starts with a {name} byte order mark")
    label = declared_encoding(data, markup=markup)
    declared = canonical_encoding(label) if label else None
    utf8 = _utf8_text(data)
    if declared in (None, "utf-8"):
        if utf8 is not None:
            reason = "declared UTF-8" if declared else "no declaration; the bytes are valid UTF-8"
            # Bytes that say UTF-8, or nothing, need no new declaration to be parsed.
            verbatim = label.lower() in {"", "utf-8"}
            return Decoded(utf8, "utf-8", reason, notable=declared is None, verbatim=verbatim)
        mixed = _mostly_utf8(data)
        if mixed is not None:
            text, strays = mixed
            plural = "s" if strays != 1 else ""
            return Decoded(
                text,
                "utf-8",
                f"UTF-8, with {strays} stray byte{plural} read as windows-1252",
                notable=True,
            )
    elif utf8 is not None and not data.isascii():
        return Decoded(utf8, "utf-8", f"declared {label} but the bytes are UTF-8", notable=True)
    else:
        try:
            text = _decode(data, declared)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: sniff below
        else:
            read_as = f", read as {declared}" if declared != label.lower() else ""
            return Decoded(text, declared, f"declared {label}{read_as}")
    encoding, reason = _guess(data)
    reason = (
        f"declared {label}, which the bytes do not fit; " if label else "no declaration; "
    ) + reason
    try:
        text = _decode(data, encoding)
    except (UnicodeDecodeError, LookupError):
        encoding = _DEFAULT
        text = _decode(data, encoding)
        reason += f"; {encoding} in the end"
    return Decoded(text, encoding, reason, notable=True)


def as_utf8_xml(decoded: Decoded) -> bytes:
    """The decoded text as UTF-8 bytes whose XML declaration (if any) says UTF-8."""
    text = decoded.text
    declaration = re.match(r"""\s*<\?xml\s[^>]*\?>""", text)
    if declaration:
        fixed = re.sub(
            r"""\bencoding\s*=\s*(["'])[^"']*\1""", 'encoding="UTF-8"', declaration.group()
        )
        text = fixed + text[declaration.end() :]
    return text.encode("utf-8")
