"""IPTC ninjs items, 1.x to 3.x: text items become drafts, their pictures assets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.ingest.detect import parse_any
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.ninjs import parse_ninjs

EXAMPLES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "ninjs" / "examples"
)


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def test_ninjs_2_text_item_with_its_picture_association() -> None:
    [draft] = parse_ninjs(example("2.1_tt_text_image_2.json"))
    assert draft.headline == "Militärövning i jätteformat hålls 2023"
    assert draft.source_id == "http://tt.se/media/text/210526-militarovning-a0f2d045"
    assert draft.language == "sv"
    assert draft.published_at == datetime(2021, 5, 26, 11, 40, 18, tzinfo=UTC)
    assert draft.tags == ["Krig, konflikter och oroligheter"]
    assert "Militärövning i jätteformat" not in draft.body_html  # the <h1> repeats the headline
    assert "<p>Pandemin satte stopp" in draft.body_html
    [picture] = draft.assets
    assert picture.url.endswith("a001_NormalHires.jpg")  # the largest rendition
    assert picture.credit == "Karl Melander/TT" and picture.mime_type == "image/jpeg"
    assert picture.caption.startswith("En stor internationell försvarsövning")


def test_ninjs_3_camel_case_reads_the_same_as_2() -> None:
    two = parse_ninjs(example("2.1_tt_text_image_2.json"))
    three = parse_ninjs(example("3.0_tt_text_image_3.json"))
    assert three == two


def test_wire_byline_is_reported() -> None:
    [draft] = parse_ninjs(example("3.0_dpa_text.json"))
    assert draft.bylines == ["Von Christian Hollmann, dpa"]
    assert [(f.kind, f.detail) for f in draft.findings] == [("wire_byline", "dpa")]


def test_ninjs_1_shape_with_body_html_and_named_associations() -> None:
    item = {
        "uri": "urn:example:1",
        "type": "text",
        "headline": "Storm hits coast",
        "byline": "Jane Roe",
        "versioncreated": "2024-03-01T10:00:00+01:00",
        "firstcreated": "2024-03-01T09:00:00+01:00",
        "located": "MIAMI",
        "body_html": "<p>The storm came ashore.</p><p>Republished with permission.</p>",
        "subject": [{"name": "Weather", "code": "17000000"}, {"name": "Mayer, Marissa"}],
        "pubstatus": "usable",
        "associations": {
            "featureimage": {
                "type": "picture",
                "byline": "AP Photo/John Doe",
                "description_text": "Waves.",
                "renditions": {
                    "thumb": {"href": "https://img.example.org/t.jpg", "width": 100},
                    "original": {
                        "href": "https://img.example.org/o.jpg",
                        "width": 3000,
                        "mimetype": "image/jpeg",
                    },
                },
            }
        },
    }
    [draft] = parse_ninjs(json.dumps(item).encode())
    assert draft.body_html == "<p>The storm came ashore.</p>"
    assert draft.dateline == "MIAMI" and draft.tags == ["Weather", "Mayer, Marissa"]
    assert draft.published_at == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert draft.updated_at == datetime(2024, 3, 1, 9, tzinfo=UTC)
    [photo] = draft.assets
    assert photo.url == "https://img.example.org/o.jpg" and photo.caption == "Waves."
    assert photo.syndicatable is False and photo.rights_holder == "Associated Press"
    assert {f.kind for f in draft.findings} == {"footer", "third_party_asset"}


# --- keywords: no IPTC ninjs version defines them; Superdesk (and NTB, AAP on it) writes them ---


def _superdesk_1_item(keywords: object) -> bytes:
    """A text item as Superdesk's ninjs formatter writes it: 1.x names, plus ``keywords``."""
    item = {
        "uri": "urn:newsml:example.org:20240301:storm",
        "type": "text",
        "headline": "Storm hits coast",
        "versioncreated": "2024-03-01T10:00:00+01:00",
        "body_html": "<p>The storm came ashore south of Miami on Friday morning.</p>",
        "subject": [{"name": "Weather", "code": "17000000", "scheme": "subject"}],
        "keywords": keywords,
    }
    return json.dumps(item).encode()


def test_ninjs_1_keywords_are_tags_after_the_subjects_each_whole() -> None:
    keywords = ["storm surge", "Miami, Florida", "Weather", "hurricane season"]
    [draft] = parse_ninjs(_superdesk_1_item(keywords))
    # A keyword is whole, commas and all; the one repeating a subject is read once.
    assert draft.tags == ["Weather", "storm surge", "Miami, Florida", "hurricane season"]


