"""Bytes are read as a browser reads them, and the reason is recorded; no U+FFFD is invented."""

from __future__ import annotations

import codecs

import pytest

from syndication.ingest.charset import decode
from syndication.ingest.detect import read_file
from syndication.ingest.drafts import FileNotes
from syndication.ingest.feeds import parse_feed
from syndication.ingest.page import parse_page

TEXT = "Grüße aus Köln: „Zoë“ kostet 5 € – café"


def rss(declaration: str, title: str, body: str = "Ein Absatz über Köln und Zürich.") -> str:
    return (
        f"{declaration}<rss version='2.0'><channel><title>Feed</title>"
        "<link>https://news.example/</link><language>de</language>"
        f"<item><title>{title}</title><link>https://news.example/a</link>"
        f"<description>{body}</description></item></channel></rss>"
    )


def test_a_feed_declaring_iso_8859_1_whose_bytes_are_utf_8_is_read_as_utf_8() -> None:
    data = rss('<?xml version="1.0" encoding="ISO-8859-1"?>', TEXT).encode("utf-8")
    notes = FileNotes()
    [draft] = parse_feed(data, notes=notes)
    assert draft.headline == TEXT  # not "GrÃ¼ÃŸe"
    assert notes.encoding == "utf-8" and notes.encoding_notable
    assert notes.encoding_reason == "declared ISO-8859-1 but the bytes are UTF-8"


def test_the_encoding_and_why_is_a_finding_of_every_article_when_it_was_not_the_declared_one():
    data = rss('<?xml version="1.0" encoding="windows-1252"?>', TEXT).encode("utf-8")
    [draft] = read_file(data, "feed.xml").drafts
    [finding] = [f for f in draft.findings if f.kind == "encoding"]
    assert (finding.detail, finding.text) == (
        "utf-8",
        "declared windows-1252 but the bytes are UTF-8",
    )


def test_a_declared_encoding_the_bytes_fit_is_used_and_not_a_finding() -> None:
    title = "Grüße aus Köln: Zoë kostet 5 Mark, café"
    data = rss('<?xml version="1.0" encoding="ISO-8859-1"?>', title)
    reading = read_file(data.encode("latin-1"), "feed.xml")
    assert reading.drafts[0].headline == title
    assert reading.notes.encoding == "windows-1252"  # what browsers mean by ISO-8859-1
    assert not [f for f in reading.drafts[0].findings if f.kind == "encoding"]


@pytest.mark.parametrize(
    ("codec", "declared"),
    [("windows-1251", "windows-1251"), ("gb18030", "gb2312"), ("cp932", "Shift_JIS")],
)
def test_legacy_multi_byte_and_cyrillic_declarations_are_honoured(codec, declared) -> None:
    title = {"windows-1251": "Новости Оренбурга", "gb18030": "武汉的声音", "cp932": "東京の天気"}[
        codec
    ]
    data = rss(f'<?xml version="1.0" encoding="{declared}"?>', title, title).encode(codec)
    [draft] = parse_feed(data)
    assert draft.headline == title


def test_undeclared_legacy_bytes_are_sniffed_not_replaced() -> None:
    data = rss("", "Notícias: São Paulo e Brasília", "Ação, coração e informação.")
    result = decode(data.encode("windows-1252"))
    assert "São Paulo" in result.text and "\ufffd" not in result.text
    assert result.encoding == "windows-1252" and result.reason.startswith("no declaration")


def test_stray_windows_1252_bytes_in_utf_8_are_read_as_windows_1252() -> None:
    data = ("Köln, Zürich, Genève, Málaga – " * 3).encode() + b"\x93quoted\x94"
    result = decode(data)
    assert result.text.endswith("“quoted”") and "\ufffd" not in result.text
    assert result.encoding == "utf-8" and "2 stray bytes" in result.reason


def test_bytes_windows_1252_leaves_undefined_keep_their_code_point_not_u_fffd() -> None:
    data = b'<?xml version="1.0" encoding="windows-1252"?><x>a\x81b\x8dc</x>'
    assert decode(data).text.endswith("<x>a\x81b\x8dc</x>")


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_byte_order_mark_decides(bom: bytes) -> None:
    codec = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16-le"}.get(bom, "utf-16-be")
    data = bom + rss('<?xml version="1.0" encoding="ISO-8859-1"?>', TEXT).encode(codec)
    reading = read_file(data, "feed.xml")
    assert reading.drafts[0].headline == TEXT
    assert "byte order mark" in reading.notes.encoding_reason


def test_a_page_declaring_latin_1_past_the_prescan_but_written_in_utf_8_is_utf_8() -> None:
    padding = "<!-- " + "x" * 3000 + " -->"
    html = (
        f"<html><head>{padding}<meta charset='iso-8859-1'><title>{TEXT}</title></head>"
        f"<body><article><h1>{TEXT}</h1>"
        + "<p>Die Stadt Köln meldet Grüße an alle Leserinnen und Leser, die hier sind.</p>" * 6
        + "</article></body></html>"
    )
    notes = FileNotes()
    [draft] = parse_page(html.encode("utf-8"), notes=notes)
    assert draft.headline == TEXT and "Grüße" in draft.body_html
    assert notes.encoding_reason == "declared iso-8859-1 but the bytes are UTF-8"


def test_references_to_characters_that_cannot_exist_are_dropped_not_made_u_fffd() -> None:
    body = "&lt;p&gt;Surrogates: &amp;#xD800;&amp;#xDFFF; and a real one: &amp;#xFFFD;&lt;/p&gt;"
    [draft] = parse_feed(rss('<?xml version="1.0" encoding="UTF-8"?>', "Refs", body).encode())
    assert draft.body_html == "<p>Surrogates:  and a real one: \ufffd</p>"
