"""Reading a whole file: compressed files, files with no items, empty items, identities."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile

import pytest

from syndication.ingest.compression import open_compressed
from syndication.ingest.detect import read_file
from syndication.ingest.errors import ImportFormatError


def rss(items: str, channel_link: str = "https://news.example/") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>{channel_link}</link>{items}</channel></rss>"
    ).encode()


ITEM = (
    "<item><title>Council approves the budget</title><link>https://news.example/budget</link>"
    "<guid>budget-1</guid><description>The council approved the budget on Monday.</description>"
    "</item>"
)


# --- compressed files -------------------------------------------------------------------------


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pack", "kind"),
    [
        (gzip.compress, "gzip-compressed"),
        (bz2.compress, "bzip2-compressed"),
        (lzma.compress, "xz-compressed"),
        (lambda data: _zip(**{"feed.xml": data}), "a zip archive"),
    ],
    ids=["gzip", "bzip2", "xz", "zip"],
)
def test_a_compressed_feed_is_decompressed_and_imported(pack, kind) -> None:
    reading = read_file(pack(rss(ITEM)), "feed.xml.gz")
    assert [d.headline for d in reading.drafts] == ["Council approves the budget"]
    assert reading.importer == "feed"
    assert any(note.startswith(f"The file is {kind}") for note in reading.notes.notes)


def test_a_gzip_body_is_never_refused_as_not_xml() -> None:
    with pytest.raises(ImportFormatError) as refused:
        read_file(gzip.compress(rss(ITEM))[:40], "feed.xml")
    assert "gzip-compressed" in str(refused.value) and "not XML" not in str(refused.value)


def test_decompression_stops_at_the_size_limit() -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000 + b"</rss>")
    with pytest.raises(ImportFormatError, match="larger than 1,000,000 bytes"):
        open_compressed(bomb, limit=1_000_000)


def test_a_zip_of_several_files_is_refused_naming_them() -> None:
    archive = _zip(**{"a.xml": rss(ITEM), "b.xml": rss(ITEM)})
    with pytest.raises(ImportFormatError, match=r"zip archive of 2 files \(a\.xml, b\.xml\)"):
        read_file(archive, "exports.zip")


@pytest.mark.parametrize(
    ("magic", "kind"),
    [(b"\x28\xb5\x2f\xfd", "Zstandard-compressed"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive")],
)
def test_a_compressed_format_we_do_not_open_is_refused_saying_what_it_is(magic, kind) -> None:
    with pytest.raises(ImportFormatError, match=f"feed.xml is {kind}"):
        read_file(magic + b"\x00" * 20, "feed.xml")


# --- files and items with nothing in them ------------------------------------------------------


def test_a_feed_with_no_items_is_refused_saying_so() -> None:
    with pytest.raises(ImportFormatError, match="has no items"):
        read_file(rss(""), "feed.xml")


def test_an_atom_feed_with_no_entries_is_refused_saying_so() -> None:
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Empty</title></feed>'
    with pytest.raises(ImportFormatError, match="Atom feed has no items"):
        read_file(atom, "feed.atom")


def test_an_empty_item_is_skipped_with_a_reason_never_given_the_channels_url() -> None:
    empty = "<item><title></title><link></link><description></description></item>"
    reading = read_file(rss(empty + ITEM), "feed.xml")
    assert [d.headline for d in reading.drafts] == ["Council approves the budget"]
    assert [(s.item, s.reason) for s in reading.notes.skipped] == [
        ("item 1", "no title and no text: not an article")
    ]


def test_an_item_without_a_link_has_no_canonical_url() -> None:
    item = "<item><title>No link</title><description>Text of the item.</description></item>"
    [draft] = read_file(rss(item), "feed.xml").drafts
    assert draft.canonical_url == ""


# --- identities ---------------------------------------------------------------------------------


def test_items_without_guid_or_link_get_a_stable_identity_from_their_content() -> None:
    items = (
        "<item><title>First note</title><pubDate>Mon, 02 Jan 2023 10:00:00 GMT</pubDate>"
        "<description>One.</description></item>"
        "<item><title>Second note</title><description>Two.</description></item>"
    )
    first = read_file(rss(items), "notes.xml").drafts
    again = read_file(rss(items), "notes.xml").drafts
    ids = [d.source_id for d in first]
    assert all(i.startswith("urn:sha256:") for i in ids) and len(set(ids)) == 2
    assert [d.source_id for d in again] == ids


def test_an_item_repeated_verbatim_is_kept_once() -> None:
    reading = read_file(rss(ITEM + ITEM), "feed.xml")
    assert len(reading.drafts) == 1
    assert reading.notes.skipped[0].reason == "the same item is item 1"


def test_different_items_sharing_a_guid_are_told_apart_by_their_content() -> None:
    other = ITEM.replace("Council approves the budget", "Council rejects the plan").replace(
        "https://news.example/budget", "https://news.example/plan"
    )
    drafts = read_file(rss(ITEM + other), "feed.xml").drafts
    ids = [d.source_id for d in drafts]
    assert len(set(ids)) == 2 and all(i.startswith("budget-1#") for i in ids)
    assert read_file(rss(ITEM + other), "feed.xml").drafts[1].source_id == ids[1]


def test_items_sharing_a_link_keep_their_own_guids() -> None:
    items = "".join(
        f"<item><title>Update {n}</title><link>https://news.example/live#{n}</link>"
        f"<guid>live-{n}</guid><description>Update {n} of the live page.</description></item>"
        for n in (1, 2)
    )
    drafts = read_file(rss(items), "feed.xml").drafts
    assert [d.source_id for d in drafts] == ["live-1", "live-2"]


# --- wire copy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("creator", "agency"),
    [
        ("CNN Newsource", "CNN Newsource"),  # a broadcast wire
        ("NBC News Channel", "NBC News Channel"),
        ("Agencia EFE", "EFE"),  # national agencies writing in their own languages
        ("Redazione ANSA", "ANSA"),
        ("新华社记者 张三", "Xinhua"),
    ],
)
def test_an_item_bylined_to_a_wire_service_is_flagged_as_wire_copy(creator, agency) -> None:
    item = ITEM.replace(
        "<guid>",
        f'<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">{creator}</dc:creator><guid>',
    )
    [draft] = read_file(rss(item), "feed.xml").drafts
    assert [(f.kind, f.detail) for f in draft.findings if f.kind == "wire_byline"] == [
        ("wire_byline", agency)
    ]