def test_ninjs_2_keywords_follow_the_subjects() -> None:
    item = json.loads(example("2.1_ntb_text.json"))
    item["keywords"] = ["Google", "datasenter", "Skien, Telemark", "teknologi"]
    [draft] = parse_ninjs(json.dumps(item).encode())
    subjects = ["Innenriks", "Teknologi", "Industri", "Olje og energi"]
    assert draft.tags == [*subjects, "Google", "datasenter", "Skien, Telemark", "teknologi"]
    # As imported: a keyword repeating a subject in another case is that subject.
    [imported] = parse_any(json.dumps(item).encode(), "ntb.json")
    assert imported.tags == [*subjects, "Google", "datasenter", "Skien, Telemark"]


@pytest.mark.parametrize(
    ("keywords", "tags"),
    [
        (["", "   ", None, 42, 1.5, True, {"name": "Floods"}, ["Floods"], "Floods"], ["Floods"]),
        ("Floods, Rain", []),  # a text is not the array ninjs writers give: not guessed at
        ({"Floods": 1}, []),
        (None, []),
    ],
    ids=["odd-entries", "text", "object", "null"],
)
def test_keywords_not_an_array_of_texts_are_skipped(keywords: object, tags: list[str]) -> None:
    [draft] = parse_ninjs(_superdesk_1_item(keywords))
    assert draft.tags == ["Weather", *tags]


def test_plain_text_body_becomes_one_paragraph_per_line() -> None:
    item = {
        "uri": "urn:x",
        "headlines": [{"value": "H"}],
        "bodies": [{"contenttype": "text/plain", "value": "First.\nSecond."}],
    }
    [draft] = parse_ninjs(json.dumps(item).encode())
    assert draft.body_html == "<p>First.</p>\n<p>Second.</p>"


def test_a_list_of_items_gives_one_draft_each() -> None:
    items = [{"uri": f"urn:{n}", "headline": f"H{n}", "body_html": "<p>x</p>"} for n in range(3)]
    assert [d.source_id for d in parse_ninjs(json.dumps(items).encode())] == [
        "urn:0",
        "urn:1",
        "urn:2",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"headline": "no uri"}', "needs a 'uri'"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "levels deep"),  # past what json reads
        # json reads it; lower-casing its keys would recurse as deep.
        (b'{"uri": "urn:deep", "a": ' + b'{"b": ' * 900 + b"1" + b"}" * 901, "levels deep"),
    ],
    ids=["not-json", "no-uri", "not-utf-8", "past-json", "deep-item"],
)
def test_broken_ninjs_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse_ninjs(data)
    if data.startswith((b"{", b"[")):  # found to be ninjs, and refused the same way
        with pytest.raises(ImportFormatError, match=message):
            parse_any(data, "upload.json")


def test_a_picture_item_alone_is_not_an_article() -> None:
    with pytest.raises(ImportFormatError, match="only pictures"):
        parse_ninjs(example("2.1_imageLinkedRights.json"))


def test_an_event_alone_is_not_an_article() -> None:
    with pytest.raises(ImportFormatError, match="events"):
        parse_ninjs(example("3.1_008_event.json"))


def test_ninjs_1_named_texts_give_the_headline_the_body_and_the_summary() -> None:
    # 1.6 names its texts by pattern: headline_main, body_main (text), body_richtext (HTML).
    [draft] = parse_ninjs(example("1.6_004_simple_text_article.json"))
    assert draft.headline == "Captain of wrecked cruise ship on trial in Italy"
    assert draft.body_html.startswith("<p>GROSSETO, Italy (AP)")  # the HTML body, not the text
    [plain] = parse_ninjs(example("1.6_001_simple_example.json"))  # body_main alone
    assert plain.headline == draft.headline and "<p>GROSSETO" in plain.body_html
    item = {
        "uri": "urn:named",
        "type": "text",
        "headline_sub": "A subtitle",
        "headline_main": "The main headline",
        "description_richtext": "<p>Rich</p>",
        "description_short": "The short description",
        "body_text": "Line one.\nLine two.",
    }
    [named] = parse_ninjs(json.dumps(item).encode())
    assert named.headline == "The main headline"
    assert named.summary == "The short description"  # a plain one before markup
    assert named.body_html == "<p>Line one.</p>\n<p>Line two.</p>"


def _text_examples() -> list[str]:
    return sorted(
        path.name
        for path in EXAMPLES.glob("*.json")
        if json.loads(path.read_bytes()).get("type") in ("text", "composite")
    )


@pytest.mark.parametrize("name", _text_examples())
def test_every_official_text_example_imports_with_its_headline_and_text(name: str) -> None:
    for draft in parse_ninjs(example(name)):
        assert draft.headline
        # NTB's example carries its text as descriptions only.
        assert draft.body_html or draft.summary
